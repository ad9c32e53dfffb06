"""The app's :class:`~gitops_tui.insights.engine.InsightsEngine`, kept in step with the
snapshots: a poll's changed rows update it, a reload or a missed poll rebuilds it.

Above :data:`BACKGROUND_ABOVE` deployments a rebuild (seconds at 100k) runs as a
worker that gives way to the UI between chunks: meanwhile the views say "computing
insights…" (or keep the last figures), and the app is told when the figures are whole.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from typing import Any

from gitops_tui.domain.model import Deployment, Snapshot
from gitops_tui.index.table import TableModel
from gitops_tui.insights.engine import InsightsEngine
from gitops_tui.domain.vocab import IN_PROGRESS, WAITING
from gitops_tui.insights.eta import Eta
from gitops_tui.insights.figures import short_duration
from gitops_tui.insights.settings import InsightSettings


BACKGROUND_ABOVE = 20_000  # deployments past which a rebuild runs as a worker
STEP = 500  # deployments per chunk of a background rebuild (~20 ms built from the index)


async def _give_way() -> None:
    await asyncio.sleep(0)


class InsightsState:
    """The engine and the snapshot generation it reflects."""

    def __init__(self, settings: InsightSettings,
                 run: Callable[[Coroutine[Any, Any, None]], object] | None = None,
                 done: Callable[[], None] | None = None) -> None:
        self.engine = InsightsEngine(settings)
        self.generation: int | None = None
        self.stuck: dict[tuple[str, str], list[str]] = {}
        self.run = run  # starts a coroutine as a worker (None: every rebuild in place)
        self.done = done  # told when a background rebuild has finished
        self.computing: int | None = None  # the generation a background rebuild is for

    @property
    def ready(self) -> bool:
        """Whether any figures are loaded (else a first rebuild may still be running)."""
        return self.generation is not None

    def sync(self, snapshot: Snapshot | None, index: TableModel, now: datetime) -> InsightsEngine:
        """Bring the engine up to ``snapshot`` (incrementally when it is the next poll;
        a rebuild of a big history starts a worker and the last figures stay meanwhile)."""
        if snapshot is None or snapshot.generation == self.generation:
            return self.engine
        if self.generation is not None and snapshot.generation == self.generation + 1 and snapshot.changed_ids:
            changed, removed = [], []
            for key in snapshot.changed_ids:
                found = index.get(key)
                (changed.append(found) if found is not None else removed.append(key))
            self.engine.update(changed, removed, now=now, clusters=snapshot.clusters)
        elif self.run is not None and len(snapshot.deployments) > BACKGROUND_ABOVE:
            if self.computing is None:
                self.computing = snapshot.generation
                self.run(self._rebuild(snapshot, now))
            return self.engine
        else:
            self.engine.load(snapshot.deployments, now, snapshot.clusters)
        self.generation = snapshot.generation
        self.stuck = self.engine.stuck_ids(now)
        return self.engine

    async def _rebuild(self, snapshot: Snapshot, now: datetime) -> None:
        engine = InsightsEngine(self.engine.settings, self.engine.syncs)
        try:
            for _ in engine.load_steps(snapshot.deployments, now, snapshot.clusters, STEP, warm=True):
                await _give_way()
            self.stuck = engine.stuck_ids(now)
            self.engine, self.generation = engine, snapshot.generation
        finally:
            self.computing = None
        if self.done is not None:
            self.done()

    def eta(self, d: Deployment, now: datetime) -> Eta | None:
        return self.engine.eta(d, now)

    def cells(self, index: TableModel) -> Callable[[Deployment, datetime], dict[str, str]]:
        """The table's extra cells: ``~4m 12:41Z`` in the ETA column of an in-flight row
        led by ``!`` for a stuck one (nothing before the engine loads)."""

        def extra(entry: Deployment, now: datetime) -> dict[str, str]:
            if entry.status not in (IN_PROGRESS, WAITING):
                return {}
            if self.generation is None:
                return {"eta": "…"} if self.computing is not None else {}
            d = index.get(entry.key)
            eta = self.engine.eta(d, now) if d is not None else None
            at = eta.at(now) if eta is not None else None
            text = "?" if eta is None or at is None else f"~{short_duration(eta.seconds)} {at.astimezone(UTC):%H:%M}Z"
            return {"eta": ("! stuck " if entry.key in self.stuck else "") + text}

        return extra
