"""Facts from the layers above the monitor (enrichment, cluster sync) overlaid on rows."""

from __future__ import annotations

import pytest

from gitops_tui.config import StoreConfig
from gitops_tui.monitor import Monitor, overlay
from gitops_tui.stores.sqlite import SqliteStore


def _row(i: int, **extra: str) -> dict:
    return {"PartitionKey": "p", "RowKey": f"k{i:03d}", "p1": str(i), "imageTag": f"img-{i}",
            "commitId": "abc1234", "service": "svc", **extra}


@pytest.fixture
async def store(tmp_path):
    store = SqliteStore(StoreConfig(kind="sqlite", path=tmp_path / "f.db", partition="p"))
    await store.open(create=True)
    await store.upsert_many([_row(i) for i in range(50)] + [_row(50, p1Status="failed")])
    yield store
    await store.close()


def test_overlay_fills_only_blank_columns():
    row = {"a": "kept", "b": None, "c": ""}
    assert overlay(row, {"a": "x", "b": "y", "c": "z", "d": None}) == {"a": "kept", "b": "y", "c": "z"}
    assert overlay(row, {"a": "x"}) is row  # nothing to fill: the same row


async def test_facts_fill_gaps_and_the_store_wins(store):
    monitor = Monitor(store)
    await monitor.load()
    by_id = {d.id: d for d in monitor.snapshot.deployments}
    assert by_id["k007"].stage("image").status == "unknown"
    update = monitor.add_facts({("p", "k007"): {"p1Status": "succeeded", "author": "Ada"},
                                ("p", "k050"): {"p1Status": "succeeded"}})
    assert update is not None and update.snapshot.changed_ids == {("p", "k007")}
    by_id = {d.id: d for d in update.snapshot.deployments}
    assert by_id["k007"].stage("image").status == "succeeded" and by_id["k007"].author == "Ada"
    assert by_id["k050"].stage("image").status == "failed"  # the recorded status wins
    assert monitor.add_facts({("p", "k007"): {"author": "Ada"}}) is None  # nothing new


async def test_facts_survive_a_changed_row_and_a_reload(store):
    monitor = Monitor(store)
    await monitor.load()
    monitor.add_facts({("p", "k003"): {"author": "Grace"}, ("p", "k999"): {"author": "Later"}})
    await store.upsert_many([_row(3, imageTag="img-3b"), _row(999)])
    update = await monitor.poll()
    by_id = {d.id: d for d in update.snapshot.deployments}
    assert by_id["k003"].image_tag == "img-3b" and by_id["k003"].author == "Grace"
    assert by_id["k999"].author == "Later"  # waited for its row
    reloaded = await monitor.load()
    assert {d.id: d.author for d in reloaded.snapshot.deployments}["k003"] == "Grace"


async def test_facts_with_a_whole_row_add_a_cluster_sync(store):
    monitor = Monitor(store)
    await monitor.load()
    sync = {"PartitionKey": "p.clusters", "RowKey": "east", "kind": "clusterSync", "cluster": "east",
            "manifestCommitId": "m1", "Timestamp": "2026-11-01T00:00:00.000000Z"}
    update = monitor.add_facts({("p.clusters", "east"): sync})
    assert update is not None
    assert [c.cluster for c in update.snapshot.clusters] == ["east"]
    assert len(update.snapshot.deployments) == 51


async def test_a_polled_cluster_sync_that_moves_no_deployment_is_published(store):
    monitor = Monitor(store)
    await monitor.load()
    await store.upsert_many([{"PartitionKey": "p.clusters", "RowKey": "west", "kind": "clusterSync",
                              "cluster": "west", "manifestCommitId": "nothing-carries-this"}])
    update = await monitor.poll()
    assert [c.cluster for c in update.snapshot.clusters] == ["west"]
