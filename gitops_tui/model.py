"""Plain data shared by every layer: table columns, stages, deployments, cluster syncs.

A *row* is one table entity as a plain ``dict[str, str]``: ``PartitionKey``, ``RowKey``,
``Timestamp`` (ISO-8601 UTC) and string columns. Everything downstream of the store is
built from rows by :mod:`gitops_tui.journey`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

# Absent columns may be missing or None; readers treat both alike.
Row = dict[str, Any]

# The Bedrock columns, read and written exactly as `bedrock deployment create` does.
BEDROCK_COLUMNS: tuple[str, ...] = (
    "p1",
    "imageTag",
    "commitId",
    "service",
    "sourceRepo",
    "p2",
    "hldCommitId",
    "env",
    "pr",
    "hldRepo",
    "p3",
    "manifestCommitId",
    "manifestRepo",
)

# Stage name -> the Bedrock id column that carries its run id.
STAGE_ID_COLUMN: dict[str, str] = {"image": "p1", "hld": "p2", "manifest": "p3"}
STAGE_NAMES: tuple[str, ...] = ("image", "hld", "manifest")

# What we add. Bedrock readers ignore unknown columns, so these make our rows complete
# without any provider API while staying readable by Spektate and `bedrock deployment get`.
STAGE_EXTRA_SUFFIXES: tuple[str, ...] = ("Status", "StartedAt", "FinishedAt", "Url")
EXTENSION_COLUMNS: tuple[str, ...] = tuple(
    f"{pid}{suffix}" for pid in ("p1", "p2", "p3") for suffix in STAGE_EXTRA_SUFFIXES
) + (
    "author",
    "authorEmail",
    "prState",
    "prTitle",
    "mergedBy",
    "kind",
    "cluster",
    "syncedAt",
    # The source table's Timestamp, kept on import because a store sets its own.
    "originalTimestamp",
)

KNOWN_COLUMNS: tuple[str, ...] = BEDROCK_COLUMNS + EXTENSION_COLUMNS
SYSTEM_COLUMNS: tuple[str, ...] = ("PartitionKey", "RowKey", "Timestamp")

# Recorded stage statuses (what `record --status` stores).
RECORDED_STATUSES: tuple[str, ...] = ("started", "succeeded", "failed", "canceled")
# Derived statuses of a stage and of a whole deployment.
STATUSES: tuple[str, ...] = (
    "succeeded",
    "in_progress",
    "waiting",
    "failed",
    "canceled",
    "unknown",
)
PR_STATES: tuple[str, ...] = ("open", "merged", "closed")
# How providers spell PR states (Azure DevOps: active/completed/abandoned; Bitbucket:
# declined) -> ours. The writer normalises with it, the reader too (other writers).
PR_STATE_ALIASES: dict[str, str] = {
    "open": "open", "opened": "open", "active": "open",
    "merged": "merged", "completed": "merged",
    "closed": "closed", "abandoned": "closed", "declined": "closed",
}

# Cluster-sync records live in the same table under their own partition so that Bedrock
# readers (which always filter on their partition) never see them: Spektate would even
# delete rows it cannot match to a build.
CLUSTER_SYNC_KIND = "clusterSync"
CLUSTER_PARTITION_SUFFIX = ".clusters"


def cluster_partition(partition: str) -> str:
    """The partition that holds cluster-sync records for a deployment partition."""
    return partition + CLUSTER_PARTITION_SUFFIX


@dataclass(slots=True)
class Stage:
    """One stage of a journey as recorded: treat as immutable."""

    name: str  # image | hld | manifest
    status: str  # succeeded | in_progress | failed | canceled | unknown
    run_id: str | None
    url: str | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None

    @property
    def duration_s(self) -> float | None:
        if self.started_at is None or self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=timezone.utc)


# Recorded stage status (a ``pNStatus`` column) -> the status of the stage.
RECORDED_TO_STATUS = {
    "started": "in_progress",
    "succeeded": "succeeded",
    "failed": "failed",
    "canceled": "canceled",
}


def stages_of(row: Row) -> tuple[Stage, ...]:
    """The stages a row records, in journey order; one with an id but no recorded
    result is ``unknown``."""
    stages = []
    for name in STAGE_NAMES:
        pid = STAGE_ID_COLUMN[name]
        run_id = row.get(pid) or None
        recorded = row.get(pid + "Status")
        if run_id is None and not recorded:
            continue
        stages.append(
            Stage(
                name=name,
                status=RECORDED_TO_STATUS.get(recorded, "unknown") if recorded else "unknown",
                run_id=str(run_id) if run_id is not None else None,
                url=row.get(pid + "Url") or None,
                started_at=_parse_time(row.get(pid + "StartedAt")),
                finished_at=_parse_time(row.get(pid + "FinishedAt")),
            )
        )
    return tuple(stages)


class Deployment:
    """One image on its way to one ring (or one manual HLD edit): treat as immutable.

    Built only by :mod:`gitops_tui.journey`. What every view needs at once (status,
    times, ring…) is computed when built; the rest is read from the source ``row`` on
    demand, because building 100k of these on a full load must stay well under 0.5 s.
    """

    __slots__ = (
        "row", "id", "partition", "service", "ring", "status", "pr_state", "manual_hld_edit",
        "started_iso", "updated_iso", "finished_iso", "now", "synced_clusters", "duplicates",
        "group", "_stages",
    )

    def __init__(
        self,
        row: Row,
        id: str,
        partition: str,
        service: str | None,
        ring: str | None,
        status: str,
        pr_state: str | None,
        manual_hld_edit: bool,
        started_iso: str | None,
        updated_iso: str | None,
        finished_iso: str | None,
        now: datetime,
        synced_clusters: tuple[str, ...] = (),
        duplicates: tuple[str, ...] = (),
        group: tuple[str | None, ...] | None = None,
        stages: tuple[Stage, ...] | None = None,
    ) -> None:
        self.row = row
        self.id = id
        self.partition = partition
        self.service = service
        self.ring = ring
        self.status = status
        self.pr_state = pr_state
        self.manual_hld_edit = manual_hld_edit
        # Canonical ISO strings (they sort as times do); parsed only when asked for.
        self.started_iso = started_iso
        self.updated_iso = updated_iso
        self.finished_iso = finished_iso
        self.now = now  # the clock reading the journey was merged at
        self.synced_clusters = synced_clusters
        # RowKeys of retried-stage duplicates collapsed into this deployment.
        self.duplicates = duplicates
        # Rows with the same group are one deployment written twice (see journey).
        self.group = group
        self._stages = stages

    @property
    def started_at(self) -> datetime | None:
        return _parse_time(self.started_iso)

    @property
    def updated_at(self) -> datetime | None:
        return _parse_time(self.updated_iso)

    @property
    def finished_at(self) -> datetime | None:
        """When the last stage finished, for a journey that has ended."""
        return _parse_time(self.finished_iso)

    def elapsed_s(self, now: datetime | None = None) -> float | None:
        """Seconds from the first stage's start to the end, or to ``now`` while running."""
        started = self.started_at
        if started is None:
            return None
        if self.status in ("succeeded", "failed", "canceled"):
            end = self.finished_at
        else:
            end = now or self.now
        if end is None:
            return None
        return max(0.0, (end - started).total_seconds())

    @property
    def duration_s(self) -> float | None:
        return self.elapsed_s()

    def __repr__(self) -> str:
        return (
            f"Deployment(id={self.id!r}, partition={self.partition!r}, service={self.service!r}, "
            f"ring={self.ring!r}, status={self.status!r})"
        )

    def _col(self, name: str) -> str | None:
        value = self.row.get(name)
        return str(value) if value else None

    author = property(lambda self: self._col("author"))
    author_email = property(lambda self: self._col("authorEmail"))
    commit = property(lambda self: self._col("commitId"))
    image_tag = property(lambda self: self._col("imageTag"))
    pr = property(lambda self: self._col("pr"))
    pr_title = property(lambda self: self._col("prTitle"))
    merged_by = property(lambda self: self._col("mergedBy"))
    hld_commit = property(lambda self: self._col("hldCommitId"))
    manifest_commit = property(lambda self: self._col("manifestCommitId"))
    source_repo = property(lambda self: self._col("sourceRepo"))
    hld_repo = property(lambda self: self._col("hldRepo"))
    manifest_repo = property(lambda self: self._col("manifestRepo"))

    @property
    def stages(self) -> tuple[Stage, ...]:
        """The stages that ran, in journey order (built on first use)."""
        if self._stages is None:
            self._stages = stages_of(self.row)
        return self._stages

    def stage(self, name: str) -> Stage | None:
        for stage in self.stages:
            if stage.name == name:
                return stage
        return None

    @property
    def key(self) -> tuple[str, str]:
        return (self.partition, self.id)

    def with_clusters(self, names: tuple[str, ...]) -> Deployment:
        """A copy with another set of synced clusters."""
        return Deployment(
            self.row, self.id, self.partition, self.service, self.ring, self.status,
            self.pr_state, self.manual_hld_edit, self.started_iso, self.updated_iso,
            self.finished_iso, self.now, names, self.duplicates, self.group, self._stages,
        )


@dataclass(frozen=True, slots=True)
class ClusterSync:
    """The manifest commit a cluster last applied, and when."""

    cluster: str
    partition: str
    manifest_commit: str
    synced_at: datetime | None
    manifest_repo: str | None = None


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What the views draw: an immutable picture of the telemetry at one poll."""

    deployments: tuple[Deployment, ...]  # newest first
    clusters: tuple[ClusterSync, ...] = ()
    total_rows: int = 0
    loaded: bool = True  # False while a full load is still streaming pages in
    generation: int = 0  # bumps on every change; views diff by it
    changed_ids: frozenset[tuple[str, str]] = field(default_factory=frozenset)
