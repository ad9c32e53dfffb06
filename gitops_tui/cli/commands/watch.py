"""``gitops-tui watch``: the live monitor on the configured store (the default command).

Before the terminal is taken the store is opened and read once (one page), within
``store.timeout``: a store that cannot be opened (a SQLite path whose directory does
not exist, an unreachable or refusing Azure endpoint) is one line on stderr and exit 1,
so a typo in a config fails at once instead of a screen that says ERROR. ``--wait``
skips that check: the monitor keeps retrying and its status bar says why. A SQLite file
missing in an existing directory is created (an empty store, with a hint).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from gitops_tui.cli.commands import summary
from gitops_tui.cli.common import CliError, Command
from gitops_tui.config import Config
from gitops_tui.domain.textsafe import clean
from gitops_tui.stores.base import StoreError


def _arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--wait", action="store_true",
                   help="start even if the store cannot be opened, and keep retrying "
                        "(default: exit 1 when it cannot be opened within store.timeout)")


def preflight(config: Config) -> None:
    """Open the store and read one page within ``store.timeout``; a CliError (exit 1)
    if that fails. Creates a missing SQLite file whose directory exists."""
    from gitops_tui.stores import make_store

    settings = config.store
    create = False
    if settings.kind == "sqlite":
        path = Path(settings.path).expanduser()
        if not path.parent.is_dir():
            raise CliError(f"store error: {settings.description}: directory {path.parent} does not exist "
                           "(create it, fix store.path, or pass --wait)", 1)
        if not path.exists():
            create = True
            print(f"gitops-tui: {clean(str(path))} did not exist: created an empty store "
                  "(write to it with `gitops-tui record` or `gitops-tui import`)", file=sys.stderr)
    store = make_store(settings)

    async def probe() -> None:
        try:
            await store.open(create=create)
            async for _ in store.scan(1, first_page=1):
                break
        finally:
            await store.close()

    try:
        asyncio.run(asyncio.wait_for(probe(), settings.timeout_s))
    except TimeoutError:
        raise CliError(f"store error: {settings.description}: no answer within {settings.timeout_s:g}s "
                       "(store.timeout; pass --wait to keep trying)", 1) from None
    except StoreError as exc:
        raise CliError(f"store error: {exc} (pass --wait to keep trying)", 1) from None


def run(args: argparse.Namespace, config: Config) -> int:
    # Textual is imported here, not at the top: the other commands run without it.
    from gitops_tui.tui.bindings import check_keymap

    check_keymap(config.keymap, str(config.source or "config"))  # (a config error first: exit 2)
    if not getattr(args, "wait", False):
        preflight(config)
    from gitops_tui.monitor import Monitor
    from gitops_tui.stores import make_store
    from gitops_tui.tui.app import run_app

    from gitops_tui.sync.settings import sync_settings
    from gitops_tui.sync.watcher import FluxTagSync, watch

    monitor = Monitor(make_store(config.store), interval_s=config.poll_interval)
    settings = sync_settings(config)
    if settings is not None:  # the clusters' own answer, refreshed after every poll
        from gitops_tui.providers.argocd import sync_sources

        watch(monitor, FluxTagSync(settings, sources=sync_sources(settings, config.providers)))
    run_app(config, monitor)
    return 0


COMMAND = Command("watch", summary("watch"), _arguments, run, live=True)
