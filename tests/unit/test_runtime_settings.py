"""The one-shot commands' process settings (``runtime.settings.batch``), in a process of
their own: they are process-wide."""

from __future__ import annotations

import subprocess
import sys

SCRIPT = """
import atexit, gc
# (atexit runs the newest first: this runs after anything batch() registers)
atexit.register(lambda: print("at exit: enabled", gc.isenabled(), "frozen", gc.get_freeze_count() > 0))
from gitops_tui.runtime import settings
settings.batch()
settings.batch()  # (as a test calling main twice in one process would)
print("after batch: enabled", gc.isenabled(), "frozen", gc.get_freeze_count() > 0)
"""


def test_batch_turns_the_collector_off_and_freezes_what_is_left_at_exit() -> None:
    result = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "after batch: enabled False frozen False",
        "at exit: enabled False frozen True",
    ]
