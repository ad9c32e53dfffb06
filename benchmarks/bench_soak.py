"""Soak: the live monitor (the real app, headless) on 100,000 rows while pipelines write.

Run: ``.venv/bin/python benchmarks/bench_soak.py [--minutes 30] [--interval 1] [--writes 5]
[--rows 100000] [--churn updates|mixed] [--trace-from MIN] [--no-cost]``. Prints one line
a minute and a summary; asserts nothing.

A writer *process* (as pipelines' ``record`` calls are: their memory and CPU are not the
monitor's) writes ``--writes`` stage records a second. ``--churn updates`` (the default,
issue 12's "a few rows a second of churn"): each moves an existing deployment on (its
image build re-run: started, then succeeded). ``--churn mixed``: half start new
deployments, half move those on, so the table grows by ~2.5 deployments a second.

Per minute: RSS and its growth since the end of minute 1 (the load's heap settles during
it), the growth in that minute, Python's allocated blocks since minute 1 (thousands),
glibc's heap in use and free (``mallinfo2``, every arena), process CPU as % of one core
and per poll, polls and the rows they brought, the deployments the index holds beyond
minute 1's, the slowest handling of an update by the app, and frames drawn with their
median and slowest (the screen's compositor refresh). The summary splits the growth:
what the new deployments account for (their bytes each, measured first in a headless
process: the monitor's index and the table model after 4,500 new deployments arrived by
polls, against the same after 300) and the remainder.

Goal (issue 12): RSS growth ≤ 10 MB over 30 minutes; CPU ≤ 5 % of a core at a 5 s
interval. ``--trace-from M`` starts tracemalloc at the end of minute M and prints what
grew most by the end (by traceback; it slows the app several times over, and whatever
replaced what was there before tracing shows as growth: a full cache's entries, the
snapshot, the strips on screen). ``MALLOC_ARENA_MAX`` and the like
are the environment's: the header prints them.

Measured (2-core VM shared with two other benchmarking sessions; the two 30-minute runs
side by side): ``--churn updates``, 1 s: +6.4 MB over 29 minutes after minute 1 (179.0 →
185.4 MB; 0.17 MB/min in the second half), CPU 2.3-2.9 %; ``--churn mixed``, 1 s: +5.7 MB
with 4,352 new deployments × 904 B (traced) = 3.8 MB of it, remainder +1.9 MB (× 1,339 B
of RSS: 5.6 MB, remainder +0.1 MB); 5 minutes at 5 s (updates): CPU 1.3-1.8 %. Before
(main at 730832b, writer in-process, mixed): +15.0 MB over 30 min, +9.4 MB in 6.
"""

from __future__ import annotations

import argparse
import asyncio
import ctypes
import gc
import json
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_tui import ApplyTimer, rss_mb, seed  # noqa: E402  (sets up the app)

from gitops_tui.config import Config, StoreConfig  # noqa: E402
from gitops_tui.monitor import Monitor  # noqa: E402
from gitops_tui.stores.sqlite import SqliteStore  # noqa: E402
from gitops_tui.writer import StageRecord, record  # noqa: E402

COST_NEW = 4_500  # new deployments the headless cost measure adds (30 min of mixed churn)
COST_WARM = 300


# -- the writer process ----------------------------------------------------------------


def targets(db: Path) -> list[tuple[str, str, str, str, str]]:
    """(partition, p1, image tag, commit, service) of the image builds in ``db``."""
    with sqlite3.connect(db) as conn:
        found = conn.execute(
            "SELECT PartitionKey, json_extract(doc, '$.p1'), json_extract(doc, '$.imageTag'), "
            "json_extract(doc, '$.commitId'), json_extract(doc, '$.service') FROM deployments "
            "WHERE json_extract(doc, '$.p1') IS NOT NULL AND json_extract(doc, '$.imageTag') IS NOT NULL "
            "AND json_extract(doc, '$.service') IS NOT NULL"
        ).fetchall()
    return [tuple(map(str, row)) for row in found]  # type: ignore[misc]


