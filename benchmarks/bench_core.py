"""Core speed figures (prints; asserts nothing): merge, SQLite full load, incremental poll.

    .venv/bin/python benchmarks/bench_core.py [--rows 100000]

Targets (issue 2, this 2-core machine): merging 100,000 rows <= 0.5 s; a full load of
100,000 rows from SQLite <= 1 s; an incremental poll with 10 changed rows fetches those
10 rows and takes <= 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import orjson  # noqa: E402

from gitops_tui.index.blocks import seal_all  # noqa: E402
from gitops_tui.config import StoreConfig  # noqa: E402
from gitops_tui.index.journey import JourneyIndex  # noqa: E402
from gitops_tui.monitor import RECONCILE_EVERY_S, Monitor  # noqa: E402
from gitops_tui.writer import StageRecord, record  # noqa: E402
from gitops_tui.stores.projection import projection  # noqa: E402
from gitops_tui.stores.base import Page, load_all  # noqa: E402
from gitops_tui.stores.sqlite import SqliteStore  # noqa: E402
from gitops_tui.domain.timefmt import to_iso  # noqa: E402
from gitops_tui.runtime import settings  # noqa: E402

# The merges run as `get` runs them (no cyclic GC), the monitor's load as the live app
# does (its switch interval; the app's own collector pauses the GC while it runs).
settings.batch()
settings.live()

SERVICES = ("frontend", "backend", "api", "worker")
RINGS = ("dev", "master", "securitybugfix", "prod")


def rows(n: int, partition: str = "trivia", start: int = 0) -> list[dict[str, str]]:
    """Rows as `record` writes them: all three stages with status, times and people
    (rows ``start`` to ``n`` of the sequence, so a big table can be written in parts)."""
    base = datetime(2026, 1, 1, tzinfo=UTC)
    out = []
    for i in range(start, n):
        t = base + timedelta(seconds=30 * i)
        service = SERVICES[i % len(SERVICES)]
        out.append({
            "PartitionKey": partition, "RowKey": f"{i:012x}",
            "p1": str(10000 + i), "imageTag": f"{service}-master-{10000 + i}", "commitId": f"{i * 7919 % 16**7:07x}",
            "service": service, "sourceRepo": f"https://github.com/trivia-team/{service}",
            "p1Status": "succeeded", "p1StartedAt": to_iso(t), "p1FinishedAt": to_iso(t + timedelta(seconds=90)),
            "p1Url": f"https://github.com/trivia-team/{service}/actions/runs/{10000 + i}",
            "p2": str(20000 + i), "env": RINGS[i % len(RINGS)], "hldCommitId": f"{i * 104729 % 16**7:07x}",
            "pr": str(i), "p2Status": "succeeded", "p2StartedAt": to_iso(t + timedelta(seconds=100)),
            "p2FinishedAt": to_iso(t + timedelta(seconds=130)), "prState": "merged", "mergedBy": "Bob Approver",
            "p3": str(30000 + i), "p3Status": "succeeded", "p3StartedAt": to_iso(t + timedelta(seconds=200)),
            "p3FinishedAt": to_iso(t + timedelta(seconds=260)), "manifestCommitId": f"{i * 1299709 % 16**7:07x}",
            "author": "Ada Lovelace", "authorEmail": "ada@example.com",
        })
    return out


def best(times: list[float]) -> str:
    return f"best {min(times) * 1000:.0f} ms, median {statistics.median(times) * 1000:.0f} ms"


def time_merge(data: list[dict[str, str]], repeat: int = 5) -> tuple[list[float], JourneyIndex]:
    """Seconds per full merge of ``data`` (fresh index each time, GC collected before)."""
    times = []
    for _ in range(repeat):
        index = JourneyIndex()
        gc.collect()
        start = time.perf_counter()
        index.load(data)
        times.append(time.perf_counter() - start)
    return times, index


def time_projected_merge(data: list[dict[str, str]], repeat: int = 5) -> tuple[list[float], list[float]]:
    """Seconds per merge as the monitor does it: pages of 5000 as the SQLite store hands
    them over (documents and projections), into a compact index; and per sealing (the
    compression of those rows, which the monitor does in the same worker thread)."""
    pages = [
        Page(None, [orjson.dumps(r) for r in data[i:i + 5000]], [projection(r) for r in data[i:i + 5000]])
        for i in range(0, len(data), 5000)
    ]
    merges, seals = [], []
    for _ in range(repeat):
        index = JourneyIndex(compact=True)
        gc.collect()
        start = time.perf_counter()
        for page in pages:
            index.add_page(page)
        index.finish_load()
        merges.append(time.perf_counter() - start)
        start = time.perf_counter()
        seal_all(index.take_open_blocks())
        seals.append(time.perf_counter() - start)
    return merges, seals


async def main(n: int) -> None:
    data = rows(n)
    print(f"rows: {n:,} (all three stages recorded, 27 columns each)")

    times, index = time_merge(data)
    print(f"merge {n:,} rows (dicts, as get and import have them) -> {len(index):,} deployments: "
          f"{best(times)}  (target <= 500 ms)")
    merges, seals = time_projected_merge(data)
    print(f"merge {n:,} rows from the store's projections (the monitor's full load): {best(merges)}"
          f"  (target <= 500 ms); compressing the rows: {best(seals)}")
    synced = data + [
        {"PartitionKey": "trivia.clusters", "RowKey": name, "kind": "clusterSync", "cluster": name,
         "manifestCommitId": data[n * share // 4]["manifestCommitId"], "syncedAt": "2026-12-31T00:00:00.000000Z"}
        for name, share in (("east-us", 3), ("west-us", 2))
    ]
    times, index = time_merge(synced)
    live = sum(1 for d in index.deployments.values() if d.synced_clusters)
    print(f"merge {n:,} rows + 2 cluster-sync rows ({live:,} deployments live somewhere): {best(times)}")

    with tempfile.TemporaryDirectory() as tmp:
        config = StoreConfig(kind="sqlite", path=Path(tmp) / "bench.db", partition="trivia")
        store = SqliteStore(config)
        await store.open(create=True)
        start = time.perf_counter()
        await store.upsert_many(data)
        print(f"sqlite import {n:,} rows: {time.perf_counter() - start:.1f} s")
        loads = []
        for _ in range(5):
            gc.collect()
            start = time.perf_counter()
            loaded, _ = await load_all(store, 5000)
            loads.append(time.perf_counter() - start)
        print(f"sqlite full load {len(loaded):,} rows: {best(loads)}  (target <= 1000 ms)")

        monitor = Monitor(SqliteStore(config))
        start = time.perf_counter()
        await monitor.load()
        print(f"monitor full load + merge: {(time.perf_counter() - start) * 1000:.0f} ms")
        polls, fetched = [], []
        for round_ in range(5):
            for i in range(10):
                k = (round_ * 1000 + i * 37) % n  # (any --rows)
                await record(store, StageRecord(partition="trivia", p1=str(10000 + k),
                                                image_tag=data[k]["imageTag"], commit_id=data[k]["commitId"],
                                                service=data[k]["service"], status="failed"))
            start = time.perf_counter()
            changed, cursor = await monitor.store.changed_since(monitor.cursor)
            fetch = time.perf_counter() - start
            monitor.cursor = cursor
            start2 = time.perf_counter()
            monitor.index.apply(changed)
            monitor.index.snapshot()
            polls.append(fetch + time.perf_counter() - start2)
            fetched.append(len(changed))
        print(f"incremental poll, 10 changed rows: fetched {fetched} rows; fetch+apply+snapshot {best(polls)}"
              "  (target <= 50 ms)")
        # Deletions: what the monitor's periodic reconcile costs (list keys, diff, drop).
        reconciles = []
        for _ in range(5):
            start = time.perf_counter()
            stored = await monitor.store.keys()
            gone = monitor.index.keys() - stored
            monitor.index.apply([], gone)
            reconciles.append(time.perf_counter() - start)
        print(f"reconcile (list {len(stored):,} keys, diff, drop {len(gone)}): {best(reconciles)}"
              f"  (every {RECONCILE_EVERY_S:.0f} s, at most every third poll)")
        await monitor.close()
        await store.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    asyncio.run(main(parser.parse_args().rows))
