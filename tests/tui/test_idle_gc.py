"""The app's garbage-collection policy: paused while the user types, run when idle."""

from __future__ import annotations

import gc

from gitops_tui.tui import idle_gc
from gitops_tui.tui.idle_gc import IdleCollector

from .fakes import story_store
from .test_app import WIDE, app_on


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def make_garbage(n: int) -> None:
    for _ in range(n):
        a: list[object] = []
        a.append(a)  # a cycle: only the cyclic collector frees it


def test_collects_only_when_idle_and_enough_was_allocated(monkeypatch) -> None:
    monkeypatch.setattr(idle_gc, "MIN_PENDING", 1_000)
    monkeypatch.setattr(idle_gc, "MAX_PENDING", 50_000)
    clock = Clock()
    collector = IdleCollector(clock)
    was = gc.isenabled()
    collector.start()
    try:
        assert not gc.isenabled()
        collector.touch()
        make_garbage(5_000)
        assert not collector.tick()  # the user is typing
        clock.now += idle_gc.IDLE_S
        assert collector.tick() and gc.get_count()[0] < 1_000  # idle: collected
        assert not collector.tick()  # nothing new to collect
        collector.touch()
        make_garbage(60_000)
        assert collector.tick()  # busy, but past MAX_PENDING: memory stays bounded
        assert collector.collections == 2
    finally:
        collector.stop()
    assert gc.isenabled() == was
    assert not collector.tick()  # stopped: the collector is back in charge


async def test_the_app_pauses_the_collector_while_it_runs_and_restores_it() -> None:
    assert gc.isenabled()
    app = app_on(await story_store())
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        assert not gc.isenabled()
        before = app.collector._last_input
        await pilot.press("down")
        assert app.collector._last_input > before  # a key counts as activity
    assert gc.isenabled()


def test_a_load_in_a_worker_thread_leaves_the_apps_pause_alone() -> None:
    import threading

    from gitops_tui.index.journey import JourneyIndex

    collector = IdleCollector()
    collector.start()
    try:
        rows = [{"PartitionKey": "p", "RowKey": f"{i:06d}", "p1": str(i), "imageTag": f"t-{i}"} for i in range(3000)]
        worker = threading.Thread(target=lambda: JourneyIndex(compact=True).load(rows))
        worker.start()
        worker.join()
        assert not gc.isenabled()  # the app still holds its pause
    finally:
        collector.stop()
    assert gc.isenabled()


def test_no_collection_while_the_monitor_loads(monkeypatch) -> None:
    # A collection during a 100k-row load walks the millions of objects it is building,
    # again at every tick (bench_tui: the load took 4.8 s instead of 0.9 s).
    monkeypatch.setattr(idle_gc, "MIN_PENDING", 1_000)
    clock, loading = Clock(), [True]
    collector = IdleCollector(clock, busy=lambda: loading[0])
    collector.start()
    try:
        make_garbage(5_000)
        clock.now += idle_gc.IDLE_S
        assert not collector.tick()
        loading[0] = False
        assert collector.tick()
    finally:
        collector.stop()


async def test_the_app_holds_its_collections_while_its_monitor_loads() -> None:
    app = app_on(await story_store())
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        app.monitor.loading = True
        assert app.collector.busy()
        app.monitor.loading = False
        assert not app.collector.busy()