def stage_records(churn: str, db: Path, rnd: random.Random):  # type: ignore[no-untyped-def]
    """Endless (record, is_new) pairs for the churn."""
    if churn == "updates":
        builds = targets(db)
        while True:
            partition, p1, tag, commit, service = builds[rnd.randrange(len(builds))]
            for status in ("started", "succeeded"):  # a re-run of its image build
                yield StageRecord(partition=partition, p1=p1, image_tag=tag, commit_id=commit,
                                  service=service, status=status), False
    build = 900_000
    while True:
        build += 1  # a new image build, then an earlier one moves on (its HLD update)
        yield StageRecord(partition="trivia", p1=str(build), image_tag=f"soak-{build}",
                          commit_id=f"{build:07x}", service="soak", status="started"), True
        old = rnd.randrange(900_001, build + 1)
        yield StageRecord(partition="trivia", stage="hld", p1=str(old), image_tag=f"soak-{old}",
                          p2=str(old), hld_commit_id=f"h{old:06x}", env="dev", status="succeeded"), False


async def writer(db: Path, churn: str, per_second: int) -> None:
    """The writer process: ``per_second`` records a second, printing ``written new`` each
    second; with ``per_second`` 0, as many as each line read from stdin says (then
    ``new`` is every other churn's new deployments only)."""
    store = SqliteStore(StoreConfig(path=db))
    await store.open()
    records = stage_records(churn, db, random.Random(11))
    if not per_second:
        records = ((rec, True) for rec, is_new in records if is_new)
    written = new = 0
    loop = asyncio.get_running_loop()
    while True:
        started = time.perf_counter()
        count = per_second or int(await loop.run_in_executor(None, sys.stdin.readline) or 0)
        if not count:
            break
        for _ in range(count):
            rec, is_new = next(records)
            await record(store, rec)
            written += 1
            new += is_new
        print(written, new, flush=True)
        if per_second:
            await asyncio.sleep(max(0.0, 1.0 - (time.perf_counter() - started)))
    await store.close()


# -- what a new deployment costs ---------------------------------------------------------


async def cost(db: Path) -> None:
    """Headless: the monitor and the table model take ``COST_WARM`` then ``COST_NEW`` more
    new deployments (written by a writer process), three a poll; prints the bytes each
    (traced by tracemalloc, and RSS)."""
    from gitops_tui.index.table import TableModel

    gc.disable()  # (as the app runs: collected by hand below)
    monitor = Monitor(SqliteStore(StoreConfig(path=db)))
    await monitor.load()
    model = TableModel()
    model.update(monitor.snapshot)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, __file__, "--writer", str(db), "--churn", "mixed", "--writes", "0",
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
    assert proc.stdin is not None and proc.stdout is not None
    tracemalloc.start(1)

    async def add(count: int) -> tuple[int, float]:
        for n in range(0, count, 3):
            proc.stdin.write(f"{min(3, count - n)}\n".encode())  # type: ignore[union-attr]
            await proc.stdout.readline()  # type: ignore[union-attr]
            model.update((await monitor.poll()).snapshot)
        gc.collect()
        return tracemalloc.get_traced_memory()[0], rss_mb()

    traced0, rss0 = await add(COST_WARM)
    traced1, rss1 = await add(COST_NEW)
    proc.stdin.write(b"0\n")
    await proc.wait()
    print(json.dumps({"traced": (traced1 - traced0) / COST_NEW, "rss": (rss1 - rss0) * 2**20 / COST_NEW,
                      "deployments": len(monitor.index)}))


def measure_cost(seeded: Path) -> dict[str, float]:
    copy = seeded.with_suffix(".cost.db")
    shutil.copy(seeded, copy)
    try:
        out = subprocess.run([sys.executable, __file__, "--cost", str(copy)], check=True,
                             capture_output=True, text=True).stdout
        return json.loads(out.splitlines()[-1])  # type: ignore[no-any-return]
    finally:
        copy.unlink(missing_ok=True)
        for extra in ("-wal", "-shm"):
            Path(str(copy) + extra).unlink(missing_ok=True)


# -- the soak ----------------------------------------------------------------------------


