"""A full read of an Azure table asks for the next page while the caller works on this
one, and ``get`` loads its own code while the first page is on its way (issue 13: the
Azure path's time). Observed at a proxy between the store and a real Azurite."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterator

import pytest

from gitops_tui.cli.load import load_snapshot
from gitops_tui.config import Config, StoreConfig
from gitops_tui.stores.azure import AzureTableStore

from azurite import Azurite
from faultproxy import FaultProxy

ROWS = 25


def _config(server: Azurite, table: str, port: int | None = None) -> StoreConfig:
    return StoreConfig(kind="azure", endpoint=f"http://127.0.0.1:{port or server.port}/{server.account_name}",
                       account_name=server.account_name, account_key=server.account_key,
                       table=table, timeout_s=5.0)


def _wait_for(condition: Callable[[], bool], timeout_s: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


@pytest.fixture
def proxied(azurite: Azurite, request: pytest.FixtureRequest) -> Iterator[tuple[StoreConfig, FaultProxy]]:
    """A table of ROWS deployments, and a config that reaches it through a proxy."""
    table = f"ahead{abs(hash(request.node.name)) % 10**8}"

    async def seed() -> None:
        store = AzureTableStore(_config(azurite, table))
        await store.open(create=True)
        try:
            await store.upsert_many({"PartitionKey": "p", "RowKey": f"k{i:03d}", "p1": str(i), "service": "svc",
                                     "imageTag": f"t{i}"} for i in range(ROWS))
        finally:
            await store.close()

    asyncio.run(seed())
    proxy = FaultProxy(azurite.port)
    try:
        yield _config(azurite, table, proxy.port), proxy
    finally:
        proxy.close()


async def test_the_next_page_is_asked_for_before_the_caller_asks(proxied) -> None:
    config, proxy = proxied
    store = AzureTableStore(config)
    await store.open()
    try:
        rows, asked_ahead = [], []
        async for page in store.scan(page_size=10):
            rows.extend(page)
            if len(page) == 10:  # (pages of 10, 10 and 5: after the last there is none to ask)
                # The caller has asked for len(rows) / 10 pages; one more request is the store's own.
                wanted = len(rows) // 10 + 1
                asked_ahead.append(await asyncio.to_thread(_wait_for, lambda: proxy.requests >= wanted, 3.0))
        assert sorted(r["RowKey"] for r in rows) == [f"k{i:03d}" for i in range(ROWS)]
        assert asked_ahead == [True, True]
    finally:
        await store.close()


async def test_a_caller_that_stops_early_leaves_nothing_behind(proxied, caplog) -> None:
    config, _ = proxied
    caplog.set_level(logging.WARNING, logger="asyncio")
    store = AzureTableStore(config)
    await store.open()
    pages = aiter(store.scan(page_size=10))
    first = await anext(pages)
    await pages.aclose()  # (a page was in flight)
    await store.close()
    assert len(first) == 10
    again = AzureTableStore(config)
    await again.open()
    try:
        assert sum([len(p) async for p in again.scan(page_size=10)]) == ROWS
    finally:
        await again.close()
    assert not [r for r in caplog.records if "exception" in r.getMessage().lower()]


def test_get_loads_its_code_while_the_first_page_is_on_its_way(proxied) -> None:
    config, proxy = proxied
    calls: list[bool] = []

    def meanwhile() -> None:  # (passes only if the store was asked before it runs)
        calls.append(_wait_for(lambda: proxy.requests >= 1, 5.0))

    snapshot, bad = load_snapshot(Config(store=config), enrich=False, meanwhile=meanwhile)
    assert calls == [True]
    assert bad == 0 and len(snapshot.deployments) == ROWS


def test_the_other_load_path_calls_meanwhile_once_too(proxied) -> None:
    config, _ = proxied
    calls: list[int] = []
    snapshot, _ = load_snapshot(Config(store=config, sync={"clusters": {}}), enrich=False,
                                meanwhile=lambda: calls.append(1))
    assert calls == [1] and len(snapshot.deployments) == ROWS
