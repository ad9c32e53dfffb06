"""The demo in a background thread with its own event loop and store connection."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from datetime import datetime

from gitops_tui.config import StoreConfig
from gitops_tui.demo.scenario import PARTITION
from gitops_tui.demo.simulator import Simulator
from gitops_tui.domain.timefmt import utcnow
from gitops_tui.stores import make_store
from gitops_tui.stores.base import Store

log = logging.getLogger(__name__)


class DemoHandle:
    """A simulator running in its own thread; ``stop()`` ends it and closes its store.

    ``ready`` is set once the history is written (or the thread failed: check
    ``error``). ``error`` is the last exception the simulator raised, ``errors`` how many
    there were; a failed live step is recorded there and the simulation carries on.
    """

    def __init__(self, store_config: StoreConfig, simulator: Simulator, backfill: bool) -> None:
        self.store_config = store_config
        self.simulator = simulator
        self.ready = threading.Event()
        self.error: BaseException | None = None
        self.errors = 0
        self.store: Store | None = None  # the thread's own connection, closed on stop
        self._backfill = backfill
        self._lock = threading.Lock()
        self._stop_requested = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop_event: asyncio.Event | None = None
        simulator.on_error = self._note_error
        self.thread = threading.Thread(target=self._main, name="gitops-tui-demo", daemon=True)

    @property
    def alive(self) -> bool:
        return self.thread.is_alive()

    def _note_error(self, exc: BaseException) -> None:
        self.error = exc
        self.errors += 1

    def stop(self, timeout: float = 5.0) -> bool:
        """Stop the simulator and wait for its thread; True when it has ended."""
        with self._lock:
            self._stop_requested = True
            loop, event = self._loop, self._stop_event
        if loop is not None and event is not None:
            try:
                loop.call_soon_threadsafe(event.set)
            except RuntimeError:  # the loop has already closed
                pass
        if self.thread.is_alive() and threading.current_thread() is not self.thread:
            self.thread.join(timeout)
        return not self.thread.is_alive()

    def _main(self) -> None:
        try:
            asyncio.run(self._amain())
        except BaseException as exc:  # noqa: BLE001 - kept for the caller, never lost
            log.debug("demo simulator stopped by an error", exc_info=True)
            self._note_error(exc)
        finally:
            self.ready.set()

    async def _amain(self) -> None:
        stop = asyncio.Event()
        with self._lock:
            self._loop = asyncio.get_running_loop()
            self._stop_event = stop
            if self._stop_requested:
                stop.set()
        store = self.store = make_store(self.store_config)
        try:
            await store.open(create=True)
            if self._backfill:
                await self.simulator.backfill(store, stop=stop)
            self.ready.set()
            await self.simulator.run(store, stop)
        finally:
            await store.close()


def start_in_thread(
    store_config: StoreConfig,
    *,
    seed: int | None = None,
    speed: float = 1.0,
    backfill: bool = True,
    clock: Callable[[], datetime] = utcnow,
) -> DemoHandle:
    """Start the simulator on its own store connection in a daemon thread."""
    simulator = Simulator(
        partition=store_config.partition or PARTITION, seed=seed, speed=speed, clock=clock
    )
    handle = DemoHandle(store_config, simulator, backfill)
    handle.thread.start()
    return handle
