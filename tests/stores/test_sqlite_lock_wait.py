"""The SQLite store waits for another connection's lock as long as store.timeout says."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from gitops_tui.config import StoreConfig
from gitops_tui.stores.base import StoreError
from gitops_tui.stores.sqlite import SqliteStore


async def test_a_write_gives_up_on_a_held_lock_after_the_configured_timeout(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    store = SqliteStore(StoreConfig(kind="sqlite", path=db, timeout_s=1.0))
    await store.open(create=True)
    await store.insert({"PartitionKey": "p", "RowKey": "a"})
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process writing, for long
    try:
        started = time.monotonic()
        with pytest.raises(StoreError) as failed:
            await store.insert({"PartitionKey": "p", "RowKey": "b"})
        waited = time.monotonic() - started
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert 0.8 <= waited < 5, waited
    message = str(failed.value)
    assert "locked" in message and "\n" not in message
    await store.insert({"PartitionKey": "p", "RowKey": "b"})  # free again
    assert await store.count() == 2
    await store.close()
