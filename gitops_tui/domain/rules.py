"""Rows → deployments: the journey rules, read straight through (the reference).

The Bedrock join read back, with none of its guesswork (see ``docs`` in the README):

- one row is one deployment; a stage is present when its id column (p1/p2/p3) or our
  ``pNStatus`` column is set; a stage with an id but no recorded result is ``unknown``;
- a row with p3 but neither p1, p2 nor an image tag is a *manual HLD edit*: kept, flagged;
- rows that are the same deployment written twice by a retried stage (same image build,
  ring and HLD commit; or same manifest build of the same manual edit) collapse into one;
- a PR closed without merge ends the deployment as ``canceled`` instead of waiting forever;
- a deployment is live on a cluster when its manifest commit is the synced commit or was
  pushed before it on the same manifest stream (the manifest branch is linear, so that
  is "an ancestor of it"); the peers require an exact sha match.

:func:`build` is the whole of it. The monitor's fast path (:mod:`gitops_tui.index`)
gives equal deployments; the tests prove it on generated tables.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime

from gitops_tui.domain.model import ClusterSync, Deployment, Stage
from gitops_tui.domain.rows import CLUSTER_PARTITION_SUFFIX, Row, is_cluster_row, row_key, row_time
from gitops_tui.domain.timefmt import EPOCH, parse_iso, to_iso
from gitops_tui.domain.vocab import (
    CANCELED, FAILED, IN_PROGRESS, MANIFEST, PR_CLOSED, PR_STATE_ALIASES, RECORDED_TO_STATUS,
    ROLLOUT_SYNCED, ROLLOUTS, STAGE_ID_COLUMN, STAGES, SUCCEEDED, SUPERSEDED, TERMINAL, UNKNOWN,
    WAITING,
)

# The sync layer's facts on a deployment row (gitops_tui.sync): how far its manifest
# commit has reached the expected clusters, and which run it (comma-separated names).
ROLLOUT_COLUMN, SYNCED_COLUMN, PENDING_COLUMN = "rollout", "syncedClusters", "pendingClusters"
SUPERSEDED_ROLLOUT = "superseded"  # the fact for: a later deployment reached its clusters



def text(value: object) -> str | None:
    """A column's value as text, None when blank (rows built in code may hold numbers
    or datetimes; a datetime reads as canonical ISO)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return to_iso(value)
    return value if isinstance(value, str) else str(value)


def stages_of(row: Row) -> tuple[Stage, ...]:
    """The stages a row records, in journey order; one with an id but no recorded
    result is ``unknown``."""
    stages = []
    for name in STAGES:
        pid = STAGE_ID_COLUMN[name]
        run_id, recorded = text(row.get(pid)), text(row.get(pid + "Status"))
        if run_id is None and recorded is None:
            continue
        source = text(row.get(pid + "Source")) or ("record" if recorded else None)
        stages.append(Stage(
            name=name,
            status=RECORDED_TO_STATUS.get(recorded.lower(), UNKNOWN) if recorded else UNKNOWN,
            run_id=run_id,
            url=text(row.get(pid + "Url")),
            started_at=parse_iso(text(row.get(pid + "StartedAt"))),
            finished_at=parse_iso(text(row.get(pid + "FinishedAt"))),
            source=source,
            error=text(row.get(pid + "Error")),
        ))
    return tuple(stages)


def overall_status(statuses: Sequence[str], reached_manifest: bool, pr_state: str | None) -> str:
    """One word for the whole journey from its stages' statuses, in journey order."""
    if FAILED in statuses:
        return FAILED
    # A PR closed without merge ends a journey that has not reached the manifest stage;
    # past it (GitHub also calls merged PRs "closed") the stages speak for themselves.
    if CANCELED in statuses or (pr_state == PR_CLOSED and not reached_manifest):
        return CANCELED
    if IN_PROGRESS in statuses:
        return IN_PROGRESS
    if reached_manifest:
        return SUCCEEDED if statuses[-1] == SUCCEEDED else UNKNOWN
    if not statuses or UNKNOWN in statuses:
        return UNKNOWN
    return WAITING  # every stage so far succeeded; the next has not started


def live_status(status: str, rollout: str | None) -> str:
    """A pushed deployment's status once the clusters have spoken: ``succeeded`` only
    when every expected cluster runs it, ``superseded`` when a later one got there."""
    if status != SUCCEEDED or not rollout:
        return status
    if rollout == SUPERSEDED_ROLLOUT:
        return SUPERSEDED
    return SUCCEEDED if rollout == ROLLOUT_SYNCED else IN_PROGRESS if rollout in ROLLOUTS else status


def names_of(value: object) -> tuple[str, ...]:
    """Cluster names from a comma-separated fact column, sorted."""
    found = text(value)
    return tuple(sorted({n.strip() for n in found.split(",") if n.strip()})) if found else ()


