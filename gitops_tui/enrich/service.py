"""Enrichment for the monitor: after a load every row, after a poll the changed rows and
those with a stage still in flight, fetched in the background and handed back as facts.

Headless; the TUI reads :meth:`EnrichmentService.progress` for its status bar.
"""

from __future__ import annotations

import asyncio
import logging

from gitops_tui.domain.rows import Key, Row
from gitops_tui.enrich.cache import Cache
from gitops_tui.enrich.enricher import Enricher
from gitops_tui.monitor import Monitor, Update
from gitops_tui.provider_config import ProvidersConfig

log = logging.getLogger(__name__)


class EnrichmentService:
    def __init__(self, monitor: Monitor, settings: ProvidersConfig, cache: Cache | None = None) -> None:
        self.monitor = monitor
        self.enricher = Enricher(settings, cache if cache is not None else Cache())
        self._pending: set[Key] = set()
        self._in_flight: set[Key] = set()  # rows with a stage a provider called running
        self._all = self._loaded = self._adding = False
        self._task: asyncio.Task[None] | None = None
        self.passes = 0
        monitor.subscribe(self._on_update)

    async def idle(self) -> None:
        """Wait until the passes asked for so far are done (tests, benchmarks)."""
        while self._task is not None and not self._task.done():
            await asyncio.shield(self._task)

    def progress(self) -> str | None:
        """``enriching 120/900``, ``rate-limited until 14:05``, or None."""
        return self.enricher.progress()

    def _on_update(self, update: Update) -> None:
        if not update.snapshot.loaded or self._adding:
            return
        if not self._loaded:  # the first whole table: every row
            self._loaded = self._all = True
        self._pending |= update.snapshot.changed_ids
        self._pending |= self._in_flight
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        while self._all or self._pending:
            keys, self._pending = self._pending, set()
            rows = self._rows(None if self._all else keys)
            self._all = False
            self.passes += 1
            try:
                facts = await self.enricher.facts(rows)
            except Exception:  # an enrichment bug must not stop the monitor
                log.exception("enrichment pass failed")
                return
            self._in_flight = {k for k, f in facts.items() if "started" in (f.get("p1Status"), f.get("p2Status"), f.get("p3Status"))}
            fresh = {k: f for k, f in facts.items() if self._changes(k, f)}
            if fresh:
                self._adding = True  # (its publication is our own: no pass for it)
                try:
                    self.monitor.add_facts(fresh)
                finally:
                    self._adding = False
        if self.enricher.cache is not None:
            for warning in self.enricher.cache.warnings:
                log.warning("%s", warning)
            self.enricher.cache.warnings.clear()

    def _changes(self, key: Key, facts: Row) -> bool:
        known = self.monitor.facts_of(key)
        return any(known.get(k) != v for k, v in facts.items())

    def _rows(self, keys: set[Key] | None) -> list[Row]:
        """The rows as the store holds them: facts this service filled in are taken out,
        so a stage it saw running is asked again."""
        index = self.monitor.index
        chosen = [d.key for d in self.monitor.snapshot.deployments] if keys is None else keys
        out = []
        for key in chosen:
            row = index.row(key)
            if row is None:
                continue
            facts = self.monitor.facts_of(key)
            out.append({k: v for k, v in row.items() if k not in facts or facts[k] != v} if facts else row)
        return out

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await self.enricher.aclose()
