"""Every process-wide setting, in one place: applied once by the entry point, never on import.

Each setting is here because a benchmark missed a stated goal without it; the line says
what was measured (2-core VM, 100k deployments, ``benchmarks/``). Library code (stores,
index, monitor, views) sets nothing process-wide: a test or a script that imports it
gets Python as it is.
"""

from __future__ import annotations

import atexit
import gc
import os
import sys

# The monitor's full load joins pages in one worker thread while another compresses
# rows (zstd drops the GIL); at the default 5 ms interval the compressing thread waited
# more than it worked: 30 ms a page on the critical path, against 0.5 ms.
LIVE_SWITCH_INTERVAL_S = 0.0005
# Textual draws at most 60 frames a second and a frame waits for the tick after next:
# a filter keystroke's max was 30-56 ms at 60 fps, 20-35 ms at 120 (target 50 ms).
# Frames are drawn only when something changed, so an idle screen costs nothing more.
LIVE_FPS = "120"


def live() -> None:
    """For `watch` and `demo`, before Textual is imported. The cyclic GC is the app's
    own (:class:`gitops_tui.tui.idle_gc.IdleCollector`: paused while the app runs,
    collected when the user is idle)."""
    os.environ.setdefault("TEXTUAL_FPS", LIVE_FPS)  # (the user's TEXTUAL_FPS wins)
    sys.setswitchinterval(LIVE_SWITCH_INTERVAL_S)


def batch() -> None:
    """For the one-shot commands (`get`, `import`, `export`, `check`, `record`).

    A 100k-row merge allocates millions of objects and no cycles; the collections on
    the way walked everything already alive: a third of the load (0.3 s of 0.9 s).
    The process ends after one pass, and reference counting frees what it drops.

    At exit everything still alive is frozen: Python's finalisation otherwise walks it
    all in one last collection before freeing the modules (23 ms of a 320 ms
    ``get -o json`` on a 1,506-row Azure table, ``benchmarks/bench_get_azure.py``)."""
    gc.disable()
    atexit.unregister(gc.freeze)  # (once, however often a test calls main in-process)
    atexit.register(gc.freeze)
