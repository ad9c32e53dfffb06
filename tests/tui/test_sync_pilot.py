"""The live app with the sync component: a pushed deployment reads as in progress until
the clusters' tags contain it, and the Synced column counts them (driven by Pilot)."""

from __future__ import annotations

from pathlib import Path

from gitops_tui.sync.settings import SyncSettings
from gitops_tui.sync.watcher import FluxTagSync, watch
from gitops_tui.tui.app import make_app
from tests.sync.gitrepo import manifest_repo, tag

from .fakes import NOW, FakeStore, FrozenClock, config_for, monitor_for, screen_text, wait_for, wait_loaded


def _row(key: str, sha: str) -> dict:
    return {"PartitionKey": "p", "RowKey": key, "service": "frontend", "env": "prod", "p1": key,
            "p1Status": "succeeded", "p3": "m" + key, "p3Status": "succeeded",
            "p3FinishedAt": "2026-01-01T00:00:00.000000Z", "manifestCommitId": sha}


async def test_the_synced_column_counts_the_clusters_that_run_it(tmp_path: Path) -> None:
    repo = tmp_path / "manifests"
    shas = manifest_repo(repo, 2)
    tag(repo, "flux-east", shas[1])
    tag(repo, "flux-west", shas[0])
    clock = FrozenClock(NOW)
    monitor = monitor_for(FakeStore([_row("d", shas[1])], clock=clock), clock)
    watch(monitor, FluxTagSync(SyncSettings(manifest_repo=str(repo)), tmp_path / "cache"))
    app = make_app(config_for(), monitor, clock=clock)
    async with app.run_test(size=(160, 50)) as pilot:
        await wait_loaded(pilot)
        await wait_for(pilot, lambda: "1/2 EAST" in screen_text(app), what="the sync facts")
        assert "In progress" in app.table.visible_text()[1]
        tag(repo, "flux-west", shas[1])
        await pilot.press("ctrl+r")  # poll now: the moved tag is seen
        await wait_for(pilot, lambda: "2/2 EAST, WEST" in screen_text(app), what="the moved tag")
        assert "Succeeded" in app.table.visible_text()[1]
