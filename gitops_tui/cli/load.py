"""The deployments of a one-shot command (``get``): the store read once, into an index.

With nothing to overlay (no providers to ask, no cluster sync configured) the pages go
from the store into a compact index as the monitor loads them (projections, no decode
where the store has them) and are dropped: memory is the index's, not the table's.
Otherwise the rows are kept, since enrichment and the sync overlay work on rows.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from gitops_tui.cli.common import bad_rows, open_store
from gitops_tui.config import Config
from gitops_tui.domain.textsafe import clean
from gitops_tui.stores.base import ProjectedScan, Store, load_all

if TYPE_CHECKING:  # (imported while the first page is on its way: see _compact)
    from gitops_tui.domain.model import Snapshot

PAGE_ROWS = 5000
# A table this small is kept as its documents, never compressed: training the codec's
# dictionary and sealing cost more than the whole scan of a small Azure table.
OPEN_ROWS = 5_000


def load_snapshot(config: Config, enrich: bool = True,
                  meanwhile: Callable[[], object] = lambda: None) -> tuple[Snapshot, int]:
    """Every deployment in scope, newest first, and how many rows were not entities.

    ``meanwhile`` is called while the first page is on its way (the caller's imports)."""
    sync = None
    if config.sync is not None:  # (else the settings module is not even imported)
        from gitops_tui.sync.settings import sync_settings

        sync = sync_settings(config)
    if sync is None and not (enrich and config.providers.providers):
        return asyncio.run(_compact(config, meanwhile))
    meanwhile()
    from gitops_tui.index.journey import JourneyIndex

    rows, bad = asyncio.run(_rows(config))
    if enrich:
        rows = _enriched(rows, config)
    index = JourneyIndex()
    index.load(rows)
    snapshot = index.snapshot()
    if sync is not None:
        from gitops_tui.providers.argocd import sync_sources
        from gitops_tui.sync.watcher import with_sync

        sources = sync_sources(sync, config.providers)
        synced_rows, sync_error = with_sync(rows, snapshot.deployments, sync, sources=sources)
        if synced_rows is not rows:  # the clusters' own answer: rebuilt with it
            index = JourneyIndex()
            index.load(synced_rows)
            snapshot = index.snapshot()
        if sync_error:
            print(f"gitops-tui: cluster sync: {clean(sync_error, 300)} (shown as stored)", file=sys.stderr)
    return snapshot, bad


async def _compact(config: Config, meanwhile: Callable[[], object]) -> tuple[Snapshot, int]:
    store = await open_store(config)
    pages = aiter(_scan(store))
    first = asyncio.ensure_future(anext(pages, None))
    try:
        # One turn of the loop and the first page's request is out (a store's scan
        # submits it before its first await); the code the rows need loads meanwhile
        # (~10 ms of a 300 ms get on a small Azure table).
        await asyncio.sleep(0)
        from gitops_tui.index.blocks import RowBlock, seal_all
        from gitops_tui.index.journey import JourneyIndex

        meanwhile()
        index = JourneyIndex(compact=True)
        held: list[RowBlock] = []  # open blocks, until there are enough to seal
        page = await first
        while page is not None:
            index.add_page(page)
            held += index.take_open_blocks()
            if sum(map(len, held)) > OPEN_ROWS:
                seal_all(held)
                held = []
            page = await anext(pages, None)
        index.finish_load()
        return index.snapshot(), len(bad_rows(store))
    finally:
        first.cancel()  # (nothing once awaited)
        await store.close()


def _scan(store: Store) -> Any:
    scan = store.scan_projected if isinstance(store, ProjectedScan) else store.scan
    return scan(PAGE_ROWS)


async def _rows(config: Config) -> tuple[list[dict[str, Any]], int]:
    store = await open_store(config)
    try:
        rows, _ = await load_all(store)
        return rows, len(bad_rows(store))
    finally:
        await store.close()


def _enriched(rows: list[dict[str, Any]], config: Config) -> list[dict[str, Any]]:
    """Rows with what the configured providers know filled in (their warnings on stderr)."""
    from gitops_tui.cli.main import report
    from gitops_tui.enrich.oneshot import enrich_rows, progress_stream

    if not config.providers.providers:
        return rows
    rows, warnings, _ = asyncio.run(enrich_rows(rows, config.providers, progress=progress_stream()))
    for warning in warnings:
        report("warning: " + warning, 0)
    return rows
