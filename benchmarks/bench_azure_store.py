"""Azure table store against Azurite: full load, incremental poll, aio vs sync clients.

Run: ``.venv/bin/python benchmarks/bench_azure_store.py [--rows 20000] [--partitions 10]``
(needs ``npm ci`` for Azurite). Prints figures; asserts nothing. Azurite shares this
machine's cores with the client, so absolute numbers are a floor, ratios are the point.

Figures:
* bare scan: the SDK's own ``list_entities`` iterated to the end (same client as the store);
* full load: ``gitops_tui.stores.base.load_all`` (cursor + every page as plain row dicts),
  and its ratio to the bare scan (target <= 1.15);
* incremental poll: ``changed_since`` after 10 rows changed (target <= 50 ms, 10 rows),
  unscoped and scoped to one partition, then a poll with nothing new;
* aio vs sync: the async client on aiohttp vs the sync client with each page fetched and
  decoded in a worker thread, both as scan time and as the worst event-loop stall a UI
  would feel during the scan.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from azurite import start_azurite  # noqa: E402

from gitops_tui.config import StoreConfig  # noqa: E402
from gitops_tui.stores.azure import AzureTableStore  # noqa: E402
from gitops_tui.stores.base import load_all  # noqa: E402

SERVICES = (
    "hello-bedrock", "fabrikam-web", "spartan-app", "payments-api", "orders-api",
    "catalog", "identity", "search", "notifications", "frontend",
)
RINGS = ("dev", "qa", "staging", "master", "prod")


def bedrock_rows(count: int, partitions: int, seed: int = 7) -> list[dict[str, str]]:
    """Rows shaped like real Bedrock telemetry: mostly complete journeys, some partial
    rows (stage 1 only, stages 1-2, manual HLD edits), a few legacy stray columns."""
    rnd = random.Random(seed)
    hexchars = "0123456789abcdef"

    def sha(n: int) -> str:
        return "".join(rnd.choice(hexchars) for _ in range(n))

    rows = []
    for i in range(count):
        service = SERVICES[i % partitions] if partitions <= len(SERVICES) else f"svc{i % partitions}"
        build = 6000 + i
        row = {"PartitionKey": service, "RowKey": sha(12)}
        shape = rnd.random()
        if shape > 0.03:  # everything but manual HLD edits has an image build
            row.update(
                p1=str(build),
                imageTag=f"{service}-master-{build}",
                commitId=sha(7),
                service=service if rnd.random() > 0.1 else f"microsoft/{service}",
                sourceRepo=f"https://github.com/microsoft/{service}",
            )
        if shape > 0.15 or shape <= 0.03:
            row.update(
                p2=str(build) if rnd.random() < 0.3 else str(200 + i),
                hldCommitId=sha(7) if rnd.random() > 0.05 else sha(40),
                env=rnd.choice(RINGS),
                pr=str(1000 + i),
                hldRepo="https://github.com/microsoft/fabrikam-hld",
            )
        if shape > 0.25 or shape <= 0.03:
            row.update(
                p3=str(build + 4),
                manifestRepo="https://github.com/microsoft/fabrikam-manifest",
            )
            if rnd.random() > 0.1:
                row["manifestCommitId"] = sha(7)
        if rnd.random() < 0.05:
            row["etag"] = f"W/\"datetime'2019-10-24T21%3A28%3A{rnd.randint(10, 59)}.9425016Z'\""
        if rnd.random() < 0.02:
            row["isMultiStage"] = "true"
        rows.append(row)
    return rows


class LoopLag:
    """The longest the event loop went without running a 2 ms ticker (a UI's stall)."""

    def __init__(self) -> None:
        self.worst = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _tick(self) -> None:
        while True:
            start = time.perf_counter()
            await asyncio.sleep(0.002)
            self.worst = max(self.worst, time.perf_counter() - start - 0.002)

    async def __aenter__(self) -> LoopLag:
        self._task = asyncio.create_task(self._tick())
        await asyncio.sleep(0)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()
        try:
            await self._task
        except asyncio.CancelledError:
            pass


def bare_scan_sync(endpoint: str, name: str, key: str, table: str) -> int:
    """The SDK alone: the sync client's list_entities iterated to the end, blocking."""
    from azure.core.credentials import AzureNamedKeyCredential
    from azure.data.tables import TableClient

    with TableClient(endpoint, table, credential=AzureNamedKeyCredential(name, key)) as client:
        return sum(1 for _ in client.list_entities(results_per_page=1000))


async def bare_scan_aio(endpoint: str, name: str, key: str, table: str) -> int:
    from azure.core.credentials import AzureNamedKeyCredential
    from azure.data.tables.aio import TableClient

    async with TableClient(endpoint, table, credential=AzureNamedKeyCredential(name, key)) as client:
        n = 0
        async for _ in client.list_entities(results_per_page=1000):
            n += 1
        return n


async def bare_scan_sync_thread(endpoint: str, name: str, key: str, table: str) -> int:
    from azure.core.credentials import AzureNamedKeyCredential
    from azure.data.tables import TableClient

    with TableClient(endpoint, table, credential=AzureNamedKeyCredential(name, key)) as client:
        pages = client.list_entities(results_per_page=1000).by_page()
        n = 0
        while True:
            page = await asyncio.to_thread(lambda: list(next(pages, None) or ()))
            if not page:
                return n
            n += len(page)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--partitions", type=int, default=10)
    args = parser.parse_args()

    azurite = start_azurite()
    try:
        await run(azurite, args.rows, args.partitions)
    finally:
        azurite.stop()


async def run(azurite: Any, count: int, partitions: int) -> None:
    table = "bench"
    base = dict(
        kind="azure", endpoint=azurite.endpoint, account_name=azurite.account_name,
        account_key=azurite.account_key, table=table, timeout_s=10.0,
    )
    store = AzureTableStore(StoreConfig(**base))  # type: ignore[arg-type]
    await store.open(create=True)
    rows = bedrock_rows(count, partitions)
    start = time.perf_counter()
    written = await store.upsert_many(rows)
    elapsed = time.perf_counter() - start
    print(f"table: {written:,} Bedrock rows in {partitions} partition(s), "
          f"loaded with upsert_many in {elapsed:.1f} s ({written / elapsed:,.0f} rows/s)")
    creds = (azurite.endpoint, azurite.account_name, azurite.account_key, table)

    # Warm Azurite and the client once, then medians of five, interleaved.
    bare_scan_sync(*creds)
    await load_all(store)
    bare_times, full_times = [], []
    for _ in range(5):
        start = time.perf_counter()
        n_bare = bare_scan_sync(*creds)
        bare_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        loaded, _ = await load_all(store)
        full_times.append(time.perf_counter() - start)
    bare, full = statistics.median(bare_times), statistics.median(full_times)
    print(f"bare list_entities scan (sync client, blocking loop): {bare:.3f} s for {n_bare:,} rows "
          f"({n_bare / bare:,.0f} rows/s)")
    print(f"load_all (our full load, plain row dicts): {full:.3f} s for {len(loaded):,} rows "
          f"({len(loaded) / full:,.0f} rows/s)")
    print(f"ratio load_all / bare scan: {full / bare:.3f} (target <= 1.15)")

    # Incremental polls: 10 rows change after the cursor was taken.
    for scope in (None, SERVICES[0]):
        scoped = AzureTableStore(StoreConfig(**base, partition=scope))  # type: ignore[arg-type]
        cursor = await scoped.cursor_now()
        _, cursor = await scoped.changed_since(cursor)  # settle: a steady poller's state
        in_scope = [r for r in loaded if scope is None or r["PartitionKey"] == scope]
        changed = [dict(r, env="prod", Timestamp=None) for r in random.sample(in_scope, 10)]
        await scoped.upsert_many(changed)
        start = time.perf_counter()
        got, cursor = await scoped.changed_since(cursor)
        poll_ms = (time.perf_counter() - start) * 1000
        label_read = scoped.last_fetched
        start = time.perf_counter()
        again, cursor = await scoped.changed_since(cursor)
        idle_ms = (time.perf_counter() - start) * 1000
        want = {(r["PartitionKey"], r["RowKey"]) for r in changed}
        have = {(r["PartitionKey"], r["RowKey"]) for r in got}
        label = "all partitions" if scope is None else f"partition {scope!r}"
        print(f"incremental poll, {label}: {len(got)} rows returned "
              f"({'exactly the 10 changed' if have == want else 'MISMATCH'}; {label_read} read "
              f"from the server) in {poll_ms:.1f} ms (target <= 50 ms); next poll: "
              f"{len(again)} rows ({scoped.last_fetched} read) in {idle_ms:.1f} ms")
        await scoped.close()

    # aio vs sync-in-a-thread: scan time, and the worst event-loop stall a UI would feel.
    contenders: dict[str, Callable[[], Awaitable[Any]]] = {
        "aio client (aiohttp, in the loop)": lambda: bare_scan_aio(*creds),
        "sync client (thread per page)": lambda: bare_scan_sync_thread(*creds),
        "store load_all (sync, thread)": lambda: load_all(store),
    }
    try:  # aiohttp is not a dependency (the store uses the sync client): compare if present
        import aiohttp  # noqa: F401
    except ImportError:
        print("aio client: skipped (pip install aiohttp to compare it)")
        del contenders["aio client (aiohttp, in the loop)"]
    quiet: dict[str, list[float]] = {name: [] for name in contenders}
    busy: dict[str, list[float]] = {name: [] for name in contenders}
    stall: dict[str, float] = dict.fromkeys(contenders, 0.0)
    for rep in range(5):
        names = list(contenders) if rep % 2 == 0 else list(contenders)[::-1]
        for name in names:
            start = time.perf_counter()
            await contenders[name]()
            quiet[name].append(time.perf_counter() - start)
            async with LoopLag() as lag:
                start = time.perf_counter()
                await contenders[name]()
                busy[name].append(time.perf_counter() - start)
            stall[name] = max(stall[name], lag.worst)
    print("aio vs sync, full scans of the table (median of 5, interleaved; then with a 2 ms "
          "UI ticker on the loop: median and worst stall):")
    for name in contenders:
        q, b = statistics.median(quiet[name]), statistics.median(busy[name])
        print(f"  {name:34s} {q:.3f} s ({count / q:,.0f} rows/s); with ticker {b:.3f} s, "
              f"worst loop stall {stall[name] * 1000:.0f} ms")
    await store.close()


if __name__ == "__main__":
    asyncio.run(main())
