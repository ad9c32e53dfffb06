"""Insights speed figures (prints; asserts nothing): the full compute over a history,
the per-poll update when a poll changes 5 rows, and get's one-pass status:stuck.

    .venv/bin/python benchmarks/bench_insights.py [--rows 100000]

The rows are bench_core's (every stage with status and times, 4 services × 4 rings),
merged by the JourneyIndex as the monitor does; every 50th one is left in progress.
Two clusters synced every 10th manifest commit (east 2 min after its push, west 7 min):
the sync log a monitor holds after a long session, so commit-to-sync is in every cell.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import time
import tracemalloc
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_core import RINGS, rows  # noqa: E402

from gitops_tui.domain.model import ClusterSync  # noqa: E402
from gitops_tui.index.journey import JourneyIndex  # noqa: E402
from gitops_tui.insights.engine import InsightsEngine  # noqa: E402
from gitops_tui.insights.settings import InsightSettings  # noqa: E402
from gitops_tui.insights.stuck import stuck_now  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--polls", type=int, default=20)
    args = parser.parse_args()
    index = JourneyIndex()
    index.load(rows(args.rows))
    deployments = list(index.snapshot().deployments)
    # bench_core ties ring to service (i % 4 both); spread them over 16 cells.
    deployments = [dataclasses.replace(d, ring=RINGS[(i // 4) % 4]) for i, d in enumerate(deployments)]
    deployments = [dataclasses.replace(d, status="in_progress", finished_at=None) if i % 50 == 0 else d
                   for i, d in enumerate(deployments)]
    times = [d.updated_at for d in deployments if d.updated_at is not None]
    now = max(times) + timedelta(minutes=1)
    settings = InsightSettings(window_s=(now - min(times)).total_seconds() + 86400)
    clusters = [ClusterSync(name, d.partition, d.manifest_commit, d.pushed_at + timedelta(minutes=late))
                for d in deployments[::10] if d.manifest_commit and d.pushed_at
                for name, late in (("east", 2), ("west", 7))]

    engine = InsightsEngine(settings)
    t0 = time.perf_counter()
    engine.load(deployments, now, clusters)
    t1 = time.perf_counter()
    figures = engine.stats(now)
    t2 = time.perf_counter()
    print(f"{len(deployments):,} deployments, {len(figures)} service × ring cells, "
          f"{len(engine.in_flight())} in flight, {len(clusters):,} cluster syncs "
          f"({engine.model.stats(None, None, 'sync').samples:,} commit-to-sync samples)")
    print(f"full compute: load {t1 - t0:.3f} s + figures (DORA, drift, ETA, stuck) {t2 - t1:.3f} s "
          f"= {t2 - t0:.3f} s")

    updates, reads = [], []
    for poll in range(args.polls):
        changed = [dataclasses.replace(deployments[(poll * 997 + k * 131) % len(deployments)],
                                       status="failed" if k == 0 else "succeeded") for k in range(5)]
        a = time.perf_counter()
        engine.update(changed, now=now, clusters=clusters[-2:])
        b = time.perf_counter()
        engine.dora(now)
        engine.drift()
        c = time.perf_counter()
        updates.append(b - a)
        reads.append(c - b)
    print(f"per poll with 5 changed rows ({args.polls} polls, median): update {statistics.median(updates) * 1000:.2f} ms, "
          f"DORA + drift of the touched cells {statistics.median(reads) * 1000:.1f} ms")
    a = time.perf_counter()
    engine.stuck_ids(now)
    b = time.perf_counter()
    print(f"stuck check of every in-flight deployment: {(b - a) * 1000:.1f} ms")
    later = now + timedelta(days=7)  # a week on: the oldest week of hop samples slides out
    a = time.perf_counter()
    dropped = engine.model.expire(later - timedelta(seconds=settings.window_s))
    b = time.perf_counter()
    print(f"window slides a week: {dropped:,} deployments' hop samples dropped in {(b - a) * 1000:.1f} ms")
    a = time.perf_counter()
    stuck = stuck_now(deployments, clusters, now, settings)
    b = time.perf_counter()
    tracemalloc.start()
    stuck_now(deployments, clusters, now, settings)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"get's status:stuck (one pass, hop model + in-flight only): {(b - a):.3f} s, {len(stuck)} stuck, "
          f"peak {peak / 2**20:.0f} MiB allocated beyond the deployments")


if __name__ == "__main__":
    main()
