"""The live monitor at 100,000 deployments: launch, full load, filtering, updates, memory.

Run: ``.venv/bin/python benchmarks/bench_tui.py [--rows 100000] [--db PATH] [--size 160x50]``.
Prints figures; asserts nothing. The embedded SQLite store is seeded once with
``SqliteStore.upsert_many`` (realistic rows as our writer makes them: every stage with
status, times and URL, author, PR) and kept at ``--db`` for later runs.

Figures (targets from issue 3):
* launch → newest screenful drawn (≤ 0.5 s): from ``make_app`` to the first frame in
  which the table draws data rows (the monitor publishes its first page early);
* launch → everything loaded (≤ 2 s): published by the monitor, applied by the UI and
  drawn; and a sort of everything (sortable);
* filter keystroke → repaint (≤ 50 ms): each key of a free-text, a field and a negated
  filter, posted as the terminal driver posts it, to the end of the first frame that
  draws the changed table; beside it, the filter computation alone: before that paint
  (a long free-text search finds the first screens' rows first) and whole;
* incremental update of 10 changed rows (≤ 20 ms of UI work): the app's handling of
  the new snapshot plus the frame that draws it (the store and journey work of the
  poll is reported beside it, as core);
* memory (≤ 200 MB RSS) after the load, and peak.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import random
import resource
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

T_IMPORT = time.perf_counter()
from gitops_tui.runtime import settings  # noqa: E402

settings.live()  # as `watch` does, before Textual is imported
from gitops_tui.config import Config, StoreConfig  # noqa: E402
from gitops_tui.domain.rows import CLUSTER_SYNC_KIND, cluster_partition  # noqa: E402
from gitops_tui.monitor import Monitor  # noqa: E402
from gitops_tui.stores.sqlite import SqliteStore  # noqa: E402
from gitops_tui.domain.timefmt import to_iso  # noqa: E402
from gitops_tui.tui.app import GitopsApp, make_app  # noqa: E402
from gitops_tui.tui.widgets.deployment_table import DeploymentTable  # noqa: E402

IMPORT_S = time.perf_counter() - T_IMPORT

SERVICES = ("frontend", "backend", "payments-api", "orders-api", "catalog", "identity", "search",
            "notifications", "gateway", "billing")
RINGS = ("dev", "qa", "staging", "master", "prod")
AUTHORS = (("Alice Ng", "alice@example.com"), ("Bob Ruiz", "bob@example.com"),
           ("Chen Li", "chen@example.com"), ("Dana Ivers", "dana@example.com"),
           ("Eve Park", "eve@example.com"), ("Femi Ade", "femi@example.com"))
PARTITIONS = ("trivia", "shop")
END = datetime(2025, 1, 15, 12, 0, tzinfo=UTC)


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def realistic_rows(count: int, seed: int = 7) -> list[dict[str, str]]:
    """Rows as ``gitops-tui record`` writes them: most journeys complete, some running,
    failed, waiting for approval or closed; a few manual HLD edits; cluster syncs."""
    rnd = random.Random(seed)

    def sha(n: int = 7) -> str:
        return f"{rnd.getrandbits(4 * n):0{n}x}"

    rows = []
    for i in range(count):
        partition = PARTITIONS[i % len(PARTITIONS)]
        service = SERVICES[rnd.randrange(len(SERVICES))]
        ring = RINGS[rnd.randrange(len(RINGS))]
        build = 100000 + i
        start = END - timedelta(seconds=(count - i) * 20)
        name, email = AUTHORS[rnd.randrange(len(AUTHORS))]
        row: dict[str, str] = {"PartitionKey": partition, "RowKey": sha(12)}
        shape = rnd.random()
        if shape < 0.01:  # a manual HLD edit
            row.update(p3=str(build), hldCommitId=sha(), p3Status="succeeded",
                       p3StartedAt=to_iso(start), p3FinishedAt=to_iso(start + timedelta(seconds=90)),
                       manifestCommitId=sha(), author=name, originalTimestamp=to_iso(start + timedelta(seconds=90)))
            rows.append(row)
            continue
        image_status = "failed" if shape < 0.03 else "succeeded"
        row.update(
            p1=str(build), imageTag=f"{service}-{ring}-{build}", commitId=sha(), service=service,
            sourceRepo=f"https://github.com/acme/{service}", p1Status=image_status,
            p1StartedAt=to_iso(start), p1FinishedAt=to_iso(start + timedelta(seconds=180)),
            p1Url=f"https://dev.azure.com/acme/{service}/_build/results?buildId={build}",
            author=name, authorEmail=email,
        )
        last = start + timedelta(seconds=180)
        if image_status == "succeeded" and shape > 0.05:
            pr_state = "open" if shape < 0.08 else ("closed" if shape < 0.09 else "merged")
            row.update(
                p2=str(build), hldCommitId=sha(), env=ring, pr=str(50000 + i),
                hldRepo="https://github.com/acme/hld", p2Status="succeeded",
                p2StartedAt=to_iso(start + timedelta(seconds=190)),
                p2FinishedAt=to_iso(start + timedelta(seconds=240)),
                prState=pr_state, prTitle=f"Update {service} in {ring} to {service}-{ring}-{build}",
            )
            last = start + timedelta(seconds=240)
            if pr_state == "merged":
                row["mergedBy"] = AUTHORS[rnd.randrange(len(AUTHORS))][0]
                running = i > count - 20
                row.update(
                    p3=str(build + 7), p3Status="started" if running else "succeeded",
                    p3StartedAt=to_iso(start + timedelta(seconds=300)),
                    manifestRepo="https://github.com/acme/manifests",
                )
                if not running:
                    row.update(manifestCommitId=sha(), p3FinishedAt=to_iso(start + timedelta(seconds=420)))
                    last = start + timedelta(seconds=420)
        row["originalTimestamp"] = to_iso(last)
        rows.append(row)
    # Two clusters per partition, synced to a manifest commit about 1% from the end.
    for partition in PARTITIONS:
        mine = [r for r in rows if r["PartitionKey"] == partition and r.get("manifestCommitId")]
        for n, cluster in enumerate(("east-us", "west-us")):
            synced = mine[-(len(mine) // 100 + 1 + n * 50)]
            rows.append({
                "PartitionKey": cluster_partition(partition), "RowKey": cluster, "kind": CLUSTER_SYNC_KIND,
                "cluster": cluster, "manifestCommitId": synced["manifestCommitId"],
                "syncedAt": to_iso(END - timedelta(minutes=5 + n * 30)),
            })
    return rows


async def seed(path: Path, count: int) -> SqliteStore:
    store = SqliteStore(StoreConfig(path=path))
    if path.exists():
        await store.open()
        if await store.count() >= count:
            print(f"store: {path} (reused, {await store.count():,} rows)")
            return store
        await store.close()
        path.unlink()
        store = SqliteStore(StoreConfig(path=path))
    await store.open(create=True)
    started = time.perf_counter()
    written = await store.upsert_many(realistic_rows(count))
    print(f"store: {path}: seeded {written:,} rows with upsert_many in {time.perf_counter() - started:.1f} s")
    return store


class Probe:
    """Times frames: when the table draws data rows, and how long each frame's
    render_line calls take in total."""

    def __init__(self) -> None:
        self.first_rows_at: float | None = None
        self.last_render_at = 0.0
        self.render_s = 0.0
        original = DeploymentTable.render_line
        probe = self

        def render_line(table: DeploymentTable, y: int):  # type: ignore[no-untyped-def]
            started = time.perf_counter()
            strip = original(table, y)
            done = time.perf_counter()
            probe.render_s += done - started
            probe.last_render_at = done
            if probe.first_rows_at is None and y >= 1 and len(table.index) > 0:
                probe.first_rows_at = done
            return strip

        DeploymentTable.render_line = render_line  # type: ignore[method-assign]


class ApplyTimer:
    """Times the app's handling of each monitor publication."""

    def __init__(self) -> None:
        self.calls: list[tuple[float, float]] = []  # (start, seconds)
        original = GitopsApp.apply_update
        timer = self

        def apply_update(app: GitopsApp, update: Any) -> None:
            started = time.perf_counter()
            original(app, update)
            timer.calls.append((started, time.perf_counter() - started))

        GitopsApp.apply_update = apply_update  # type: ignore[method-assign]


