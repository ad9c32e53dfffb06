"""Soak: the live monitor (the real app, headless) on 100,000 rows while pipelines write.

Run: ``.venv/bin/python benchmarks/bench_soak.py [--minutes 30] [--interval 1] [--writes 5]
[--rows 100000] [--trace]``. Prints one line a minute and a summary; asserts nothing.
Each second a writer (its own store connection, as a pipeline's ``record`` is) writes
``--writes`` stage records: half move an existing deployment on, half start new ones.

Per minute: RSS and its growth since the first minute (the load's heap settles during
it), process CPU as % of one core, polls and the rows they brought, the slowest handling
of an update by the app, and the time spent drawing the table's lines. Goal (issue 12): RSS growth ≤ 10 MB over 30 minutes; CPU ≤ 5 %
of a core at a 5 s interval. ``--trace`` prints what grew most (tracemalloc, by line).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import random
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_tui import ApplyTimer, Probe, rss_mb, seed  # noqa: E402  (sets up the app)

from gitops_tui.config import Config, StoreConfig  # noqa: E402
from gitops_tui.monitor import Monitor  # noqa: E402
from gitops_tui.stores.sqlite import SqliteStore  # noqa: E402
from gitops_tui.tui.app import make_app  # noqa: E402
from gitops_tui.writer import StageRecord, record  # noqa: E402


async def churn(path: Path, per_second: int, stop: asyncio.Event, written: list[int]) -> None:
    """Pipelines at work: ``per_second`` stage records a second."""
    store = SqliteStore(StoreConfig(path=path, partition="trivia"))
    await store.open()
    rnd = random.Random(11)
    build = 900_000
    try:
        while not stop.is_set():
            started = time.perf_counter()
            for i in range(per_second):
                if i % 2:  # a new image build
                    build += 1
                    rec = StageRecord(partition="trivia", p1=str(build), image_tag=f"soak-{build}",
                                      commit_id=f"{build:07x}", service="soak", status="started")
                else:  # an earlier one moves on (its HLD update)
                    old = rnd.randrange(900_001, build + 1) if build > 900_000 else 900_001
                    rec = StageRecord(partition="trivia", stage="hld", p1=str(old), image_tag=f"soak-{old}",
                                      p2=str(old), hld_commit_id=f"h{old:06x}", env="dev", status="succeeded")
                await record(store, rec)
                written[0] += 1
            await asyncio.sleep(max(0.0, 1.0 - (time.perf_counter() - started)))
    finally:
        await store.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--interval", type=float, default=1.0)
    parser.add_argument("--writes", type=int, default=5)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--trace", action="store_true")
    args = parser.parse_args()
    db = Path(f"/tmp/gitops-tui-soak-{args.rows}.db")
    if db.exists():
        db.unlink()  # (a soak writes: start from the seeded table every run)
    store = await seed(db, args.rows)
    await store.close()
    gc.collect()
    probe, applies = Probe(), ApplyTimer()
    monitor = Monitor(SqliteStore(StoreConfig(path=db)), interval_s=args.interval)
    polls = [0, 0]  # publications, rows brought

    def count(update) -> None:  # type: ignore[no-untyped-def]
        polls[0] += 1
        polls[1] += len(update.snapshot.changed_ids)

    monitor.subscribe(count)
    app = make_app(Config(store=StoreConfig(path=db), poll_interval=args.interval), monitor)
    stop, written = asyncio.Event(), [0]
    async with app.run_test(size=(160, 50)):
        while app.snapshot is None or not app.snapshot.loaded or not monitor.settled:
            await asyncio.sleep(0.01)
        writer = asyncio.ensure_future(churn(db, args.writes, stop, written))
        print(f"loaded {len(app.index):,} deployments; RSS {rss_mb():.1f} MB; "
              f"interval {args.interval:g} s, {args.writes} writes/s")
        print(" min   RSS MB  growth  CPU %  polls  rows  slowest update  table drawing")
        first_rss = None
        started = time.perf_counter()
        minute = 0
        snap = None
        while time.perf_counter() - started < args.minutes * 60:
            cpu0, t0, p0 = time.process_time(), time.perf_counter(), list(polls)
            render0 = probe.render_s
            applies.calls.clear()
            end = t0 + 60
            slowest = 0.0
            while time.perf_counter() < end:
                await asyncio.sleep(0.25)
                # (Frames are not waited for here: a spinning wait would be the CPU measured.)
                slowest = max([slowest, *(took for _, took in applies.calls)])
                applies.calls.clear()
            minute += 1
            cpu = (time.process_time() - cpu0) / (time.perf_counter() - t0) * 100
            rss = rss_mb()
            if first_rss is None:
                first_rss = rss
                if args.trace:
                    tracemalloc.start(25)
                    snap = tracemalloc.take_snapshot()
            print(f"{minute:4d} {rss:8.1f} {rss - first_rss:+7.1f} {cpu:6.1f} {polls[0] - p0[0]:6d} "
                  f"{polls[1] - p0[1]:5d}  {slowest * 1000:6.1f} ms {(probe.render_s - render0) * 1000:8.0f} ms",
                  flush=True)
        stop.set()
        await writer
        print(f"\nwritten {written[0]:,} records; RSS growth after minute 1: {rss_mb() - (first_rss or 0):+.1f} MB "
              f"(goal ≤ 10 MB over 30 min)")
        if snap is not None:
            gc.collect()
            for stat in tracemalloc.take_snapshot().compare_to(snap, "traceback")[:8]:
                print(f"\n{stat.size_diff / 1024:+.0f} KiB in {stat.count_diff:+d} blocks:")
                for line in stat.traceback.format()[-12:]:
                    print("   ", line)


if __name__ == "__main__":
    asyncio.run(main())
