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


def test_a_load_pausing_the_collector_in_a_thread_does_not_turn_it_back_on() -> None:
    import threading

    from gitops_tui.runtime.gcpause import gc_paused

    assert gc.isenabled()
    inside, leave = threading.Event(), threading.Event()

    def load_page() -> None:  # a worker thread of a full load, begun before the app mounted
        with gc_paused():
            inside.set()
            leave.wait(5)

    worker = threading.Thread(target=load_page)
    worker.start()
    inside.wait(5)
    collector = IdleCollector()
    collector.start()
    leave.set()
    worker.join()
    assert not gc.isenabled()  # the app still holds its pause
    collector.stop()
    assert gc.isenabled()


def test_no_collection_while_a_bulk_load_holds_a_pause_too(monkeypatch) -> None:
    from gitops_tui.runtime import gcpause

    monkeypatch.setattr(idle_gc, "MIN_PENDING", 1_000)
    clock = Clock()
    collector = IdleCollector(clock)
    collector.start()
    try:
        make_garbage(5_000)
        clock.now += idle_gc.IDLE_S
        gcpause.pause()  # a load's worker thread, building 100k deployments
        try:
            assert not collector.tick()
        finally:
            gcpause.resume()
        assert collector.tick()
    finally:
        collector.stop()
