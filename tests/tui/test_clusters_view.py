"""The Clusters view driven by Pilot: a cursor on clusters, ``enter`` lists a cluster's
pending and synced deployments, ``enter`` on one opens its journey, ``esc`` goes up one
level at a time; a cluster read by the sync component shows how far behind it is."""

from __future__ import annotations

from gitops_tui.domain.rows import cluster_partition

from .fakes import PARTITION, screen_text, story_store, wait_loaded
from .test_app import SMALL, app_on


async def _open_clusters(pilot) -> None:  # type: ignore[no-untyped-def]
    await pilot.press("colon", *"clusters", "enter")
    await pilot.pause()


async def test_cluster_then_deployment_then_back_up_one_level_at_80x24() -> None:
    store = await story_store(injection=False)
    app = app_on(store)
    async with app.run_test(size=SMALL) as pilot:
        await wait_loaded(pilot)
        await _open_clusters(pilot)
        assert app.view == "clusters"
        text = screen_text(app)
        assert "EAST-US" in text and "WEST-US" in text
        assert all(len(line) <= 80 for line in text.splitlines())
        await pilot.press("down", "enter")  # the second cluster
        await pilot.pause()
        assert app.view == "cluster" and app.cluster_key == (PARTITION, "west-us")
        text = screen_text(app)
        assert "WEST-US" in text and "Not synced yet: 2" in text and "Synced here:" in text
        await pilot.press("enter")  # the newest pending deployment
        await pilot.pause()
        assert app.view == "detail"
        opened = app.detail_key
        pending = app.query_one("#cluster").row_keys
        assert opened == pending[min(pending)]  # the first pending row's deployment
        assert "→" in screen_text(app)  # its journey's title
        assert app.view_stack == ["deployments", "clusters", "cluster", "detail"]
        await pilot.press("escape")
        assert app.view == "cluster"
        await pilot.press("down", "enter")
        await pilot.pause()
        assert app.view == "detail" and app.detail_key != opened  # the cursor moved on
        await pilot.press("escape", "escape")
        assert app.view == "clusters"
        await pilot.press("escape")
        assert app.view_stack == ["deployments"]


async def test_a_cluster_from_the_sync_component_shows_it_is_behind() -> None:
    store = await story_store(injection=False)
    await store.upsert_many([{
        "PartitionKey": cluster_partition(PARTITION), "RowKey": "sync-north", "kind": "clusterSync",
        "source": "sync", "cluster": "north", "manifestCommitId": "m000201",
        "syncedAt": "2025-01-15T09:00:00.000000Z", "behindCommits": 3,
        "behindSince": "2025-01-15T10:00:00.000000Z"}])
    app = app_on(store)
    async with app.run_test(size=SMALL) as pilot:
        await wait_loaded(pilot)
        await _open_clusters(pilot)
        block = screen_text(app).split("NORTH", 1)[1]
        assert "behind 3 commits for" in block.splitlines()[1]
        keys = app.query_one("#clusters").keys
        for _ in range(keys.index((PARTITION, "north"))):
            await pilot.press("down")
        await pilot.press("enter")
        await pilot.pause()
        assert app.view == "cluster" and "behind 3 commits for" in screen_text(app)


async def test_the_drill_down_says_how_far_behind_each_cluster_is() -> None:
    store = await story_store(injection=False)
    await store.upsert_many([{
        "PartitionKey": cluster_partition(PARTITION), "RowKey": "sync-north", "kind": "clusterSync",
        "source": "sync", "cluster": "north", "manifestCommitId": "m000201",
        "syncedAt": "2025-01-15T09:00:00.000000Z", "behindCommits": 2,
        "behindSince": "2025-01-15T10:00:00.000000Z"}])
    app = app_on(store)
    async with app.run_test(size=(160, 60)) as pilot:
        await wait_loaded(pilot)
        await pilot.press("enter")
        await pilot.pause()
        north = next(line for line in screen_text(app).splitlines() if "NORTH" in line)
        assert "2 commits, " in north


async def test_an_unreachable_sync_source_is_in_the_status_bar_and_nothing_crashes(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from gitops_tui.sync.settings import SyncSettings
    from gitops_tui.sync.watcher import FluxTagSync, watch
    from gitops_tui.tui.app import make_app

    from .fakes import NOW, FrozenClock, config_for, monitor_for, wait_for

    store = await story_store(injection=False)
    clock = FrozenClock(NOW)
    monitor = monitor_for(store, clock)
    secret = "https://user:s3cret-token@git.example.invalid/org/manifests"
    watch(monitor, FluxTagSync(SyncSettings(manifest_repo=secret), tmp_path / "cache"))
    app = make_app(config_for(), monitor, clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_loaded(pilot)
        await wait_for(pilot, lambda: "cluster sync" in screen_text(app), what="the sync error")
        line = next(line for line in screen_text(app).splitlines() if "cluster sync" in line)
        assert "cluster sync, no sync read yet: git" in line and "s3cret-token" not in screen_text(app)
        assert app.is_running
