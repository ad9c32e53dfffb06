"""Garbage collection while the monitor runs: paused while the user types, run when idle.

The monitor keeps 100k deployments alive, and the views hold lists of 10^4-10^5 of
them (a filter's result, the filters remembered for backspacing, each snapshot).
CPython's cyclic collector walks every young container, and everything in the oldest
generation on a full collection; a keystroke's frame allocates enough (Textual makes
thousands of small objects a frame) to trigger several collections, which measured
10-40 ms of a keystroke's 50 ms budget. Reference counting frees almost everything
here at once, so nothing needs cycles collected promptly: the collector is paused from
mount to exit, and a full collection runs once the user has left the keyboard alone
for a moment (or, during a very long burst of activity, when a lot was allocated).
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable


IDLE_S = 0.5  # no key or mouse input for this long: the user is reading, not typing
MIN_PENDING = 10_000  # container allocations since the last collection worth a collection
MAX_PENDING = 2_000_000  # collect even while busy beyond this (memory stays bounded)


class IdleCollector:
    """Owns the cyclic GC between :meth:`start` and :meth:`stop` (see the module)."""

    def __init__(
        self, clock: Callable[[], float] = time.monotonic, busy: Callable[[], bool] = lambda: False
    ) -> None:
        self.clock = clock
        self.busy = busy  # True while a bulk load runs: no collection then
        self.collections = 0
        self._last_input = clock()
        self._running = False
        self._was_enabled = True

    def start(self) -> None:
        if not self._running:
            self._was_enabled = gc.isenabled()
            gc.disable()
            self._running = True

    def stop(self) -> None:
        if self._running:
            if self._was_enabled:
                gc.enable()
            self._running = False

    def touch(self) -> None:
        """The user pressed a key or moved the mouse."""
        self._last_input = self.clock()

    def tick(self) -> bool:
        """Collect now if the user is idle and enough has been allocated; True if it did."""
        if not self._running or self.busy():
            return False
        pending = gc.get_count()[0]  # containers allocated, less freed, since the last one
        idle = self.clock() - self._last_input >= IDLE_S
        if pending < MIN_PENDING or (not idle and pending < MAX_PENDING):
            return False
        gc.collect()
        self.collections += 1
        return True
