"""The SQLite store makes every call in one thread of its own (``stores.thread``): one
glibc arena for its page cache and the rows it reads, not one per thread of a pool."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from gitops_tui.config import StoreConfig
from gitops_tui.monitor import Monitor
from gitops_tui.stores.sqlite import SqliteStore


async def test_every_call_of_a_store_runs_in_its_one_thread(tmp_path: Path) -> None:
    store = SqliteStore(StoreConfig(path=tmp_path / "t.db"))
    await store.open(create=True)
    await store.upsert_many([{"PartitionKey": "p", "RowKey": f"{n:012x}", "p1": str(n)} for n in range(50)])
    seen: set[int] = set()
    locked = store._locked

    def spy(fn, *args):  # type: ignore[no-untyped-def]
        seen.add(threading.get_ident())
        return locked(fn, *args)

    store._locked = spy  # type: ignore[method-assign]
    monitor = Monitor(store, first_page=7, page_size=10)
    await monitor.load()
    # Calls at once (a load's next page while a poll asks): still one thread, in turn.
    await asyncio.gather(*(store.count() for _ in range(8)), monitor.poll(), store.keys())
    assert len(seen) == 1 and threading.get_ident() not in seen
    await store.close()
    assert await store.count() == 50  # closed: a call opens it again, in a new thread
    await store.close()
