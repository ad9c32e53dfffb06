"""Plain data shared by every layer: table columns, stages, deployments, cluster syncs.

A *row* is one table entity as a plain ``dict[str, str]``: ``PartitionKey``, ``RowKey``,
``Timestamp`` (ISO-8601 UTC) and string columns. Everything downstream of the store is
built from rows by :mod:`gitops_tui.index.journey`.
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

# A row's *projection*: the columns a deployment is built from, as one string, values
# joined by US (0x1f) behind a version tag. The SQLite store keeps it beside each JSON
# document, so a full load builds deployments without decoding 100k documents (the
# decode was half of the load). Change the version whenever the columns change: an
# older projection is then ignored and its document decoded instead.
PROJECTED_COLUMNS: tuple[str, ...] = (
    "p1", "p2", "p3", "p1Status", "p2Status", "p3Status", "prState", "originalTimestamp",
    "Timestamp", "p1StartedAt", "p2StartedAt", "p3StartedAt", "p1FinishedAt", "p2FinishedAt",
    "p3FinishedAt", "service", "env", "PartitionKey", "RowKey", "imageTag", "hldCommitId",
    "author", "commitId", "pr", "mergedBy", "manifestCommitId", "prTitle", "kind",
)
PROJECTION_VERSION = "v1"
# ASCII unit and record separators: between the fields of a projection (and of a hay),
# and between the documents and projections of a page or block. Valid JSON never
# contains a raw RS; a projection with either in a value is not made.
FIELD_SEP, RECORD_SEP = "\x1f", "\x1e"


def projection(row: Row) -> str:
    """``row``'s projection (see ``PROJECTED_COLUMNS``); "" when a value holds a
    separator, so that row is read from its document instead."""
    values = [PROJECTION_VERSION]
    for column in PROJECTED_COLUMNS:
        value = row.get(column)
        text = "" if value is None else value if isinstance(value, str) else str(value)
        if FIELD_SEP in text or RECORD_SEP in text:
            return ""
        values.append(text)
    return FIELD_SEP.join(values)


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


# A deployment's *hay*: the fields every row is searched, sorted or synced by, lower-
# cased and joined by US (\x1f) in this order, in one string (one string per row, not
# twenty: each Python str costs ~50 bytes before its text). Synced clusters come last
# because they are the one part that changes (see ``Deployment.with_clusters``).
HAY_FIELDS: tuple[str, ...] = (
    # First what a full load reads for every row (cluster sync), then the sort columns:
    # an early field is found without splitting the rest. No times: a free-text term
    # such as "t1" or "z" would match every row.
    "manifestCommitId", "p1", "imageTag", "pr", "mergedBy", "p3", "id", "partition",
    "service", "ring", "status", "author", "commitId", "prState", "hldCommitId", "prTitle",
    "manual", "p2", "clusters",
)
HAY_INDEX: dict[str, int] = {name: i for i, name in enumerate(HAY_FIELDS)}
HAY_SEP = FIELD_SEP


def _started_iso(row: Row) -> str | None:
    get = row.get
    if not (get("p1Status") or get("p2Status") or get("p3Status")):
        return None
    for column in ("p1StartedAt", "p1FinishedAt", "p2StartedAt", "p2FinishedAt", "p3StartedAt", "p3FinishedAt"):
        value = get(column)
        if value:
            return str(value)
    return None


class Deployment:
    """One image on its way to one ring (or one manual HLD edit): treat as immutable.

    Built only by :mod:`gitops_tui.index.journey`. It holds what views need for *every*
    deployment (status, service, ring, author, last update, synced clusters and the
    ``hay``, see ``HAY_FIELDS``); the whole source row is ``row``, a dict, kept either
    as it is or compressed in a :class:`gitops_tui.index.blocks.RowBlock` and decoded on
    demand (the monitor's way: 100k deployments in under 1 KB each).
    """

    __slots__ = (
        "key", "service", "ring", "status", "pr_state", "manual_hld_edit", "updated_iso",
        "pushed_iso", "now", "synced_clusters", "duplicates", "group", "author", "hay", "_src",
        "_i",
    )

    def __init__(
        self,
        src: Any,
        i: int,
        key: tuple[str, str],
        service: str | None,
        ring: str | None,
        status: str,
        pr_state: str | None,
        manual_hld_edit: bool,
        updated_iso: str,
        pushed_iso: str | None,
        now: datetime,
        author: str | None,
        hay: str,
        synced_clusters: tuple[str, ...] = (),
        duplicates: tuple[str, ...] = (),
        group: str | None = None,
    ) -> None:
        self._src = src  # the row (a dict), or the RowBlock that holds it at index ``_i``
        self._i = i
        self.key = key  # (partition, RowKey)
        self.service = service
        self.ring = ring
        self.status = status
        self.pr_state = pr_state
        self.manual_hld_edit = manual_hld_edit
        # Canonical ISO string (sorts as times do); parsed only when asked for.
        self.updated_iso = updated_iso
        # When the manifest was pushed (the manifest stage's finish), if recorded.
        self.pushed_iso = pushed_iso
        self.now = now  # the clock reading the journey was merged at
        self.author = author
        self.hay = hay
        self.synced_clusters = synced_clusters
        # RowKeys of retried-stage duplicates collapsed into this deployment.
        self.duplicates = duplicates
        # Rows with the same group are one deployment written twice (see journey).
        self.group = group

    @property
    def row(self) -> Row:
        """The source row (for a collapsed duplicate group: the merged row)."""
        src = self._src
        if isinstance(src, dict):
            return src
        return src.row(self._i)

    @property
    def id(self) -> str:
        return self.key[1]

    @property
    def partition(self) -> str:
        return self.key[0]

    def hot(self, field: str) -> str | None:
        """A ``HAY_FIELDS`` value, lower-cased, without decoding the row (None if blank)."""
        value = self.hay.split(HAY_SEP, HAY_INDEX[field] + 1)[HAY_INDEX[field]]
        return value or None

    @property
    def started_iso(self) -> str | None:
        """When the first stage started (read from the row: only a few views need it)."""
        return _started_iso(self.row)

    @property
    def finished_iso(self) -> str | None:
        """When the last stage finished, for a journey that has ended."""
        return self._finished_iso(self.row)

    def _finished_iso(self, row: Row) -> str | None:
        if self.status not in ("succeeded", "failed", "canceled"):
            return None
        get = row.get
        value = get("p3FinishedAt") or get("p2FinishedAt") or get("p1FinishedAt")
        return str(value) if value else None

    @property
    def started_at(self) -> datetime | None:
        return _parse_time(self.started_iso)

    @property
    def updated_at(self) -> datetime | None:
        return _parse_time(self.updated_iso)

    @property
    def finished_at(self) -> datetime | None:
        return _parse_time(self.finished_iso)

    def elapsed_s(self, now: datetime | None = None, row: Row | None = None) -> float | None:
        """Seconds from the first stage's start to the end, or to ``now`` while running.
        ``row``: this deployment's row, if the caller has it decoded already."""
        row = self.row if row is None else row
        started = _parse_time(_started_iso(row))
        if started is None:
            return None
        if self.status in ("succeeded", "failed", "canceled"):
            end = _parse_time(self._finished_iso(row))
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
        """The stages that ran, in journey order."""
        return stages_of(self.row)

    def stage(self, name: str) -> Stage | None:
        for stage in self.stages:
            if stage.name == name:
                return stage
        return None

    def with_clusters(self, names: tuple[str, ...]) -> Deployment:
        """A copy with another set of synced clusters."""
        head = self.hay.rsplit(HAY_SEP, 1)[0]
        return Deployment(
            self._src, self._i, self.key, self.service, self.ring, self.status, self.pr_state,
            self.manual_hld_edit, self.updated_iso, self.pushed_iso, self.now, self.author,
            head + HAY_SEP + " ".join(names).lower(), names, self.duplicates, self.group,
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
