"""The headless sync component on a real monitor: facts after each poll, a tag moving
between polls, an unreachable repo keeping the last known sync."""

from __future__ import annotations

import asyncio
from pathlib import Path

from gitops_tui.config import StoreConfig
from gitops_tui.monitor import Monitor
from gitops_tui.stores.sqlite import SqliteStore
from gitops_tui.sync.settings import SyncSettings
from gitops_tui.sync.watcher import FluxTagSync, watch
from tests.sync.gitrepo import manifest_repo, tag


def _row(key: str, sha: str) -> dict:
    return {"PartitionKey": "p", "RowKey": key, "service": "svc", "env": "prod", "p1": key,
            "p1Status": "succeeded", "p3": "m" + key, "p3Status": "succeeded",
            "p3FinishedAt": "2026-01-01T00:00:00.000000Z", "manifestCommitId": sha}


async def _settle(monitor: Monitor) -> None:
    for _ in range(100):  # the refresh runs in a worker thread
        await asyncio.sleep(0.02)
        if not [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]:
            return


async def test_facts_follow_the_tags_poll_by_poll(tmp_path: Path) -> None:
    repo = tmp_path / "manifests"
    shas = manifest_repo(repo, 2)
    tag(repo, "flux-east", shas[0])
    store = SqliteStore(StoreConfig(kind="sqlite", path=tmp_path / "t.db", partition="p"))
    await store.open(create=True)
    await store.upsert_many([_row("d", shas[1])])
    monitor = Monitor(store)
    sync = FluxTagSync(SyncSettings(manifest_repo=str(repo)), tmp_path / "cache")
    watch(monitor, sync)
    try:
        await monitor.load()
        await _settle(monitor)
        d = monitor.snapshot.deployments[0]
        assert (d.status, d.rollout, d.pending_clusters) == ("in_progress", "pending", ("east",))
        assert sync.state.behind["east"][0] == 1
        tag(repo, "flux-east", shas[1])
        await monitor.poll()
        await _settle(monitor)
        d = monitor.snapshot.deployments[0]
        assert (d.status, d.rollout, d.synced_clusters) == ("succeeded", "synced", ("east",))
        sync.settings = SyncSettings(manifest_repo=str(tmp_path / "gone"))
        await monitor.poll()
        await _settle(monitor)
        assert monitor.snapshot.deployments[0].rollout == "synced"  # the last known sync
        assert sync.state.error and sync.state.tags  # the error, with the state it kept
    finally:
        await monitor.close()