class Frames:
    """Times each screen refresh (compositing and writing the update)."""

    def __init__(self) -> None:
        from textual.screen import Screen

        self.times: list[float] = []
        original = Screen._compositor_refresh
        frames = self

        def refresh(screen: Screen) -> None:  # type: ignore[type-arg]
            started = time.perf_counter()
            original(screen)
            frames.times.append(time.perf_counter() - started)

        Screen._compositor_refresh = refresh  # type: ignore[method-assign]


class _Mallinfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]


def heap_mb() -> tuple[float, float]:
    """glibc's heap (every arena): in use (with mmapped chunks) and free, MB (nan where
    not glibc)."""
    try:
        mallinfo2 = ctypes.CDLL("libc.so.6").mallinfo2
    except (OSError, AttributeError):
        return float("nan"), float("nan")
    mallinfo2.restype, mallinfo2.argtypes = _Mallinfo2, []
    info = mallinfo2()
    return (info.uordblks + info.hblkhd) / 2**20, info.fordblks / 2**20


def seeded_db(rows: int) -> Path:
    """A fresh copy of the seeded table for this run (a soak writes into it)."""
    seed_db = Path(f"/tmp/gitops-tui-soak-seed-{rows}.db")

    async def make() -> None:
        store = await seed(seed_db, rows)
        await store.close()

    asyncio.run(make())
    return seed_db


async def soak(args: argparse.Namespace, db: Path, per_deployment: dict[str, float] | None) -> None:
    from gitops_tui.tui.app import make_app

    applies, frames = ApplyTimer(), Frames()
    monitor = Monitor(SqliteStore(StoreConfig(path=db)), interval_s=args.interval)
    polls = [0, 0]  # publications, rows brought

    def count(update) -> None:  # type: ignore[no-untyped-def]
        polls[0] += 1
        polls[1] += len(update.snapshot.changed_ids)

    monitor.subscribe(count)
    app = make_app(Config(store=StoreConfig(path=db), poll_interval=args.interval), monitor)
    written = [0, 0]
    async with app.run_test(size=(160, 50)):
        while app.snapshot is None or not app.snapshot.loaded or not monitor.settled:
            await asyncio.sleep(0.01)
        proc = await asyncio.create_subprocess_exec(
            sys.executable, __file__, "--writer", str(db), "--churn", args.churn, "--writes", str(args.writes),
            stdout=asyncio.subprocess.PIPE)

        async def read() -> None:
            assert proc.stdout is not None
            async for line in proc.stdout:
                written[:] = map(int, line.split())

        reader = asyncio.ensure_future(read())
        env = " ".join(f"{k}={v}" for k, v in os.environ.items() if k.startswith(("MALLOC_", "PYTHONMALLOC")))
        print(f"loaded {len(app.index):,} deployments; RSS {rss_mb():.1f} MB; interval {args.interval:g} s; "
              f"{args.writes} writes/s, churn {args.churn}; {env or 'no MALLOC_ settings'}")
        print(" min  RSS MB  growth   /min  blocks k  heap used/free MB  CPU %  ms/poll  polls  rows"
              "    new  slowest upd  frames  median   max  cached plain/rows/cells")
        first: tuple[float, int, int] | None = None  # RSS, blocks, deployments after minute 1
        started, minute, snap, growth = time.perf_counter(), 0, None, []
        last_rss = rss_mb()
        while time.perf_counter() - started < args.minutes * 60:
            cpu0, t0, p0 = time.process_time(), time.perf_counter(), list(polls)
            applies.calls.clear()
            frames.times.clear()
            slowest = 0.0
            while time.perf_counter() < t0 + 60:
                await asyncio.sleep(0.25)  # (no spinning wait: it would be the CPU measured)
                slowest = max([slowest, *(took for _, took in applies.calls)])
                applies.calls.clear()
            minute += 1
            cpu_s = time.process_time() - cpu0
            n_polls = polls[0] - p0[0]
            rss, blocks = rss_mb(), sys.getallocatedblocks()
            if first is None:
                first = (rss, blocks, len(monitor.index))
            if minute == args.trace_from:
                tracemalloc.start(12)
                snap = tracemalloc.take_snapshot()
            used, free = heap_mb()
            times = frames.times or [0.0]
            growth.append(rss - first[0])
            print(f"{minute:4d} {rss:7.1f} {rss - first[0]:+7.1f} {rss - last_rss:+6.2f} {(blocks - first[1]) / 1000:+9.1f}"
                  f"  {used:8.1f} {free:8.1f}  {cpu_s / (time.perf_counter() - t0) * 100:5.1f} "
                  f"{cpu_s / max(1, n_polls) * 1000:7.1f}  {n_polls:5d} {polls[1] - p0[1]:5d} "
                  f"{len(monitor.index) - first[2]:+6d}  {slowest * 1000:7.1f} ms  {len(frames.times):6d} "
                  f"{statistics.median(times) * 1000:5.1f} {max(times) * 1000:5.1f} ms  {_cached(app)}", flush=True)
            last_rss = rss
        proc.terminate()
        await proc.wait()
        reader.cancel()
        assert first is not None
        total = rss_mb() - first[0]
        new = len(monitor.index) - first[2]
        print(f"\nwritten {written[0]:,} records ({written[1]:,} new deployments); after minute 1: RSS "
              f"{total:+.1f} MB over {minute - 1} min ({total / max(1, minute - 1):+.2f} MB/min; "
              f"second half {_slope(growth):+.2f} MB/min); goal ≤ 10 MB over 30 min")
        if per_deployment is not None:
            for what, each in per_deployment.items():
                held = new * each / 2**20
                print(f"new deployments since minute 1: {new:,} × {each:,.0f} B ({what}) = {held:.1f} MB; "
                      f"remainder {total - held:+.1f} MB")
        if snap is not None:
            gc.collect()
            stats = tracemalloc.take_snapshot().filter_traces([tracemalloc.Filter(False, tracemalloc.__file__)])
            print(f"\ntracemalloc since minute {args.trace_from}: {tracemalloc.get_traced_memory()[0] / 2**20:.1f} MB traced")
            for stat in stats.compare_to(snap, "traceback")[:10]:
                print(f"\n{stat.size_diff / 1024:+.0f} KiB in {stat.count_diff:+d} blocks:")
                for line in stat.traceback.format()[-14:]:
                    print("   ", line)


