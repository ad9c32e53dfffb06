"""One worker thread for a store's blocking calls.

A store's calls are serialised on its connection anyway. On the event loop's default
pool each landed on whichever thread was free, and every thread has a glibc arena of
its own: SQLite's page cache and the rows read were spread over several, each keeping
its share of freed memory (issue 12's soak: RSS grew ~2 MB more in the first minutes
than with ``MALLOC_ARENA_MAX=2``). One thread keeps them in one arena.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any


class OneThread:
    """Runs calls in one thread, started on first use and ended by :meth:`stop`."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._pool: ThreadPoolExecutor | None = None

    def run(self, fn: Any, *args: Any) -> asyncio.Future[Any]:
        """``fn(*args)`` in the thread (in call order), awaitable from the running loop."""
        if self._pool is None:
            self._pool = ThreadPoolExecutor(1, thread_name_prefix=self.name)
        return asyncio.get_running_loop().run_in_executor(self._pool, partial(fn, *args))

    def stop(self) -> None:
        """End the thread once the calls queued are done (a later call starts another)."""
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False)
