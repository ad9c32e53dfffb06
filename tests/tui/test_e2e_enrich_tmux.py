"""End to end at 80×24: the real app in tmux on the 92 Spektate rows, enriched from a
local Azure DevOps with latency; rows show at once as unknown, the status bar says
`enriching …`, then the rows get their statuses. Fails (never skips) without tmux."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

from helpers import SPEKTATE, run_cli

from .test_e2e_tmux import ROOT, Tmux, tmux  # noqa: F401 (the fixture)

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "enrich"))
from azdo_fixtures import config, serve_spektate  # noqa: E402
from provider_server import ProviderServer  # noqa: E402


def test_real_app_enriches_in_the_background(tmp_path: Path, tmux: Tmux) -> None:  # noqa: F811
    cfg = tmp_path / "gitops-tui.yaml"
    cfg.write_text(f"store:\n  kind: sqlite\n  path: {tmp_path / 't.db'}\npoll_interval: 2s\n")
    assert run_cli("--config", str(cfg), "import", str(SPEKTATE / "deployments.json")).returncode == 0
    with ProviderServer(latency_s=0.4) as server:
        serve_spektate(server)
        cfg.write_text(cfg.read_text() + config(server.url()))
        command = (
            "unset COLUMNS LINES; "
            f"cd {shlex.quote(str(ROOT))} && XDG_CACHE_HOME={shlex.quote(str(tmp_path / 'cache'))} "
            f"{shlex.quote(sys.executable)} -m gitops_tui --config {shlex.quote(str(cfg))}"
        )
        tmux.run("new-session", "-d", "-s", tmux.session, "-x", "80", "-y", "24",
                 "-e", "TERM=xterm-256color", "sh", "-c", command)
        screen = tmux.wait_for(lambda s: "enriching" in s, "the progress line")
        assert "deployments" in screen  # the rows are on screen while it works
        screen = tmux.wait_for(lambda s: "enriching" not in s and ("Succeeded" in s or "Failed" in s),
                               "the enriched rows", timeout=30)
        assert "CANARY" not in screen
        tmux.keys("q")
