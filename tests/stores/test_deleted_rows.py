"""Rows deleted from the store leave the monitor's view (issue 12, finding 10).

Polls see writes, not deletions, so the monitor lists the store's keys every
``RECONCILE_EVERY_S`` (and at least three polls apart) and drops what is gone.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from gitops_tui.config import StoreConfig
from gitops_tui.monitor import Monitor
from gitops_tui.stores.base import FindsMissing, ListsKeys


def _rows() -> list[dict[str, str]]:
    rows = [{"PartitionKey": "p", "RowKey": f"k{i:02d}", "p1": str(i), "imageTag": f"img-{i}",
             "commitId": "c0ffee1", "service": "svc", "env": "dev"} for i in range(10)]
    # Two rows of one deployment (a retried HLD stage) collapse into one.
    one = {"PartitionKey": "p", "p1": "77", "imageTag": "img-77", "service": "svc", "p2": "78",
           "hldCommitId": "h78", "env": "dev"}
    rows += [{**one, "RowKey": "dup-a"}, {**one, "RowKey": "dup-b", "p3": "79", "manifestCommitId": "m79"}]
    rows.append({"PartitionKey": "p.clusters", "RowKey": "east", "kind": "clusterSync", "cluster": "east",
                 "manifestCommitId": "m1"})
    # The newest row stays: deleting it is seen at once (the SQLite cursor went backwards).
    rows.append({"PartitionKey": "p", "RowKey": "newest", "p1": "99", "imageTag": "img-99", "service": "svc"})
    return rows


@pytest.fixture(params=["sqlite", "azure"])
async def store_and_delete(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[tuple[Any, Callable]]:
    """An open store holding ``_rows()`` and a function deleting rows by key behind its back."""
    if request.param == "sqlite":
        from gitops_tui.stores.sqlite import SqliteStore

        store = SqliteStore(StoreConfig(kind="sqlite", path=tmp_path / "d.db", partition="p"))

        def delete(*keys: tuple[str, str]) -> None:
            with sqlite3.connect(tmp_path / "d.db") as conn:
                for pk, rk in keys:
                    conn.execute('DELETE FROM "deployments" WHERE "PartitionKey"=? AND "RowKey"=?', (pk, rk))
    else:
        from azure.data.tables import TableServiceClient

        from gitops_tui.stores.azure import AzureTableStore

        config = request.getfixturevalue("azure_config")(partition="p")
        store = AzureTableStore(config)
        azurite = request.getfixturevalue("azurite")

        def delete(*keys: tuple[str, str]) -> None:
            client = TableServiceClient.from_connection_string(azurite.connection_string)
            table = client.get_table_client(config.table)
            for pk, rk in keys:
                table.delete_entity(pk, rk)
    await store.open(create=True)
    await store.upsert_many(_rows())
    yield store, delete
    await store.close()


async def test_deleted_rows_leave_the_view_at_the_next_reconcile(store_and_delete, monkeypatch):
    store, delete = store_and_delete
    assert isinstance(store, ListsKeys)
    monkeypatch.setattr("gitops_tui.monitor.RECONCILE_EVERY_S", 0.0)
    monitor = Monitor(store)
    loaded = await monitor.load()
    ids = {d.id for d in loaded.snapshot.deployments}
    assert {"k03", "k04"} <= ids and [c.cluster for c in loaded.snapshot.clusters] == ["east"]
    collapsed = next(d for d in loaded.snapshot.deployments if d.image_tag == "img-77")
    assert collapsed.duplicates  # the two rows are one deployment

    delete(("p", "k03"), ("p", "dup-b"), ("p.clusters", "east"))
    first, second = await monitor.poll(), await monitor.poll()
    assert "k03" in {d.id for d in second.snapshot.deployments}  # not before the third poll
    update = await monitor.poll()
    after = {d.id: d for d in update.snapshot.deployments}
    assert "k03" not in after and "k04" in after
    assert update.snapshot.clusters == ()
    left = next(d for d in after.values() if d.image_tag == "img-77")
    assert left.id == "dup-a" and left.duplicates == () and left.stage("manifest") is None
    assert len(update.snapshot.deployments) == 11  # 9 plain, the newest, the one left of the pair
    assert update.status.state == "OK"


async def test_a_whole_row_fact_is_not_deleted_by_a_reconcile(store_and_delete, monkeypatch):
    store, _ = store_and_delete
    monkeypatch.setattr("gitops_tui.monitor.RECONCILE_EVERY_S", 0.0)
    monitor = Monitor(store)
    await monitor.load()
    monitor.add_facts({("p.clusters", "west"): {"PartitionKey": "p.clusters", "RowKey": "west",
                                                "kind": "clusterSync", "cluster": "west", "manifestCommitId": "m2"}})
    for _ in range(3):
        update = await monitor.poll()
    assert sorted(c.cluster for c in update.snapshot.clusters) == ["east", "west"]


async def test_missing_names_exactly_the_deleted_keys(store_and_delete):
    """``FindsMissing`` (SQLite): the keys asked about that are gone, nothing else; a
    key of another partition (out of scope) counts as missing."""
    store, delete = store_and_delete
    if not isinstance(store, FindsMissing):
        pytest.skip("this store lists its keys instead")
    asked = {("p", "k01"), ("p", "k02"), ("p", "dup-a"), ("p.clusters", "east"), ("q", "k03")}
    assert await store.missing(asked) == {("q", "k03")}
    delete(("p", "k01"), ("p.clusters", "east"))
    assert await store.missing(asked) == {("p", "k01"), ("p.clusters", "east"), ("q", "k03")}
    assert await store.missing(set()) == set()
