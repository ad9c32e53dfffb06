"""The app's :class:`~gitops_tui.insights.engine.InsightsEngine`, kept in step with the
snapshots: a poll's changed rows update it, a reload or a missed poll rebuilds it."""

from __future__ import annotations

from datetime import datetime

from gitops_tui.domain.model import Deployment, Snapshot
from gitops_tui.index.table import TableModel
from gitops_tui.insights.engine import InsightsEngine
from gitops_tui.insights.eta import Eta
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
            self.engine.update(changed, removed, now=now)
        else:
            self.engine.load(snapshot.deployments, now)
        self.generation = snapshot.generation
        self.stuck = self.engine.stuck_ids(now)
        return self.engine

    def eta(self, d: Deployment, now: datetime) -> Eta | None:
        return self.engine.eta(d, now)
