"""The demo's clockwork: a few days of history replayed at once, then a live stream.

Both run the team's journeys (:mod:`gitops_tui.demo.pipelines`) on a discrete-event
queue in one coroutine, so with an injected clock and sleep a seed gives the same rows
every time.

History rows are written through a store adapter that stamps ``originalTimestamp`` (the
column an import keeps the source's write time in) with the simulated time of the write:
otherwise every replayed row would look "updated just now", because the store sets
``Timestamp`` to the real time of the write.
"""

from __future__ import annotations

import asyncio
import heapq
import logging
import random
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from gitops_tui.demo.engine import Engine, Journey, Mode
from gitops_tui.demo.pipelines import DemoDeployment, Pipelines
from gitops_tui.demo.scenario import (
    HISTORY_DAYS, HISTORY_PROMOTE_CHANCE, HISTORY_SCRIPT, HISTORY_SLOTS, HISTORY_STEPS,
    LIVE_MIX, LIVE_PROMOTE_CHANCE, LIVE_STEPS, OPENING, PARTITION, SERVICES,
)
from gitops_tui.domain.rows import Row
from gitops_tui.domain.timefmt import to_iso, utcnow
from gitops_tui.stores.base import Store

log = logging.getLogger(__name__)

MAX_CONSECUTIVE_ERRORS = 10


class Backdated:
    """A store adapter that stamps each write with the simulated time it happened at."""

    def __init__(self, store: Store, when: Callable[[], datetime]) -> None:
        self._store = store
        self._when = when

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    async def insert(self, row: Row) -> str:
        return await self._store.insert({**row, "originalTimestamp": to_iso(self._when())})

    async def replace(self, row: Row, etag: str) -> str:
        return await self._store.replace({**row, "originalTimestamp": to_iso(self._when())}, etag)


