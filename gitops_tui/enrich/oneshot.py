"""Enrich a loaded table once (``get``): rows in, rows with their blanks filled out."""

from __future__ import annotations

import asyncio
import sys
from typing import TextIO

from gitops_tui.domain.rows import Row, row_key
from gitops_tui.enrich.cache import Cache
from gitops_tui.enrich.enricher import Enricher
from gitops_tui.monitor import overlay
from gitops_tui.provider_config import ProvidersConfig

PROGRESS_EVERY_S = 0.2


async def enrich_rows(
    rows: list[Row], settings: ProvidersConfig, cache: Cache | None = None, progress: TextIO | None = None,
) -> tuple[list[Row], list[str], int]:
    """``rows`` with provider facts filling their blanks (the row's own values win), the
    warnings to show, and how many requests it took."""
    if not settings.providers:
        return rows, [], 0
    cache = cache if cache is not None else Cache()
    enricher = Enricher(settings, cache)
    ticker = asyncio.create_task(_tick(enricher, progress)) if progress is not None else None
    try:
        facts = await enricher.facts(rows)
    finally:
        if ticker is not None:
            ticker.cancel()
            progress.write("\r\x1b[K")  # type: ignore[union-attr]
            progress.flush()  # type: ignore[union-attr]
        await enricher.aclose()
    out = [overlay(row, facts[k]) if (k := row_key(row)) in facts else row for row in rows]
    return out, cache.warnings, enricher.stats.requests


async def _tick(enricher: Enricher, stream: TextIO) -> None:
    while True:
        await asyncio.sleep(PROGRESS_EVERY_S)
        if text := enricher.progress():
            stream.write("\r" + text + "\x1b[K")
            stream.flush()


def progress_stream() -> TextIO | None:
    """stderr when it is a terminal (a progress line there helps; in a pipe it is noise)."""
    return sys.stderr if sys.stderr.isatty() else None