def merge_clusters(a: tuple[str, ...], b: tuple[str, ...]) -> tuple[str, ...]:
    """Clusters from two sources (sync facts, cluster-sync rows), sorted, once each."""
    return b if not a else a if not b else tuple(sorted(set(a) | set(b)))


def _recorded(row: Row) -> bool:
    return any(text(row.get(f"p{n}Status")) for n in (1, 2, 3))


def _first_time(row: Row, columns: Iterable[str]) -> datetime | None:
    """The first of ``columns`` that holds a time (a value that is no time is skipped)."""
    for column in columns:
        value = parse_iso(text(row.get(column)))
        if value is not None:
            return value
    return None


def deployment_of(row: Row) -> Deployment:
    """One deployment from one row (no duplicate collapse, no cluster sync)."""
    col = lambda name: text(row.get(name))  # noqa: E731
    stages = stages_of(row)
    pr_state = PR_STATE_ALIASES.get((col("prState") or "").lower())
    pushed = overall_status([s.status for s in stages], bool(stages) and stages[-1].name == MANIFEST, pr_state)
    fact = col(ROLLOUT_COLUMN)
    status = live_status(pushed, fact)
    live = pushed == SUCCEEDED and fact in ROLLOUTS
    updated = parse_iso(col("originalTimestamp")) or parse_iso(col("Timestamp"))
    recorded = _recorded(row)
    if recorded:  # the latest event is the last stage's
        latest = _first_time(row, ("p3FinishedAt", "p3StartedAt", "p2FinishedAt", "p2StartedAt",
                                   "p1FinishedAt", "p1StartedAt"))
        if latest is not None and (updated is None or latest > updated):
            updated = latest
    started = _first_time(row, ("p1StartedAt", "p1FinishedAt", "p2StartedAt", "p2FinishedAt",
                                "p3StartedAt", "p3FinishedAt")) if recorded else None
    finished = (_first_time(row, ("p3FinishedAt", "p2FinishedAt", "p1FinishedAt"))
                if status in TERMINAL else None)
    service, env = col("service"), col("env")
    return Deployment(
        id=col("RowKey") or "",
        partition=col("PartitionKey") or "",
        status=status,
        stages=stages,
        updated_at=updated,
        started_at=started,
        finished_at=finished,
        pushed_at=parse_iso(col("p3FinishedAt")),
        service=service.rsplit("/", 1)[-1] or None if service else None,
        ring=env.lower() if env else None,
        author=col("author"),
        author_email=col("authorEmail"),
        commit=col("commitId"),
        image_tag=col("imageTag"),
        pr=col("pr"),
        pr_state=pr_state,
        pr_title=col("prTitle"),
        merged_by=col("mergedBy"),
        hld_commit=col("hldCommitId"),
        manifest_commit=col("manifestCommitId"),
        source_repo=col("sourceRepo"),
        hld_repo=col("hldRepo"),
        manifest_repo=col("manifestRepo"),
        manual_hld_edit=not col("p1") and not col("p2") and not col("imageTag") and bool(col("p3")),
        synced_clusters=names_of(row.get(SYNCED_COLUMN)),
        rollout=fact if live else None,
        pending_clusters=names_of(row.get(PENDING_COLUMN)) if live else (),
    )


def duplicate_group(row: Row) -> tuple[str, ...] | None:
    """Rows with equal groups are one deployment written more than once (retried
    stages): the same image build, ring and HLD commit; or the same manifest build of
    the same manual edit. (Bedrock lower-cases what it writes: values compare as is.)"""
    col = lambda name: text(row.get(name)) or ""  # noqa: E731
    partition = col("PartitionKey")
    if col("p1") or col("imageTag"):
        return ("image", partition, col("p1"), col("imageTag"), col("env"), col("hldCommitId"))
    if col("p3") and col("hldCommitId"):
        return ("manifest", partition, col("hldCommitId"), col("p3"))
    return None


def _completeness(row: Row) -> tuple[int, datetime, str]:
    """Sort key of duplicates: most complete, then newest, then RowKey (so the result
    does not depend on the order rows arrived in)."""
    filled = sum(1 for c in ("p1", "p2", "p3", "manifestCommitId", "p3Status") if row.get(c))
    return (filled, row_time(row) or EPOCH, str(row.get("RowKey", "")))


def collapse(rows: list[Row]) -> tuple[Row, tuple[str, ...]]:
    """Merge duplicate rows: the most complete (then newest) wins, gaps filled from the
    rest. Returns the merged row and the other rows' RowKeys."""
    ordered = sorted(rows, key=_completeness)
    merged: Row = {}
    for row in ordered:
        merged.update({k: v for k, v in row.items() if v is not None and v != ""})
    primary = ordered[-1]
    merged["RowKey"] = primary.get("RowKey", "")
    merged["Timestamp"] = primary.get("Timestamp")
    merged["originalTimestamp"] = primary.get("originalTimestamp")
    return merged, tuple(sorted(str(r.get("RowKey", "")) for r in ordered[:-1]))


