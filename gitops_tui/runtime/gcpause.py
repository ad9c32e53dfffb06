"""Pausing Python's cyclic garbage collector over bulk, allocation-only work.

Building 100k rows or deployments allocates millions of objects and no cycles; each
automatic collection on the way walks everything already alive, which cost a third of a
full load here. Nothing in such a block can leak a cycle, so pausing is safe.

On the way out everything alive is frozen (``gc.freeze``): otherwise the millions of new
objects sit in the youngest generation and the first collection after the block walks
them all (0.2-0.3 s at 100k rows). Frozen objects are still freed by reference counting;
only cycles among them would never be collected, and bulk data has none.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

# Pauses nest and come from several threads (a load's worker threads, the app's idle
# collector): the collector is off while any is held, and back as it was after the last.
_lock = threading.Lock()
_pauses = 0
_was_enabled = True


def pause() -> None:
    """Turn the cyclic GC off until the matching :func:`resume`."""
    global _pauses, _was_enabled
    with _lock:
        if _pauses == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _pauses += 1


def resume() -> None:
    """End one :func:`pause`; the last one puts the GC back as it was before the first."""
    global _pauses
    with _lock:
        _pauses -= 1
        if _pauses == 0 and _was_enabled:
            gc.enable()


def held() -> int:
    """How many pauses are held now."""
    return _pauses


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic GC inside the block, freeze what it built, resume."""
    pause()
    try:
        yield
    finally:
        gc.freeze()
        resume()
