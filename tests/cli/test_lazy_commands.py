"""A call imports the module of the command it names and no other (each cost every
call time); help and usage errors still know every command."""

from __future__ import annotations

import re

import pytest

from gitops_tui.cli import build_parser
from gitops_tui.cli.commands import SUMMARIES, load
from gitops_tui.cli.parser import command_in

from helpers import run_cli, sqlite_config


@pytest.mark.parametrize(("argv", "name"), [
    (["get", "-o", "json"], "get"), (["--config", "get", "record"], "record"), (["-c", "x.yaml", "check"], "check"),
    (["--config=x.yaml", "stats", "get"], "stats"), ([], None), (["--help"], None), (["bogus", "get"], None),
    (["--", "get"], None), (["import"], "import"),
])
def test_the_command_a_call_names(argv, name):
    assert command_in(argv) == name


def test_every_command_is_listed_with_its_own_help():
    assert [load(name).name for name in SUMMARIES] == list(SUMMARIES)
    assert all(load(name).help == help for name, (_, help) in SUMMARIES.items())


def test_a_parser_for_one_command_parses_it_as_the_whole_one_does():
    argv = ["--config", "c.yaml", "get", "--top", "3", "-o", "jsonl", "--status", "failed"]
    assert build_parser("get").parse_args(argv) == build_parser().parse_args(argv)


def test_get_imports_no_other_command(tmp_path):
    cfg = sqlite_config(tmp_path)
    assert run_cli("--config", str(cfg), "record", "-q", "--p1", "1", "--image-tag", "t", "--commit-id", "c",
                   "--service", "svc").returncode == 0
    result = run_cli("--config", str(cfg), "get", "-o", "json", env={"PYTHONPROFILEIMPORTTIME": "1"})
    assert result.returncode == 0, result.stderr
    loaded = set(re.findall(r"^import time:\s+\d+ \|\s+\d+ \|\s+(\S+)", result.stderr, re.M))
    commands = {m for m in loaded if m.startswith("gitops_tui.cli.commands.")}
    assert "gitops_tui.cli.stream" in loaded  # (the log is read right)
    assert commands <= {"gitops_tui.cli.commands.get"}, commands
    assert not {"gitops_tui.writer", "gitops_tui.transfer"} & loaded


def test_help_lists_every_command_and_a_bad_one_is_a_usage_error(tmp_path):
    listed = run_cli("--help")
    assert listed.returncode == 0 and all(name in listed.stdout for name in SUMMARIES)
    assert "--image-tag" in run_cli("record", "--help").stdout
    bad = run_cli("--config", str(sqlite_config(tmp_path)), "bogus")
    assert bad.returncode == 2 and "invalid choice: 'bogus'" in bad.stderr and len(bad.stderr.splitlines()) == 1