async def frame_after(pilot: Any, probe: Probe, since: float, settle: float = 0.002) -> float:
    """Let the app idle; the time (from ``since``) of the last table line drawn."""
    await pilot.pause()
    await asyncio.sleep(settle)
    await pilot.pause()
    return max(0.0, probe.last_render_at - since)


async def frame_end(probe: Probe, after: float, timeout: float = 2.0) -> float:
    """When the first frame that draws the table after ``after`` ended."""
    deadline = time.perf_counter() + timeout
    while probe.last_render_at < after and time.perf_counter() < deadline:
        await asyncio.sleep(0)
    drawn = probe.last_render_at
    while True:  # the rest of that frame's lines
        await asyncio.sleep(0)
        if probe.last_render_at == drawn:
            return drawn
        drawn = probe.last_render_at


async def keystroke(app: GitopsApp, probe: Probe, key: str) -> float | None:
    """Send one key as the terminal driver would; the time until the end of the first
    frame that draws the table after the filter changed it (None if the key did not
    change the rows shown: a term typed halfway often does not)."""
    from textual import events

    char = key if len(key) == 1 else None
    name = {" ": "space"}.get(key, key)
    index = app.index
    changed_at: list[float] = []
    unchanged: list[float] = []
    real_set_query = index.set_query

    def set_query(text: str) -> bool:  # note when the filter changed the rows
        changed = real_set_query(text)
        (changed_at if changed else unchanged).append(time.perf_counter())
        return changed

    index.set_query = set_query  # type: ignore[method-assign]
    try:
        started = time.perf_counter()
        app.post_message(events.Key(name, char))
        deadline = started + 2.0
        while not changed_at:
            if unchanged or time.perf_counter() > deadline:
                return None  # the key left the rows as they were: no table to redraw
            await asyncio.sleep(0)
        return await frame_end(probe, changed_at[0]) - started
    finally:
        del index.set_query


