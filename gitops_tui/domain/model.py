"""The domain's values: a stage, a deployment, a cluster sync, a snapshot. Plain and frozen.

A :class:`Deployment` is what every layer above the store sees: the CLI, the TUI, and
later enrichment and insights. It is built by :mod:`gitops_tui.domain.rules` (or, for
the monitor, by :mod:`gitops_tui.index`, proven to give equal values).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from gitops_tui.domain.vocab import TERMINAL


@dataclass(frozen=True, slots=True)
class Stage:
    """One stage of a journey as recorded."""

    name: str  # a vocab.STAGES name
    status: str  # a vocab.STATUSES word
    run_id: str | None
    url: str | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    source: str | None = None  # "record", a provider name, or None (nobody said)
    error: str | None = None  # why it is unknown, when a provider could not tell

    @property
    def duration_s(self) -> float | None:
        if self.started_at is None or self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


@dataclass(frozen=True, slots=True)
class Deployment:
    """One image on its way to one ring (or one manual HLD edit)."""

    id: str  # the RowKey of its row (of the most complete row, for retried stages)
    partition: str
    status: str  # a vocab.STATUSES word, for the whole journey
    stages: tuple[Stage, ...]  # the stages that ran, in journey order
    updated_at: datetime | None  # the row's last change, or its last stage event if later
    started_at: datetime | None = None  # the first stage's start (recorded rows only)
    finished_at: datetime | None = None  # the last stage's finish, once the journey ended
    pushed_at: datetime | None = None  # when the manifest commit was pushed, if recorded
    service: str | None = None
    ring: str | None = None
    author: str | None = None
    author_email: str | None = None
    commit: str | None = None
    image_tag: str | None = None
    pr: str | None = None
    pr_state: str | None = None  # a vocab.PR_STATES word
    pr_title: str | None = None
    merged_by: str | None = None
    hld_commit: str | None = None
    manifest_commit: str | None = None
    source_repo: str | None = None
    hld_repo: str | None = None
    manifest_repo: str | None = None
    manual_hld_edit: bool = False  # a row that starts at the manifest stage
    synced_clusters: tuple[str, ...] = ()  # clusters that run its manifest commit
    duplicates: tuple[str, ...] = ()  # RowKeys of retried-stage rows collapsed into it
    rollout: str | None = None  # a vocab.ROLLOUTS word, None without sync sources
    pending_clusters: tuple[str, ...] = ()  # expected clusters that do not run it yet

    @property
    def key(self) -> tuple[str, str]:
        """``(partition, id)``: unique in a snapshot."""
        return (self.partition, self.id)

    def stage(self, name: str) -> Stage | None:
        for stage in self.stages:
            if stage.name == name:
                return stage
        return None

    def elapsed_s(self, now: datetime) -> float | None:
        """Seconds from the first stage's start to the end, or to ``now`` while running."""
        if self.started_at is None:
            return None
        end = self.finished_at if self.status in TERMINAL else now
        if end is None:
            return None
        return max(0.0, (end - self.started_at).total_seconds())


@dataclass(frozen=True, slots=True)
class ClusterSync:
    """The manifest commit a cluster last applied, and when."""

    cluster: str
    partition: str
    manifest_commit: str  # lower-cased
    synced_at: datetime | None
    manifest_repo: str | None = None
    behind: int = 0  # newer manifest commits the cluster has not synced (when known)
    behind_since: datetime | None = None  # the oldest of them: behind since then
    # Read from git tags or an API by the sync component, whose ancestry facts say what
    # runs there: the push-order horizon of recorded syncs does not apply to it.
    derived: bool = False


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What the views draw: an immutable picture of the telemetry at one poll.

    ``deployments`` may be built lazily (the monitor's hold 100k compressed rows and
    build each value when it is read); read it as any sequence.
    """

    deployments: Sequence[Deployment]  # newest first
    clusters: tuple[ClusterSync, ...] = ()
    total_rows: int = 0
    loaded: bool = True  # False while a full load is still streaming pages in
    generation: int = 0  # bumps on every change; views diff by it
    changed_ids: frozenset[tuple[str, str]] = field(default_factory=frozenset)
