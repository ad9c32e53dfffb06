"""The app's :class:`~gitops_tui.insights.engine.InsightsEngine`, kept in step with the
snapshots: a poll's changed rows update it, a reload or a missed poll rebuilds it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from gitops_tui.domain.model import Deployment, Snapshot
from gitops_tui.index.table import TableModel
from gitops_tui.insights.engine import InsightsEngine
from gitops_tui.domain.vocab import IN_PROGRESS, WAITING
from gitops_tui.insights.eta import Eta
from gitops_tui.insights.figures import short_duration
from gitops_tui.insights.settings import InsightSettings


class InsightsState:
    """The engine and the snapshot generation it reflects."""

    def __init__(self, settings: InsightSettings) -> None:
        self.engine = InsightsEngine(settings)
        self.generation: int | None = None
        self.stuck: dict[tuple[str, str], list[str]] = {}

    def sync(self, snapshot: Snapshot | None, index: TableModel, now: datetime) -> InsightsEngine:
        """Bring the engine up to ``snapshot`` (incrementally when it is the next poll)."""
        if snapshot is None or snapshot.generation == self.generation:
            return self.engine
        if self.generation is not None and snapshot.generation == self.generation + 1 and snapshot.changed_ids:
            changed, removed = [], []
            for key in snapshot.changed_ids:
                found = index.get(key)
                (changed.append(found) if found is not None else removed.append(key))
            self.engine.update(changed, removed, now=now, clusters=snapshot.clusters)
        else:
            self.engine.load(snapshot.deployments, now, snapshot.clusters)
        self.generation = snapshot.generation
        self.stuck = self.engine.stuck_ids(now)
        return self.engine

    def eta(self, d: Deployment, now: datetime) -> Eta | None:
        return self.engine.eta(d, now)

    def cells(self, index: TableModel) -> Callable[[Deployment, datetime], dict[str, str]]:
        """The table's extra cells: ``~4m 12:41Z`` in the ETA column of an in-flight row
        led by ``!`` for a stuck one (nothing before the engine loads)."""

        def extra(entry: Deployment, now: datetime) -> dict[str, str]:
            if self.generation is None or entry.status not in (IN_PROGRESS, WAITING):
                return {}
            d = index.get(entry.key)
            eta = self.engine.eta(d, now) if d is not None else None
            at = eta.at(now) if eta is not None else None
            text = "?" if eta is None or at is None else f"~{short_duration(eta.seconds)} {at.astimezone(UTC):%H:%M}Z"
            return {"eta": ("! stuck " if entry.key in self.stuck else "") + text}

        return extra
