"""Shell completion, --version and usage errors, through the real entry point."""

from __future__ import annotations

import os

import pytest

from gitops_tui import __version__
from helpers import run_cli


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_scripts(shell):
    result = run_cli("completion", shell)
    assert result.returncode == 0, result.stderr
    assert "gitops-tui" in result.stdout and "_ARGCOMPLETE" in result.stdout


def tab(tmp_path, line):
    """What the completion script's call of gitops-tui answers for ``line`` (cursor at its end)."""
    out = tmp_path / "answer"
    result = run_cli(env={"_ARGCOMPLETE": "1", "COMP_LINE": line, "COMP_POINT": str(len(line)),
                          "_ARGCOMPLETE_STDOUT_FILENAME": str(out)})
    assert result.returncode == 0, result.stderr
    return sorted(w.strip() for w in out.read_text().split("\v"))


def test_tab_completes_commands_flags_and_values(tmp_path):
    assert {"get", "record", "watch", "completion"} <= set(tab(tmp_path, "gitops-tui "))
    assert tab(tmp_path, "gitops-tui get --out") == ["--output"]
    assert tab(tmp_path, "gitops-tui get --output ") == ["json", "jsonl", "table", "wide"]
    assert {"bash", "fish", "zsh"} <= set(tab(tmp_path, "gitops-tui completion "))


def test_version():
    result = run_cli("--version")
    assert (result.returncode, result.stdout.strip()) == (0, f"gitops-tui {__version__}")


@pytest.mark.parametrize("args, hint", [
    (("get", "--bogus"), "gitops-tui --help"),
    (("get", "--top", "x"), "gitops-tui get --help"),
    (("get", "--view", "nope"), "gitops-tui get --help"),
    (("get", "--output", "xml"), "gitops-tui get --help"),
    (("nosuch",), "gitops-tui --help"),
    (("record", "--stage", "bogus"), "gitops-tui record --help"),
    (("completion", "powershell"), "gitops-tui completion --help"),
])
def test_usage_error_is_one_line_with_a_help_hint_exit_2(tmp_path, args, hint):
    result = run_cli(*args, cwd=tmp_path)
    assert result.returncode == 2 and result.stdout == ""
    line, = result.stderr.splitlines()
    assert line.startswith("gitops-tui") and hint in line and "usage:" not in line


def test_view_error_lists_the_views(tmp_path):
    line = run_cli("get", "--view", "nope", cwd=tmp_path).stderr
    assert "'deployments', 'rings', 'clusters'" in line
