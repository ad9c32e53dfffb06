"""Error lines are sanitised where they are printed: no escape sequence, control or bidi
character from a file name, a config value or an argument reaches the terminal."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import run_cli

OSC = "\x1b]0;pwned\x07"
CSI = "\x1b[31m"
C1_CSI = "\x9b31m"
BIDI = "\u202e"


def assert_one_clean_line(result, status: int = 2) -> str:
    assert result.returncode == status, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr
    assert result.stderr.endswith("\n")
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    line = lines[0]
    bad = [hex(ord(c)) for c in line if not c.isprintable()]
    assert not bad, (bad, line)
    assert "\x1b" not in line and "\x07" not in line
    return line


def test_a_config_file_name_with_escapes(tmp_path: Path):
    name = tmp_path / f"{OSC}{CSI}c{BIDI}.yaml"
    line = assert_one_clean_line(run_cli("--config", str(name), "get"))
    assert "cannot read config file" in line
    name.write_text("theme: neon\n")
    line = assert_one_clean_line(run_cli("--config", str(name), "check"))
    assert "theme: unknown theme" in line


def test_a_data_file_name_with_escapes(tmp_path: Path):
    cfg = tmp_path / "c.yaml"
    cfg.write_text(f"store:\n  path: {tmp_path / 't.db'}\n")
    missing = tmp_path / f"{CSI}{OSC}rows{C1_CSI}.json"
    line = assert_one_clean_line(run_cli("--config", str(cfg), "import", str(missing)))
    assert "rows" in line and "cannot read" in line


@pytest.mark.parametrize("key", ["partition", "path", "table"])
@pytest.mark.parametrize("command", ["check", "get"])
def test_config_values_with_escapes(tmp_path: Path, key: str, command: str):
    cfg = tmp_path / "c.yaml"
    # YAML's own escapes: \e is ESC, \a is BEL.
    cfg.write_text(f'store:\n  {key}: "\\e]0;pwned\\a\\e[31mred"\n')
    line = assert_one_clean_line(run_cli("--config", str(cfg), command))
    assert f"store.{key}" in line


def test_an_unknown_key_with_escapes(tmp_path: Path):
    cfg = tmp_path / "c.yaml"
    cfg.write_text('"\\e]0;pwned\\a\\e[31mcolour": red\n')
    line = assert_one_clean_line(run_cli("--config", str(cfg), "check"))
    assert "colour: unknown key" in line


@pytest.mark.parametrize(
    "argv",
    [
        ["get", "--view", f"{OSC}rings"],
        ["get", "--bogus", f"{CSI}x{C1_CSI}"],
        [f"{OSC}{BIDI}nope"],
        ["get", "--top", f"{CSI}ten"],
    ],
    ids=["bad-choice", "unknown-flag", "unknown-command", "bad-number"],
)
def test_usage_errors_are_one_clean_line(tmp_path: Path, argv: list[str]):
    line = assert_one_clean_line(run_cli(*argv, cwd=tmp_path))
    assert "error:" in line and "--help" in line


def test_check_prints_what_the_store_says_as_text(tmp_path, capsys):
    # The config loader refuses escapes, but a store's description and errors are
    # printed by check on stdout: they go through the sanitiser there too (a config
    # built in code, as a script would, carries the escape to it).
    import dataclasses

    from gitops_tui.cli.commands import check
    from gitops_tui.config import load_config

    cfg = tmp_path / "c.yaml"
    cfg.write_text(f"store: {{kind: sqlite, path: {tmp_path / 'missing' / 'x.db'}}}\n")
    config = load_config(str(cfg))
    config = dataclasses.replace(config, store=dataclasses.replace(config.store, partition="p\x1b]0;pwned\x07"))
    assert check.run(None, config) == 1  # (the directory is missing: the store cannot open)
    out = capsys.readouterr().out
    assert "(partition p)" in out and "\x1b" not in out and "\x07" not in out
