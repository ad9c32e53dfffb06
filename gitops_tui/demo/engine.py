"""The discrete-event queue the demo's journeys run on, virtual (history) or live."""

from __future__ import annotations

import heapq
import itertools
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from gitops_tui.stores.base import Store


@dataclass(frozen=True)
class Mode:
    """How one run paces its journeys: history or live."""

    steps: dict[str, tuple[float, float]]
    speed: float
    promote_chance: float
    live: bool


Journey = AsyncIterator[float]  # yields the seconds until its next step


class Engine:
    """A discrete-event queue of journeys; ``now`` is virtual (history) or the clock."""

    def __init__(self, store: Store, clock: Callable[[], datetime] | None, mode: Mode) -> None:
        self.store = store
        self.mode = mode
        self._clock = clock
        self.virtual: datetime | None = None
        self.queue: list[tuple[datetime, int, Journey]] = []
        self._order = itertools.count()

    def now(self) -> datetime:
        if self._clock is not None:
            return self._clock()
        assert self.virtual is not None
        return self.virtual

    def schedule(self, journey: Journey, delay: float = 0.0, at: datetime | None = None) -> None:
        """Queue ``journey``'s next step ``delay`` seconds from now (or ``at``)."""
        due = at if at is not None else self.now() + timedelta(seconds=delay)
        heapq.heappush(self.queue, (due, next(self._order), journey))