def ms(values: list[float]) -> str:
    if not values:
        return "-"
    return (f"median {statistics.median(values) * 1000:.1f} ms, max {max(values) * 1000:.1f} ms "
            f"(n={len(values)})")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--db", type=Path, default=None)
    parser.add_argument("--size", default="160x50")
    args = parser.parse_args()
    width, height = (int(x) for x in args.size.split("x"))
    db = args.db or Path(f"/tmp/gitops-tui-bench-{args.rows}.db")
    store = await seed(db, args.rows)
    await store.close()
    gc.collect()
    print(f"import of the app modules: {IMPORT_S * 1000:.0f} ms (before the clock starts)")
    base_rss = rss_mb()

    probe = Probe()
    applies = ApplyTimer()
    bench_store = SqliteStore(StoreConfig(path=db))
    opened: list[float] = []
    real_open = bench_store.open

    async def timed_open(create: bool = False) -> None:
        opened.append(time.perf_counter())
        await real_open(create)

    bench_store.open = timed_open  # type: ignore[method-assign]
    monitor = Monitor(bench_store, interval_s=3600)
    publications: list[tuple[float, int, bool]] = []
    t0 = time.perf_counter()
    monitor.subscribe(lambda u: publications.append((time.perf_counter() - t0, len(u.snapshot.deployments),
                                                    u.snapshot.loaded)))
    app = make_app(Config(store=StoreConfig(path=db), poll_interval=3600), monitor)
    async with app.run_test(size=(width, height)) as pilot:
        # Poll every 5 ms: a sleep(0) spin would keep the event loop busy and starve the
        # monitor's merge thread of the GIL (it tripled the measured load time).
        while app.snapshot is None or not app.snapshot.loaded:
            await asyncio.sleep(0.005)
        loaded_applied = time.perf_counter() - t0
        loaded_drawn = await frame_end(probe, t0 + loaded_applied) - t0
        first_rows = (probe.first_rows_at or float("nan")) - t0
        first_pub = next((t for t, _, loaded in publications if not loaded), float("nan"))
        full_pub = next((t for t, _, loaded in publications if loaded), float("nan"))
        first_apply = applies.calls[0][1] if applies.calls else float("nan")
        full_apply = applies.calls[-1][1] if applies.calls else float("nan")
        total = len(app.index)
        print(f"\n== launch ({width}x{height}, {total:,} deployments, {app.snapshot.total_rows:,} rows)")
        print(f"app mounted, monitor opens the store:  {(opened[0] - t0) * 1000:7.0f} ms")
        print(f"first page published by the monitor:   {first_pub * 1000:7.0f} ms "
              f"({publications[0][1]:,} deployments)")
        print(f"newest screenful drawn:                {first_rows * 1000:7.0f} ms   (target ≤ 500)")
        print(f"full load published by the monitor:    {full_pub * 1000:7.0f} ms   "
              f"(monitor.load: {monitor.status.poll_ms:.0f} ms; core)")
        print(f"everything applied in the UI:          {loaded_applied * 1000:7.0f} ms "
              f"(UI share: first page {first_apply * 1000:.0f} ms, full {full_apply * 1000:.0f} ms)")
        print(f"everything drawn:                      {loaded_drawn * 1000:7.0f} ms   (target ≤ 2000)")
        while not monitor.settled:  # the last pages' rows compressed, the heap trimmed
            await asyncio.sleep(0.005)
        print(f"load settled (rows compressed):        {(time.perf_counter() - t0) * 1000:7.0f} ms")
        rss_loaded = rss_mb()

        # Sortable: one sort of everything by a column, and back.
        table = app.table
        sorts = []
        for key in ("o", "o", "O"):
            started = time.perf_counter()
            await pilot.press(key)
            sorts.append(await frame_after(pilot, probe, started))
        while app.index.sort_column is not None:  # cycle back to Last Updated
            await pilot.press("o")
        if not app.index.descending:
            await pilot.press("O")
        print(f"sort key to repaint (state, service, reverse): {ms(sorts)}")

        # Wait for the idle priming of the value sets (filters and pickers).
        started = time.perf_counter()
        while not app.index.primed:
            await asyncio.sleep(0.01)
        print(f"value sets primed in the background:   {(time.perf_counter() - started) * 1000:7.0f} ms after load")
        rss_primed = rss_mb()

        print("\n== filter keystroke → repaint (target ≤ 50 ms)")
        print("  from the key reaching the app to the end of the frame that draws the new rows")
        for text in ("frontend", "service:payments-api ring:prod", "!status:succeeded"):
            await pilot.press("slash")
            await pilot.pause()
            per_key = []
            for ch in text:
                latency = await keystroke(app, probe, ch)
                if latency is not None:
                    per_key.append(latency)
            started = time.perf_counter()
            while not app.index.complete:  # a long search finishes after the first paint
                await asyncio.sleep(0.001)
            settled = time.perf_counter() - started
            shown = len(app.index)
            # the filter computation alone, for the same keystrokes (nothing remembered):
            # what a keystroke waits for (the first screen's rows) and the whole search
            filter_only, whole = [], []
            typed = ""
            for ch in text:
                typed += ch
                app.index.set_query(typed[:-1])
                app.index.finish()
                app.index._memo.clear()
                started = time.perf_counter()
                app.index.set_query(typed)
                filter_only.append(time.perf_counter() - started)
                app.index.finish()
                whole.append(time.perf_counter() - started)
            print(f"  {text!r:34} {ms(per_key)}; shows {shown:,} (search done {settled * 1000:.0f} ms after the last key)")
            print(f"  {'':34} filter before the paint {ms(filter_only)}; whole search {ms(whole)}")
            await pilot.press("escape")
            await pilot.pause()
        # backspacing (a wider filter: from memory) and a first free-text key over everything
        await pilot.press("slash")
        for ch in "frontend":
            await keystroke(app, probe, ch)
        back = [t for t in [await keystroke(app, probe, "backspace") for _ in range(7)] if t is not None]
        print(f"  backspace ×7 over 'frontend'          {ms(back)}")
        await pilot.press("escape")
        await pilot.pause()

        print("\n== incremental update of 10 changed rows (target ≤ 20 ms UI work)")
        writer = SqliteStore(StoreConfig(path=db))
        await writer.open()
        rows = [dict(r.row) for r in app.index.records()[1000:1010]]
        ui, paint, core = [], [], []
        for step in range(5):
            for row in rows:
                row["p3Status"] = "failed" if step % 2 == 0 else "succeeded"
                row["originalTimestamp"] = to_iso(END + timedelta(minutes=step + 1))
            await writer.upsert_many(rows)
            calls = len(applies.calls)
            render_before = probe.render_s
            started = time.perf_counter()
            monitor.poll_now()
            while len(applies.calls) == calls:
                await asyncio.sleep(0.001)
            await frame_after(pilot, probe, started)
            ui.append(applies.calls[-1][1])
            paint.append(probe.render_s - render_before)
            core.append(monitor.status.poll_ms / 1000)
        await writer.close()
        print(f"  app.apply_update:       {ms(ui)}")
        print(f"  table lines drawn:      {ms(paint)}")
        print(f"  UI work (sum):          {ms([a + b for a, b in zip(ui, paint, strict=True)])}")
        print(f"  poll in the core (store + journey + snapshot): {ms(core)}")
        assert table.cursor_key is not None

        print("\n== insights on first use (:insights): rebuilt by a worker in chunks")
        lags: list[float] = []
        ticking = [True]

        async def ticker() -> None:  # how late a 5 ms timer fires: what a keystroke would wait
            last = time.perf_counter()
            while ticking[0]:
                await asyncio.sleep(0.005)
                now = time.perf_counter()
                lags.append(max(0.0, now - last - 0.005))
                last = now

        from gitops_tui.tui import insights_state

        steps: list[float] = []  # the worker's time between two give-ways
        give_way = insights_state._give_way
        last_step = [0.0]

        async def timed_give_way() -> None:
            steps.append(time.perf_counter() - last_step[0])
            await give_way()
            last_step[0] = time.perf_counter()

        insights_state._give_way = timed_give_way  # type: ignore[assignment]
        tick = asyncio.create_task(ticker())
        started = last_step[0] = time.perf_counter()
        await pilot.press("colon", *"insights", "enter")
        while not app.insights.ready:
            await asyncio.sleep(0.005)
        whole = time.perf_counter() - started
        await frame_after(pilot, probe, started)
        drawn = time.perf_counter() - started
        ticking[0] = False
        await tick
        insights_state._give_way = give_way  # type: ignore[assignment]
        print(f"  figures whole after {whole * 1000:.0f} ms, drawn after {drawn * 1000:.0f} ms; "
              f"worker steps {ms(steps[1:])}")
        print(f"  a 5 ms timer meanwhile late by {ms(lags)}")
        print(f"  RSS with the insights loaded: {rss_mb():6.0f} MB")
        await pilot.press("escape")

    print("\n== memory")
    print(f"  RSS before the app (imports): {base_rss:6.0f} MB")
    print(f"  RSS loaded:                   {rss_loaded:6.0f} MB   (target ≤ 200)")
    print(f"  RSS with value sets primed:   {rss_primed:6.0f} MB")
    print(f"  peak RSS (ru_maxrss):         {peak_mb():6.0f} MB")


if __name__ == "__main__":
    asyncio.run(main())