class Simulator:
    """Fills a store with a trivia team's deployments: history, then a live stream.

    ``clock`` and ``sleep`` are injectable (tests pass a fake clock and a sleep that
    advances it); ``seed`` fixes every random choice; ``speed`` > 1 makes live steps
    faster. ``on_error`` (live loop only): called with an exception raised by one step,
    which then drops that deployment and carries on; without it the exception propagates.
    """

    def __init__(
        self,
        *,
        partition: str = PARTITION,
        seed: int | None = None,
        speed: float = 1.0,
        clock: Callable[[], datetime] = utcnow,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> None:
        if not speed > 0:
            raise ValueError(f"speed must be positive, not {speed!r}")
        self.partition = partition
        self.seed = seed if seed is not None else random.SystemRandom().randrange(2**32)
        self.speed = speed
        self.clock = clock
        self.sleep = sleep
        self.on_error = on_error
        self.rng = random.Random(self.seed)
        self.steps_run = 0
        self.pipelines = Pipelines(self.rng, partition)
        self._live: Engine | None = None
        self._spawner_journey: Journey | None = None

    @property
    def deployments(self) -> list[DemoDeployment]:
        """Every deployment planned so far, history and live, in the order planned."""
        return self.pipelines.deployments

    # -- history -----------------------------------------------------------------------

    def _history_plan(
        self, now: datetime
    ) -> list[tuple[datetime, str, str | None, tuple[str, ...] | None]]:
        rng = self.rng
        count = rng.randint(*HISTORY_SLOTS)
        start = now - timedelta(days=HISTORY_DAYS)
        end = now - timedelta(hours=3)  # every chain (dev → master) ends before now
        step = (end - start) / (count - 1)
        plan: list[tuple[datetime, str, str | None, tuple[str, ...] | None]] = []
        for i in range(count):
            when = start + step * i - step * rng.uniform(0, 0.4) if i else start
            scenario, service, promote = HISTORY_SCRIPT.get(i, ("deploy", None, None))
            plan.append((when, scenario, service or rng.choice(SERVICES), promote))
        plan.append((now - timedelta(minutes=rng.uniform(40, 60)), "waiting", rng.choice(SERVICES), ()))
        plan.sort(key=lambda slot: slot[0])
        return plan

    async def backfill(
        self, store: Store, now: datetime | None = None, *, stop: asyncio.Event | None = None
    ) -> list[DemoDeployment]:
        """Write a few days of finished history ending before ``now``; returns what it wrote."""
        now = now or self.clock()
        latest = now - timedelta(seconds=1)
        mode = Mode(HISTORY_STEPS, 1.0, promote_chance=HISTORY_PROMOTE_CHANCE, live=False)
        engine = Engine(store, None, mode)
        engine.virtual = now - timedelta(days=HISTORY_DAYS + 1)
        engine.store = Backdated(store, engine.now)  # type: ignore[assignment]
        first = len(self.deployments)
        for when, scenario, service, promote in self._history_plan(now):
            engine.schedule(self.pipelines.begin(engine, scenario, service, promote), at=when)
        while engine.queue:
            if stop is not None and stop.is_set():
                break
            due, _, journey = heapq.heappop(engine.queue)
            engine.virtual = max(engine.virtual, min(due, latest))
            try:
                delay = await journey.__anext__()
            except StopAsyncIteration:
                continue
            engine.schedule(journey, delay)
        return self.deployments[first:]

    # -- live --------------------------------------------------------------------------

    def _spawner(self, engine: Engine) -> Journey:
        async def spawner() -> Journey:
            mode = engine.mode
            for scenario, service, promote in OPENING:
                engine.schedule(self.pipelines.begin(engine, scenario, service, promote))
                yield self.pipelines.delay(mode, "opening")
            names = [name for name, _ in LIVE_MIX]
            weights = [weight for _, weight in LIVE_MIX]
            while True:
                scenario = self.rng.choices(names, weights)[0]
                engine.schedule(self.pipelines.begin(engine, scenario, None))
                yield self.pipelines.delay(mode, "spawn")

        return spawner()

    async def run(
        self, store: Store, stop: asyncio.Event, *, max_steps: int | None = None
    ) -> int:
        """Live deployments until ``stop`` is set (or ``max_steps`` steps ran).

        Calling it again continues where it left off. Returns the steps run by this call.
        """
        if self._live is None:
            mode = Mode(LIVE_STEPS, self.speed, promote_chance=LIVE_PROMOTE_CHANCE, live=True)
            self._live = Engine(store, self.clock, mode)
            self._spawner_journey = self._spawner(self._live)
            self._live.schedule(self._spawner_journey)
        engine = self._live
        engine.store = store
        steps = 0
        failures = 0
        while not stop.is_set() and (max_steps is None or steps < max_steps):
            due, _, journey = engine.queue[0]
            wait = (due - self.clock()).total_seconds()
            if wait > 0:
                await self._pause(wait, stop)
                continue
            heapq.heappop(engine.queue)
            steps += 1
            self.steps_run += 1
            try:
                delay = await journey.__anext__()
            except StopAsyncIteration:
                failures = 0
                continue
            except Exception as exc:
                # One failed write drops that deployment; the stream goes on unless it
                # keeps failing (or there is nobody to tell).
                if self.on_error is None or journey is self._spawner_journey:
                    raise
                failures += 1
                log.debug("demo step failed", exc_info=True)
                self.on_error(exc)
                if failures >= MAX_CONSECUTIVE_ERRORS:
                    raise
                continue
            failures = 0
            engine.schedule(journey, delay)
        return steps

    async def _pause(self, seconds: float, stop: asyncio.Event) -> None:
        """``sleep(seconds)``, cut short when ``stop`` is set."""
        sleeper = asyncio.ensure_future(self.sleep(seconds))
        stopper = asyncio.ensure_future(stop.wait())
        try:
            await asyncio.wait((sleeper, stopper), return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (sleeper, stopper):
                if not task.done():
                    task.cancel()
        if sleeper.done() and not sleeper.cancelled():
            sleeper.result()  # a failing sleep is an error, not a wake-up
