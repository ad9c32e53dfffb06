"""`watch` (and the bare command) on a store it cannot open: one line, exit 1, within
store.timeout; a missing SQLite file in an existing directory is created, with a hint."""

from __future__ import annotations

import socket
import time

import pytest

from helpers import run_cli

KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="


def azure_config(tmp_path, port):
    cfg = tmp_path / "az.yaml"
    cfg.write_text(
        "store:\n  kind: azure\n  table: deployments\n  timeout: 2s\n"
        f'  connection_string: "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={KEY};'
        f'TableEndpoint=http://127.0.0.1:{port}/devstoreaccount1;"\n'
    )
    return cfg


@pytest.mark.parametrize("command", [("watch",), ()])
def test_sqlite_directory_missing_is_one_line_and_exit_1(tmp_path, command):
    cfg = tmp_path / "c.yaml"
    cfg.write_text(f"store:\n  kind: sqlite\n  path: {tmp_path / 'nope' / 'x.db'}\n")
    result = run_cli("--config", str(cfg), *command, input="", timeout=20)
    assert result.returncode == 1 and result.stdout == ""
    line, = result.stderr.splitlines()
    assert "does not exist" in line and "--wait" in line and "Traceback" not in line
    assert not (tmp_path / "nope").exists()


def test_refused_azure_endpoint_exits_1(tmp_path):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = run_cli("--config", str(azure_config(tmp_path, port)), "watch", input="", timeout=20)
    assert result.returncode == 1
    line, = result.stderr.splitlines()
    assert "cannot connect" in line and KEY not in line


def test_silent_azure_endpoint_exits_within_store_timeout(tmp_path):
    with socket.socket() as server:  # accepts connections (the backlog) and never answers
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        started = time.monotonic()
        result = run_cli("--config", str(azure_config(tmp_path, server.getsockname()[1])), "watch",
                         input="", timeout=30)
        elapsed = time.monotonic() - started
    assert result.returncode == 1
    line, = result.stderr.splitlines()
    assert "no answer within 2s" in line
    assert elapsed < 2 + 1.5  # store.timeout, and the interpreter's start


def test_missing_file_in_existing_directory_is_created_with_a_hint(tmp_path, capsys):
    from gitops_tui.cli.commands.watch import preflight
    from gitops_tui.config import load_config

    db = tmp_path / "new.db"
    cfg = tmp_path / "c.yaml"
    cfg.write_text(f"store:\n  kind: sqlite\n  path: {db}\n")
    preflight(load_config(str(cfg)))
    assert db.exists()
    err = capsys.readouterr().err
    assert "created an empty store" in err and "gitops-tui record" in err
    preflight(load_config(str(cfg)))  # (the second time: nothing to say)
    assert capsys.readouterr().err == ""
