"""An exception no command expected: one line (exit 1), the traceback in a log file in
the user's state dir, and no secret in either."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from helpers import ROOT

SECRET_KEY = "c2VjcmV0LWFjY291bnQta2V5LWZvci10ZXN0cw=="
SAS_SIG = "sv=2024&sig=TOPSECRETSIGNATURE"

# Replace `check` with a command that fails deep inside, with secrets and escapes in its
# message, then run the real entry point.
SCRIPT = f"""
import dataclasses, sys
from gitops_tui.cli import main
import gitops_tui.cli.commands.check as check

def explode(args, config):
    def deep():
        raise RuntimeError(
            "kaput \\x1b]0;pwned\\x07 AccountKey={SECRET_KEY}; "
            "https://acct.table.core.windows.net/t?{SAS_SIG} key=" + config.store.account_key)
    deep()

check.COMMAND = dataclasses.replace(check.COMMAND, run=explode)
sys.exit(main(sys.argv[1:]))
"""


def run(tmp_path: Path, *argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith(("GITOPS_TUI_", "XDG_"))}
    full.update(XDG_STATE_HOME=str(tmp_path / "state"), XDG_CACHE_HOME=str(tmp_path / "cache"),
                PYTHONPATH=str(ROOT))
    full.update(env or {})
    return subprocess.run([sys.executable, "-c", SCRIPT, *argv], capture_output=True, text=True,
                          env=full, cwd=tmp_path, timeout=60)


def test_an_unexpected_exception_is_one_line_and_a_log(tmp_path: Path):
    cfg = tmp_path / "c.yaml"
    cfg.write_text("store:\n  kind: azure\n  table: deployments\n  account_name: acct\n"
                   "  account_key: ${env:THE_KEY}\n")
    result = run(tmp_path, "--config", str(cfg), "check", env={"THE_KEY": "ZGlmZmVyZW50LWtleQ=="})
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    line = lines[0]
    assert line.startswith("gitops-tui: internal error: RuntimeError: kaput")
    assert all(c.isprintable() for c in line), line
    logs = list((tmp_path / "state").rglob("crash-*.log"))
    assert len(logs) == 1, list(tmp_path.rglob("*"))
    assert line.endswith(f"; details in {logs[0]}")
    log = logs[0].read_text()
    assert "Traceback (most recent call last)" in log and "in deep" in log and "RuntimeError: kaput" in log
    for secret in (SECRET_KEY, "TOPSECRETSIGNATURE", "ZGlmZmVyZW50LWtleQ=="):
        assert secret not in line and secret not in log
    assert "AccountKey=***" in log and "\x1b" not in log and "\x07" not in log
    assert oct(logs[0].stat().st_mode & 0o777) == oct(0o600)


def test_old_logs_are_pruned_and_an_unwritable_dir_is_said(tmp_path: Path):
    cfg = tmp_path / "c.yaml"
    cfg.write_text("store:\n  kind: azure\n  table: deployments\n  account_name: acct\n  account_key: a2V5\n")
    log_dir = tmp_path / "state" / "gitops-tui" / "log"
    log_dir.mkdir(parents=True)
    for i in range(25):
        (log_dir / f"crash-2000010{i % 10}T000000-{i}.log").write_text("old")
    assert run(tmp_path, "--config", str(cfg), "check").returncode == 1
    assert len(list(log_dir.glob("crash-*.log"))) == 20
    (tmp_path / "blocked").write_text("a file, not a directory")
    result = run(tmp_path, "--config", str(cfg), "check", env={"XDG_STATE_HOME": str(tmp_path / "blocked")})
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and "internal error: RuntimeError" in lines[0] and "no log written" in lines[0]
