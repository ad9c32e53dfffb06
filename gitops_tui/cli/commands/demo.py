"""``gitops-tui demo``: the monitor on a fresh embedded store filled live by a simulator."""

from __future__ import annotations

import argparse
import dataclasses
import tempfile
from pathlib import Path

from gitops_tui.cli.commands import summary
from gitops_tui.cli.common import CliError, Command
from gitops_tui.config import Config, StoreConfig


def _arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", metavar="PATH", help="keep the demo store in this file (default: a temp dir)")
    p.add_argument("--seed", type=int, default=None, help="simulator random seed")
    p.add_argument("--speed", type=float, default=1.0, help="simulation speed factor (default 1)")


def run(args: argparse.Namespace, config: Config) -> int:
    # Textual is imported here, not at the top: the other commands run without it.
    from gitops_tui.demo import start_in_thread
    from gitops_tui.monitor import Monitor
    from gitops_tui.stores.sqlite import SqliteStore
    from gitops_tui.tui.app import run_app

    with tempfile.TemporaryDirectory(prefix="gitops-tui-demo-") as tmp:
        path = Path(args.db) if args.db else Path(tmp) / "demo.db"
        store_config = StoreConfig(kind="sqlite", path=path, partition="trivia")
        demo_config = dataclasses.replace(config, store=store_config, poll_interval=1.0)
        handle = start_in_thread(store_config, seed=args.seed, speed=args.speed)
        try:
            handle.ready.wait(timeout=30)
            if handle.error is not None:
                raise CliError(f"demo simulator failed: {handle.error}")
            monitor = Monitor(SqliteStore(store_config), interval_s=demo_config.poll_interval)
            run_app(demo_config, monitor)
        finally:
            handle.stop()
    return 0


COMMAND = Command("demo", summary("demo"), _arguments, run, live=True)
