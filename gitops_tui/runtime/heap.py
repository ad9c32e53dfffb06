"""Giving freed heap memory back to the operating system after a bulk load.

A full load allocates and frees a page of documents at a time from several threads;
glibc keeps what is freed in its per-thread arenas, so the process stays ~40 MB larger
than what it holds (measured at 100k rows) until ``malloc_trim`` returns the free pages.
Elsewhere (musl, macOS) this is a no-op.
"""

from __future__ import annotations

import ctypes
import sys
from collections.abc import Callable
from functools import cache


@cache
def _trim() -> Callable[[int], int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        # By name: ctypes.util.find_library would run ldconfig in a subprocess.
        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc
        return None


def release_free_memory() -> bool:
    """Return the heap's free pages to the OS; True if the C library could."""
    trim = _trim()
    if trim is None:
        return False
    trim(0)
    return True
