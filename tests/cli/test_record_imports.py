"""`record` on the embedded store loads only what one write needs (pipelines call it per
stage): no Textual, no Azure SDK, no index, no HTTP client, no completion."""

from __future__ import annotations

import re

from helpers import run_cli, sqlite_config

NOT_NEEDED = ("textual", "rich", "azure", "httpx", "zstandard", "argcomplete", "gitops_tui.index",
              "gitops_tui.tui", "gitops_tui.present", "gitops_tui.enrich", "gitops_tui.sync")


def test_record_imports_only_what_a_write_needs(tmp_path):
    cfg = sqlite_config(tmp_path)
    result = run_cli("--config", str(cfg), "record", "-q", "--p1", "1", "--image-tag", "t", "--commit-id", "c",
                     "--service", "svc", env={"PYTHONPROFILEIMPORTTIME": "1"})
    assert result.returncode == 0, result.stderr
    loaded = set(re.findall(r"^import time:\s+\d+ \|\s+\d+ \|\s+(\S+)", result.stderr, re.M))
    assert "gitops_tui.writer" in loaded and "gitops_tui.stores.sqlite" in loaded  # (the log is read right)
    assert not [m for m in loaded if m.split(".")[0] in NOT_NEEDED or m.startswith(NOT_NEEDED)]