def _cached(app) -> str:  # type: ignore[no-untyped-def]
    """The bounded caches' fill: plain deployments, decoded rows, table cells."""
    from gitops_tui.index import blocks, records

    return f"{records.to_plain.cache_info().currsize}/{len(blocks._rows)}/{len(app.table._lines._cells)}"


def _slope(growth: list[float]) -> float:
    """MB a minute over the second half of the minutes (does it level off?)."""
    half = growth[len(growth) // 2:]
    return (half[-1] - half[0]) / (len(half) - 1) if len(half) > 1 else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--interval", type=float, default=1.0)
    parser.add_argument("--writes", type=int, default=5)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--churn", choices=("updates", "mixed"), default="updates")
    parser.add_argument("--trace-from", type=int, default=0, metavar="MIN")
    parser.add_argument("--no-cost", action="store_true", help="skip measuring a new deployment's bytes")
    parser.add_argument("--writer", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--cost", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.writer:
        return asyncio.run(writer(args.writer, args.churn, args.writes))
    if args.cost:
        return asyncio.run(cost(args.cost))
    seeded = seeded_db(args.rows)
    per_deployment = None
    if args.churn == "mixed" and not args.no_cost:
        found = measure_cost(seeded)
        per_deployment = {"traced": found["traced"], "RSS": found["rss"]}
        print(f"a new deployment costs {found['traced']:,.0f} B traced, {found['rss']:,.0f} B of RSS "
              f"(headless: {COST_NEW:,} added to {found['deployments'] - COST_NEW:,})")
    db = Path(f"/tmp/gitops-tui-soak-{args.rows}-{os.getpid()}.db")  # (runs side by side)
    for extra in ("", "-wal", "-shm"):
        Path(str(db) + extra).unlink(missing_ok=True)
    shutil.copy(seeded, db)
    gc.collect()
    try:
        asyncio.run(soak(args, db, per_deployment))
    finally:
        for extra in ("", "-wal", "-shm"):
            Path(str(db) + extra).unlink(missing_ok=True)


if __name__ == "__main__":
    main()
