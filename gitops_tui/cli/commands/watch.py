"""``gitops-tui watch``: the live monitor on the configured store (the default command)."""

from __future__ import annotations

import argparse

from gitops_tui.cli.common import Command
from gitops_tui.config import Config


def _arguments(p: argparse.ArgumentParser) -> None:
    pass  # only --config, which every command takes


def run(args: argparse.Namespace, config: Config) -> int:
    # Textual is imported here, not at the top: the other commands run without it.
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


COMMAND = Command("watch", "open the live monitor on the configured store (the default command)", _arguments, run, live=True)
