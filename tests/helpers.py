"""Shared test helpers: fixture paths, row loading, CLI runs, a frozen clock."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
SPEKTATE = FIXTURES / "spektate"  # MIT, see LICENSE-spektate.txt and PROVENANCE.txt there
FROZEN = datetime(2026, 11, 23, 3, 0, 0, tzinfo=UTC)


def spektate_rows() -> list[dict[str, Any]]:
    """The 92 real rows of Spektate's mock table, unwrapped, as a store returns them."""
    from gitops_tui.transfer import to_entity

    data = json.loads((SPEKTATE / "deployments.json").read_text())
    rows = []
    for entry in data["entries"]:
        row = to_entity(entry, None)
        # A store hands back its own Timestamp; keep the original one as import does.
        row["Timestamp"] = "2026-01-01T00:00:00.000000Z"
        rows.append(row)
    return rows


def run_cli(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None,
            input: str | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run the real `gitops-tui` entry point in a subprocess."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("GITOPS_TUI_")}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "gitops_tui", *args],
        capture_output=True, text=True, env=full_env, cwd=cwd, input=input, timeout=timeout,
    )


def sqlite_config(tmp_path: Path, partition: str | None = "hello", name: str = "t.db") -> Path:
    """A config file for a SQLite store in ``tmp_path``; returns its path."""
    cfg = tmp_path / f"{name}.yaml"
    lines = ["store:", "  kind: sqlite", f"  path: {tmp_path / name}"]
    if partition:
        lines.append(f"  partition: {partition}")
    cfg.write_text("\n".join(lines) + "\n")
    return cfg


def record_ok(cfg: Path, *flags: str) -> None:
    """``gitops-tui record -q FLAGS`` on the config ``cfg``, which must succeed."""
    result = run_cli("--config", str(cfg), "record", "-q", *flags)
    assert result.returncode == 0, result.stderr


def get_json(cfg: Path, *args: str) -> Any:
    """What ``gitops-tui get --output json ARGS`` prints on ``cfg`` (it must succeed)."""
    result = run_cli("--config", str(cfg), "get", "--output", "json", *args)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)
