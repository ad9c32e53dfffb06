"""The headless monitor: progressive load, incremental polls, STALE and recovery."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from gitops_tui.config import StoreConfig
from gitops_tui.monitor import ERROR, OK, STALE, Monitor
from gitops_tui.writer import StageRecord, record
from gitops_tui.stores.base import StoreError
from gitops_tui.stores.sqlite import SqliteStore
from helpers import FROZEN


class Flaky:
    """A real store whose calls can be made to fail or hang, and which counts rows served."""

    def __init__(self, inner: SqliteStore) -> None:
        self.inner = inner
        self.description = inner.description
        self.partition = inner.partition
        self.fail = False
        self.hang = False
        self.rows_served = 0

    async def _gate(self) -> None:
        if self.hang:
            await asyncio.sleep(3600)
        if self.fail:
            raise StoreError(f"{self.description}: connection refused")

    async def open(self, create: bool = False) -> None:
        await self._gate()
        await self.inner.open(create)

    async def close(self) -> None:
        await self.inner.close()

    async def cursor_now(self):
        await self._gate()
        return await self.inner.cursor_now()

    async def scan(self, page_size: int = 1000, first_page: int | None = None):
        await self._gate()
        async for page in self.inner.scan(page_size, first_page):
            self.rows_served += len(page)
            yield page

    async def changed_since(self, cursor):
        await self._gate()
        rows, cursor = await self.inner.changed_since(cursor)
        self.rows_served += len(rows)
        return rows, cursor


class Clock:
    def __init__(self) -> None:
        self.now = FROZEN

    def __call__(self):
        return self.now


@pytest.fixture
async def sqlite(tmp_path):
    store = SqliteStore(StoreConfig(kind="sqlite", path=tmp_path / "m.db", partition="p"))
    await store.open(create=True)
    rows = [{"PartitionKey": "p", "RowKey": f"{i:012x}", "p1": str(i), "imageTag": f"img-{i}",
             "commitId": "abc1234", "service": "svc", "originalTimestamp": f"2026-11-{1 + i % 20:02d}T00:00:00.000000Z"}
            for i in range(1200)]
    await store.upsert_many(rows)
    yield store
    await store.close()


async def test_load_publishes_the_first_page_before_everything(sqlite):
    clock = Clock()
    monitor = Monitor(Flaky(sqlite), clock=clock, first_page=100, page_size=500)
    updates = []
    monitor.subscribe(updates.append)
    final = await monitor.load()
    # The newest 100 first (progress after that is throttled to a few a second), then all.
    assert [u.snapshot.loaded for u in updates][0] is False and updates[-1].snapshot.loaded
    assert updates[0].status.rows_loaded == 100 and updates[-1].status.rows_loaded == 1200
    first = updates[0].snapshot.deployments
    assert len(first) == 100
    assert {d.id for d in first} == {f"{i:012x}" for i in range(1100, 1200)}  # newest writes
    assert len(final.snapshot.deployments) == 1200
    assert final.status.state == OK and final.status.last_ok == FROZEN


async def test_load_reports_progress_between_pages(sqlite, monkeypatch):
    monkeypatch.setattr("gitops_tui.monitor.PROGRESS_EVERY_S", 0.0)
    monitor = Monitor(Flaky(sqlite), clock=Clock(), first_page=100, page_size=500)
    updates = []
    monitor.subscribe(updates.append)
    await monitor.load()
    assert [u.status.rows_loaded for u in updates] == [100, 600, 1100, 1200, 1200]
    assert [u.snapshot.loaded for u in updates] == [False, False, False, False, True]


async def test_polls_fetch_only_changed_rows(sqlite):
    flaky = Flaky(sqlite)
    monitor = Monitor(flaky, clock=Clock())
    await monitor.load()
    flaky.rows_served = 0
    for i in range(10):
        await record(sqlite, StageRecord(partition="p", p1=str(i), image_tag=f"img-{i}", commit_id="abc1234",
                                         service="svc", status="failed"))
    update = await monitor.poll()
    assert flaky.rows_served == 10
    assert len(update.snapshot.changed_ids) == 10
    assert [d.status for d in update.snapshot.deployments[:10]] == ["failed"] * 10
    assert len(update.snapshot.deployments) == 1200
    flaky.rows_served = 0
    again = await monitor.poll()
    assert flaky.rows_served == 0 and again.snapshot is update.snapshot


async def test_failing_store_goes_stale_keeps_data_and_recovers(sqlite):
    flaky = Flaky(sqlite)
    clock = Clock()
    monitor = Monitor(flaky, clock=clock, interval_s=5, max_backoff_s=40)
    loaded = await monitor.load()
    flaky.fail = True
    clock.now += timedelta(seconds=5)
    stale = await monitor.poll()
    assert stale.status.state == STALE
    assert "connection refused" in stale.status.error
    assert stale.status.last_ok == FROZEN
    assert stale.snapshot is loaded.snapshot  # the last good data stays on screen
    delays = []
    for _ in range(6):
        delays.append((await monitor.poll()).status.next_poll_s)
    assert delays == [10, 20, 40, 40, 40, 40]  # capped exponential backoff
    flaky.fail = False
    clock.now += timedelta(seconds=60)
    recovered = await monitor.poll()
    assert recovered.status.state == OK and recovered.status.error is None
    assert recovered.status.last_ok == clock.now and recovered.status.failures == 0


async def test_a_hung_store_is_cut_off_by_the_deadline(sqlite):
    flaky = Flaky(sqlite)
    monitor = Monitor(flaky, clock=Clock(), deadline_s=0.2)
    await monitor.load()
    flaky.hang = True
    update = await asyncio.wait_for(monitor.poll(), 5)
    assert update.status.state == STALE
    assert "no answer within 0.2s" in update.status.error


async def test_store_down_from_the_start_is_an_error_then_loads(sqlite):
    flaky = Flaky(sqlite)
    flaky.fail = True
    monitor = Monitor(flaky, clock=Clock())
    first = await monitor.poll()
    assert first.status.state == ERROR and first.snapshot.deployments == ()
    flaky.fail = False
    second = await monitor.poll()
    assert second.status.state == OK and len(second.snapshot.deployments) == 1200


async def test_run_loop_polls_now_on_request(sqlite):
    flaky = Flaky(sqlite)
    monitor = Monitor(flaky, clock=Clock(), interval_s=3600)
    updates = []
    monitor.subscribe(updates.append)
    task = asyncio.create_task(monitor.run())
    try:
        for _ in range(100):
            if updates and updates[-1].snapshot.loaded:
                break
            await asyncio.sleep(0.02)
        count = len(updates)
        monitor.poll_now()
        for _ in range(100):
            if len(updates) > count:
                break
            await asyncio.sleep(0.02)
        assert len(updates) > count  # ctrl+r did not wait out the hour
    finally:
        task.cancel()


async def test_loading_is_true_during_a_full_load_only_and_after_a_failed_one_too(sqlite):
    flaky = Flaky(sqlite)
    monitor = Monitor(flaky, clock=Clock(), first_page=100, page_size=500)
    seen = []
    monitor.subscribe(lambda update: seen.append(monitor.loading))
    assert not monitor.loading
    await monitor.load()
    assert seen and all(seen) and not monitor.loading  # every publication came mid-load
    flaky.fail = True
    failed = Monitor(flaky, clock=Clock())
    await failed.load()
    assert failed.status.state == ERROR and not failed.loading
