"""The SQLite file removed or replaced under a running monitor: removed goes STALE
with the reason and keeps the last data; recreated or moved over, it reloads."""

from __future__ import annotations

import os
from pathlib import Path

from gitops_tui.config import StoreConfig
from gitops_tui.monitor import OK, STALE, Monitor
from gitops_tui.stores.sqlite import SqliteStore


async def make_db(path: Path, keys: list[str]) -> None:
    store = SqliteStore(StoreConfig(kind="sqlite", path=path))
    await store.open(create=True)
    await store.upsert_many({"PartitionKey": "p", "RowKey": k, "p1": k, "imageTag": f"t-{k}"} for k in keys)
    await store.close()  # (checkpointed: no -wal left beside it)


def ids(update) -> set[str]:  # type: ignore[no-untyped-def]
    return {d.id for d in update.snapshot.deployments}


def remove(path: Path) -> None:
    for name in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        name.unlink(missing_ok=True)


async def test_a_removed_file_goes_stale_keeps_the_data_and_recovers_when_recreated(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    await make_db(db, ["a", "b"])
    monitor = Monitor(SqliteStore(StoreConfig(kind="sqlite", path=db)))
    assert ids(await monitor.load()) == {"a", "b"}
    remove(db)
    update = await monitor.poll()
    assert update.status.state == STALE and "file removed" in (update.status.error or "")
    assert ids(update) == {"a", "b"}  # the last data stays
    assert (await monitor.poll()).status.state == STALE
    await make_db(db, ["c"])
    update = await monitor.poll()
    assert update.status.state == OK and update.status.error is None
    assert ids(update) == {"c"}
    await monitor.close()


async def test_a_file_moved_over_the_path_is_read_again(tmp_path: Path) -> None:
    db, other = tmp_path / "t.db", tmp_path / "other.db"
    await make_db(db, ["a", "b", "c"])
    await make_db(other, ["x", "y"])
    store = SqliteStore(StoreConfig(kind="sqlite", path=db))
    monitor = Monitor(store)
    assert ids(await monitor.load()) == {"a", "b", "c"}
    os.replace(other, db)
    update = await monitor.poll()
    assert update.status.state == OK and ids(update) == {"x", "y"}
    # and polls on from the new file's cursor
    writer = SqliteStore(StoreConfig(kind="sqlite", path=db))
    await writer.open()
    await writer.insert({"PartitionKey": "p", "RowKey": "z", "p1": "z"})
    await writer.close()
    assert ids(await monitor.poll()) == {"x", "y", "z"}
    await monitor.close()


async def test_rows_removed_by_hand_are_read_again(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    await make_db(db, ["a", "b", "c"])
    monitor = Monitor(SqliteStore(StoreConfig(kind="sqlite", path=db)))
    assert ids(await monitor.load()) == {"a", "b", "c"}
    import sqlite3

    conn = sqlite3.connect(db)
    conn.execute("DELETE FROM deployments WHERE \"RowKey\" IN ('b', 'c')")
    conn.commit()
    conn.close()
    update = await monitor.poll()
    assert update.status.state == OK and ids(update) == {"a"}
    await monitor.close()
