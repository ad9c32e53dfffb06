"""The fault suite's store half (issue 12): Azurite killed and restarted on its port, and
a loopback proxy that stalls or slows it. The monitor keeps the last data, says STALE
with the reason, backs off, keeps its event loop free, and is fresh again within one
poll of the store's return."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest

from azurite import Azurite, start_azurite
from faultproxy import FaultProxy
from gitops_tui.config import StoreConfig
from gitops_tui.monitor import OK, STALE, Monitor
from gitops_tui.stores.azure import AzureTableStore


def _rows(n: int, start: int = 0) -> list[dict[str, str]]:
    return [{"PartitionKey": "p", "RowKey": f"k{i:03d}", "p1": str(i), "imageTag": f"img-{i}", "service": "svc"}
            for i in range(start, start + n)]


def _config(server: Azurite, port: int | None = None, timeout_s: float = 2.0) -> StoreConfig:
    return StoreConfig(kind="azure", endpoint=f"http://127.0.0.1:{port or server.port}/{server.account_name}",
                       account_name=server.account_name, account_key=server.account_key,
                       table="faults", partition="p", timeout_s=timeout_s)


@pytest.fixture
def own_azurite() -> Iterator[Azurite]:
    """An Azurite of this test's own, to kill."""
    server = start_azurite()
    yield server
    server.stop()


async def _lag_probe(stop: asyncio.Event, lags: list[float]) -> None:
    """How late a 10 ms timer fires: what a keystroke would wait for the loop."""
    while not stop.is_set():
        started = time.perf_counter()
        await asyncio.sleep(0.01)
        lags.append(time.perf_counter() - started - 0.01)


async def test_azurite_killed_then_back_on_its_port(own_azurite):
    server = own_azurite
    writer = AzureTableStore(_config(server))
    await writer.open(create=True)
    await writer.upsert_many(_rows(20))
    await writer.close()
    monitor = Monitor(AzureTableStore(_config(server)), interval_s=0.5, deadline_s=5)
    loaded = await monitor.load()
    assert loaded.status.state == OK and len(loaded.snapshot.deployments) == 20

    server.stop()
    failures = []
    for _ in range(3):  # down for a while: every poll fails, backing off further each time
        failures.append(await monitor.poll())
    for update in failures:
        assert update.status.state == STALE
        assert update.status.last_ok == loaded.status.last_ok  # the age is kept
        assert "faults" in update.status.error or "127.0.0.1" in update.status.error
        assert len(update.snapshot.deployments) == 20  # the last data stays
    assert [u.status.next_poll_s for u in failures] == [0.5, 1.0, 2.0]

    back = start_azurite(port=server.port)
    try:
        again = AzureTableStore(_config(back))
        # (Azurite keeps its tables in memory: the returned service gets them again, and
        # two rows more, written while the monitor was away.)
        await again.open(create=True)
        await again.upsert_many(_rows(22))
        await again.close()
        fresh = await monitor.poll()
        assert fresh.status.state == OK and fresh.status.failures == 0
        assert len(fresh.snapshot.deployments) == 22
    finally:
        await monitor.close()
        back.stop()


async def test_a_stalled_store_times_out_without_blocking_the_loop(azurite):
    seed = AzureTableStore(_config(azurite))
    await seed.open(create=True)
    await seed.upsert_many(_rows(5))
    await seed.close()
    proxy = FaultProxy(azurite.port)
    monitor = Monitor(AzureTableStore(_config(azurite, port=proxy.port, timeout_s=1.0)),
                      interval_s=0.5, deadline_s=1.0)
    try:
        await monitor.load()
        stop, lags = asyncio.Event(), []
        probe = asyncio.ensure_future(_lag_probe(stop, lags))
        proxy.stall.set()
        started = time.perf_counter()
        hung = await monitor.poll()
        took = time.perf_counter() - started
        stop.set()
        await probe
        assert hung.status.state == STALE and "1s" in hung.status.error
        assert took < 2.5  # the deadline, not the stall, decides
        assert max(lags) < 0.1  # keys would still be handled while the poll hung
        assert len(hung.snapshot.deployments) == 5
        proxy.stall.clear()
        proxy.delay_s = 0.05  # slow but answering: served, within the deadline
        await asyncio.sleep(1.0)  # (the stalled call's worker thread gives up first)
        slow = await monitor.poll()
        assert slow.status.state == OK and slow.status.failures == 0
    finally:
        await monitor.close()
        proxy.close()
