"""Process-wide settings: applied by the entry point, never by importing a module."""

from __future__ import annotations

import os
import subprocess
import sys

# The live settings as `watch`/`demo` apply them, then Textual's frame rate.
LIVE = (
    "from gitops_tui.runtime import settings; settings.live(); "
    "import gitops_tui.tui.app, textual.constants as c, textual.screen as s, sys; "
    "print(c.MAX_FPS, s.UPDATE_PERIOD, sys.getswitchinterval())"
)
# Everything imported and a table loaded, filtered and sorted, with no entry point.
IMPORTS_ONLY = (
    "import gc, os, sys\n"
    "before = (gc.isenabled(), sys.getswitchinterval(), gc.get_freeze_count(), os.environ.get('TEXTUAL_FPS'))\n"
    "import gitops_tui.cli, gitops_tui.tui.app, gitops_tui.monitor, gitops_tui.demo\n"
    "from gitops_tui.index.journey import JourneyIndex\n"
    "from gitops_tui.index.table import TableModel\n"
    "index = JourneyIndex(compact=True)\n"
    "index.load([{'PartitionKey': 'p', 'RowKey': str(i), 'p1': str(i), 'env': 'dev'} for i in range(2000)])\n"
    "model = TableModel(); model.load(index.snapshot()); model.set_query('ring:dev'); model.set_sort('state', True)\n"
    "after = (gc.isenabled(), sys.getswitchinterval(), gc.get_freeze_count(), os.environ.get('TEXTUAL_FPS'))\n"
    "print(before == after, before, after)\n"
)


def run(code: str, **env: str) -> list[str]:
    full = {k: v for k, v in os.environ.items() if k != "TEXTUAL_FPS"}
    full.update(env)
    out = subprocess.run([sys.executable, "-c", code], env=full, capture_output=True, text=True, check=True)
    return out.stdout.split()


def test_the_live_app_draws_up_to_120_frames_a_second_by_default() -> None:
    rate, period, switch = run(LIVE)
    assert rate == "120" and abs(float(period) - 1 / 120) < 1e-9
    assert float(switch) == 0.0005


def test_the_users_textual_fps_wins() -> None:
    assert run(LIVE, TEXTUAL_FPS="30")[0] == "30"


def test_importing_and_using_the_core_changes_no_process_wide_setting() -> None:
    same, *_ = run(IMPORTS_ONLY)
    assert same == "True"


def test_the_one_shot_commands_run_without_the_cyclic_gc(tmp_path) -> None:
    # `check` with its work replaced by a probe of the GC, run through the entry point.
    code = (
        "import gc\n"
        "from gitops_tui.cli.main import main\n"
        "import gitops_tui.cli.commands.check as check\n"
        "seen = []\n"
        "object.__setattr__(check.COMMAND, 'run', lambda a, c: seen.append(gc.isenabled()) or 0)\n"
        f"main(['--config', {str(tmp_path / 'none.yaml')!r}, 'check'])\n"
        "print(seen)\n"
    )
    (tmp_path / "none.yaml").write_text(f"store: {{kind: sqlite, path: {tmp_path / 't.db'}}}\n")
    assert run(code) == ["[False]"]