def cluster_sync_of(row: Row) -> ClusterSync | None:
    """A cluster-sync record, or None if the row lacks a cluster or commit."""
    cluster = (text(row.get("cluster")) or "").strip() or (text(row.get("RowKey")) or "").strip()
    commit = (text(row.get("manifestCommitId")) or "").strip()
    if not cluster or not commit:
        return None
    partition = text(row.get("PartitionKey")) or ""
    if partition.endswith(CLUSTER_PARTITION_SUFFIX):
        partition = partition[: -len(CLUSTER_PARTITION_SUFFIX)]
    return ClusterSync(
        cluster=cluster,
        partition=partition,
        manifest_commit=commit.lower(),
        synced_at=parse_iso(text(row.get("syncedAt"))) or row_time(row),
        manifest_repo=(text(row.get("manifestRepo")) or "").strip() or None,
        behind=_count(row.get("behindCommits")),
        behind_since=parse_iso(text(row.get("behindSince"))),
        derived=text(row.get("source")) == DERIVED_SOURCE,
    )


DERIVED_SOURCE = "sync"  # the ``source`` of the cluster rows the sync component adds


def _count(value: object) -> int:
    try:
        return max(0, int(str(value))) if value not in (None, "") else 0
    except ValueError:
        return 0


def sync_order(s: ClusterSync) -> tuple[str, ...]:
    """How cluster syncs are listed: by partition, then cluster (then the rest, so two
    reports of one cluster under different keys come out in one order)."""
    return (s.partition, s.cluster, s.manifest_commit, to_iso(s.synced_at) if s.synced_at else "", s.manifest_repo or "")


def push_time(d: Deployment) -> datetime | None:
    """When a deployment's manifest commit reached the manifest branch (or, not
    recorded, its last update)."""
    return d.pushed_at or d.updated_at


def same_commit(a: str, b: str) -> bool:
    """Short and full shas of one commit match (their first seven characters)."""
    return a[:7].lower() == b[:7].lower()


def horizon(sync: ClusterSync, deployments: Iterable[Deployment]) -> datetime | None:
    """How far a cluster has got on its manifest branch: when the commit it applied was
    pushed (the earliest deployment carrying it), else when it synced."""
    pushed = [
        push_time(d) for d in deployments
        if d.partition == sync.partition and d.manifest_commit
        and same_commit(d.manifest_commit, sync.manifest_commit) and push_time(d) is not None
    ]
    return min(pushed) if pushed else sync.synced_at  # type: ignore[type-var]


def synced_clusters(
    d: Deployment, horizons: Iterable[tuple[ClusterSync, datetime | None]]
) -> tuple[str, ...]:
    """The clusters that run ``d``'s manifest commit or a later one, sorted: its own
    commit, or (with a push time) pushed no later than the cluster's horizon."""
    if not d.manifest_commit:
        return ()
    pushed = push_time(d)
    return tuple(sorted(
        sync.cluster for sync, reached in horizons
        if sync.partition == d.partition and not sync.derived
        and ((pushed is not None and reached is not None and pushed <= reached)
             or same_commit(sync.manifest_commit, d.manifest_commit))
    ))


def newest_first(deployments: Iterable[Deployment]) -> list[Deployment]:
    """By last update, newest first; ties by key, last first (a stable, total order)."""
    return sorted(deployments, key=lambda d: (d.updated_at or EPOCH, d.key), reverse=True)


def build(rows: Iterable[Row]) -> tuple[list[Deployment], list[ClusterSync]]:
    """Every deployment in a table (newest first, duplicates collapsed, clusters
    synced) and its cluster syncs (by partition, then cluster).

    A table holds one row per key; where ``rows`` repeat a key the last one counts.
    """
    latest: dict[tuple[str, str], Row] = {}
    for row in rows:
        latest[row_key(row)] = row
    syncs: list[ClusterSync] = []
    groups: dict[object, list[Row]] = {}
    for key, row in latest.items():
        if is_cluster_row(row):
            sync = cluster_sync_of(row)
            if sync is not None:
                syncs.append(sync)
            continue
        group = duplicate_group(row)
        groups.setdefault(key if group is None else group, []).append(row)
    deployments = []
    for members in groups.values():
        if len(members) == 1:
            deployments.append(deployment_of(members[0]))
        else:
            merged, others = collapse(members)
            deployments.append(_with(deployment_of(merged), duplicates=others))
    horizons = [(sync, horizon(sync, deployments)) for sync in syncs]
    if horizons:
        deployments = [
            _with(d, synced_clusters=merge_clusters(d.synced_clusters, synced_clusters(d, horizons)))
            for d in deployments
        ]
    syncs.sort(key=sync_order)
    return newest_first(deployments), syncs


def _with(d: Deployment, **changes: object) -> Deployment:
    return replace(d, **changes)  # type: ignore[arg-type]
