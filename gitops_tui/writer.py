"""The writer behind ``gitops-tui record``: Bedrock's write-time join, without its faults.

Rows keep the Bedrock columns and meanings (``bedrock deployment get`` and Spektate read
them); what we add goes in extra columns (see :mod:`gitops_tui.domain.model`). Differences from
``bedrock deployment create``:

- re-running a stage with the same ids updates its row instead of inserting a duplicate;
  rows we insert get a RowKey derived from their identity, so two pipelines inserting
  the same deployment at once collide on the key instead of making two rows;
- every update is a conditional replace on the ETag read (``If-Match``), retried on
  conflict, so racing pipelines lose no field;
- stage status, times, run URL, author and PR state/merged-by are stored, so a row is
  complete without any provider API.
"""

from __future__ import annotations

import asyncio
import hashlib
import random
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from datetime import datetime

from gitops_tui.domain.rows import CLUSTER_SYNC_KIND, Row, cluster_partition
from gitops_tui.domain.vocab import PR_STATE_ALIASES, RECORDED_STATUSES
from gitops_tui.stores.base import ConflictError, Store, StoreError, Versioned
from gitops_tui.domain.timefmt import parse_iso, to_iso, utcnow

STAGES = ("image", "hld", "manifest", "manifest-push", "cluster-sync")
_STAGE_ID = {"image": "p1", "hld": "p2", "manifest": "p3", "manifest-push": "p3"}
MAX_ATTEMPTS = 25

# CI systems spell results their own way; pipelines can pass theirs straight through.
_STATUS_ALIASES = {
    "started": "started", "start": "started", "running": "started", "inprogress": "started",
    "in_progress": "started", "pending": "started", "queued": "started",
    "succeeded": "succeeded", "success": "succeeded", "successful": "succeeded",
    "passed": "succeeded", "ok": "succeeded", "succeededwithissues": "succeeded",
    "failed": "failed", "failure": "failed", "error": "failed", "errored": "failed",
    "canceled": "canceled", "cancelled": "canceled", "skipped": "canceled",
    "abandoned": "canceled", "stopped": "canceled",
}


class RecordError(Exception):
    """The flags do not describe a stage we can record (message is for the user)."""


class NothingToUpdate(RecordError):
    """The stage refers to a deployment the table does not have (a data problem)."""


class _Reroute(Exception):
    """The row changed under us so that it no longer fits: redo the lookup."""


def normalize_status(value: str | None) -> str | None:
    """``success``/``Succeeded``/``cancelled``… → started | succeeded | failed | canceled."""
    if value is None or value == "":
        return None
    found = _STATUS_ALIASES.get(value.strip().lower().replace("-", "").replace(" ", ""))
    if found is None:
        raise RecordError(
            f"unknown status {value!r} (use one of {', '.join(RECORDED_STATUSES)})"
        )
    return found


def normalize_pr_state(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    found = PR_STATE_ALIASES.get(value.strip().lower())
    if found is None:
        raise RecordError(f"unknown PR state {value!r} (use open, merged or closed)")
    return found


@dataclass(frozen=True)
class StageRecord:
    """What one pipeline step reports (the ``record`` flags)."""

    partition: str
    stage: str | None = None  # inferred from the ids when None, as bedrock does
    p1: str | None = None
    image_tag: str | None = None
    commit_id: str | None = None
    service: str | None = None
    p2: str | None = None
    hld_commit_id: str | None = None
    env: str | None = None
    pr: str | None = None
    p3: str | None = None
    manifest_commit_id: str | None = None
    repository: str | None = None  # the repo of this stage: source, HLD or manifest
    cluster: str | None = None
    status: str | None = None
    started_at: str | None = None
    finished_at: str | None = None
    url: str | None = None
    author: str | None = None
    author_email: str | None = None
    pr_state: str | None = None
    pr_title: str | None = None
    merged_by: str | None = None
    synced_at: str | None = None


def infer_stage(rec: StageRecord) -> str:
    """The stage the flags describe, by bedrock's precedence (p1, p2, p3+HLD, p3+manifest)."""
    if rec.stage:
        if rec.stage not in STAGES:
            raise RecordError(f"unknown stage {rec.stage!r} (use one of {', '.join(STAGES)})")
        return rec.stage
    if rec.p1:
        return "image"
    if rec.p2:
        return "hld"
    if rec.p3 and rec.hld_commit_id:
        return "manifest"
    if rec.p3 and rec.manifest_commit_id:
        return "manifest-push"
    if rec.cluster:
        return "cluster-sync"
    raise RecordError(
        "no stage could be inferred: give --p1 (image build), --p2 (metadata update), "
        "--p3 with --hld-commit-id (manifest generation), --p3 with --manifest-commit-id "
        "(manifest pushed), or --cluster (cluster sync)"
    )


_REQUIRED = {
    "image": (("p1", "--p1"), ("image_tag", "--image-tag"), ("commit_id", "--commit-id"),
              ("service", "--service")),
    "hld": (("p2", "--p2"), ("image_tag", "--image-tag"), ("env", "--env")),
    "manifest": (("p3", "--p3"), ("hld_commit_id", "--hld-commit-id")),
    "manifest-push": (("p3", "--p3"), ("manifest_commit_id", "--manifest-commit-id")),
    "cluster-sync": (("cluster", "--cluster"), ("manifest_commit_id", "--manifest-commit-id")),
}


def validate(rec: StageRecord) -> tuple[str, StageRecord]:
    """Check the flags for the stage; returns the stage and the record, normalised."""
    rec = StageRecord(**{f.name: _clean(getattr(rec, f.name)) for f in fields(rec)})
    stage = infer_stage(rec)
    missing = [flag for name, flag in _REQUIRED[stage] if not getattr(rec, name)]
    status = normalize_status(rec.status)
    if stage == "hld" and not rec.hld_commit_id and status not in (None, "started", "failed", "canceled"):
        missing.append("--hld-commit-id")
    if missing:
        raise RecordError(f"the {stage} stage needs {', '.join(missing)}")
    if not rec.partition:
        raise RecordError("no partition: set store.partition in the config or pass --partition-key")
    for name in ("started_at", "finished_at", "synced_at"):
        value = getattr(rec, name)
        if value and parse_iso(value) is None:
            raise RecordError(f"--{name.replace('_', '-')} {value!r} is not an ISO-8601 time")
    return stage, replace(rec, status=status, pr_state=normalize_pr_state(rec.pr_state))


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def row_key(*identity: str | None) -> str:
    """A Bedrock-shaped RowKey (12 lowercase hex) derived from a deployment's identity."""
    text = "\x1f".join(part or "" for part in identity)
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]


async def _find_tag(store: Store, partition: str, tag: str) -> list[Versioned]:
    """Rows of an image tag: as given (bedrock stores stage 1's tag as is), else the
    lower-cased tag (bedrock's stage-2 copies lower-case it)."""
    found = await store.find(partition, "imageTag", tag)
    if not found and tag.lower() != tag:
        found = await store.find(partition, "imageTag", tag.lower())
    return found


def _lower(value: str | None) -> str | None:
    # Bedrock lower-cases ids and names it writes; matching must agree with it.
    return value.lower() if value else value


# -- the column changes one record makes --------------------------------------------


def _stage_columns(pid: str, rec: StageRecord, old: Row, now: datetime) -> Row:
    """Status, times and URL of one stage, moving from what the row had."""
    out: Row = {}
    if rec.url:
        out[pid + "Url"] = rec.url
    if rec.status is None:
        return out
    out[pid + "Status"] = rec.status
    start = rec.started_at and to_iso(parse_iso(rec.started_at))  # type: ignore[arg-type]
    finish = rec.finished_at and to_iso(parse_iso(rec.finished_at))  # type: ignore[arg-type]
    if rec.status == "started":
        out[pid + "StartedAt"] = start or to_iso(now)
        out[pid + "FinishedAt"] = None  # a new attempt: the old finish no longer holds
    else:
        out[pid + "StartedAt"] = start or old.get(pid + "StartedAt") or finish or to_iso(now)
        out[pid + "FinishedAt"] = finish or to_iso(now)
    return out


def _common_columns(rec: StageRecord) -> Row:
    out: Row = {}
    for column, value in (
        ("author", rec.author),
        ("authorEmail", rec.author_email),
        ("prState", rec.pr_state),
        ("prTitle", rec.pr_title),
        ("mergedBy", rec.merged_by),
    ):
        if value:
            out[column] = value
    return out


def _apply(old: Row, changes: Row) -> Row:
    row = {k: v for k, v in old.items() if v is not None and v != ""}
    for key, value in changes.items():
        if value is None:
            row.pop(key, None)
        else:
            row[key] = value
    # Our write makes the store's Timestamp meaningful again.
    row.pop("originalTimestamp", None)
    row.pop("Timestamp", None)
    return row


# -- writing with optimistic concurrency ----------------------------------------------


async def _update(
    store: Store,
    current: Versioned,
    change: Callable[[Row], Row],
    fits: Callable[[Row], bool] | None = None,
) -> Row:
    """Replace ``current`` with ``change(current.row)``, re-reading and retrying on
    conflict; if the re-read row no longer ``fits`` (another pipeline took it), the
    whole lookup is redone instead (:class:`_Reroute`)."""
    for attempt in range(MAX_ATTEMPTS):
        new_row = _apply(current.row, change(current.row))
        try:
            await store.replace(new_row, current.etag)
            return new_row
        except ConflictError:
            await _pause(attempt)
            fresh = await store.get(current.row["PartitionKey"], current.row["RowKey"])
            if fresh is None or (fits is not None and not fits(fresh.row)):
                raise _Reroute from None
            current = fresh
    raise StoreError(f"row {current.row['RowKey']}: still conflicting after {MAX_ATTEMPTS} attempts")


async def _pause(attempt: int) -> None:
    await asyncio.sleep(random.uniform(0, min(0.5, 0.01 * 2**attempt)))


async def _insert_or_update(
    store: Store, row: Row, change: Callable[[Row], Row]
) -> Row:
    """Insert ``row`` (keyed by its identity); if the key exists, update it instead."""
    for attempt in range(MAX_ATTEMPTS):
        try:
            new_row = _apply({}, {**row, **change(row)})
            await store.insert(new_row)
            return new_row
        except ConflictError:
            existing = await store.get(row["PartitionKey"], row["RowKey"])
            if existing is not None:
                return await _update(store, existing, change)
            await _pause(attempt)
    raise StoreError(f"row {row['RowKey']}: could not insert after {MAX_ATTEMPTS} attempts")


async def record(
    store: Store, rec: StageRecord, clock: Callable[[], datetime] = utcnow
) -> list[Row]:
    """Write one stage report; returns the rows as written."""
    stage, rec = validate(rec)
    now = clock()
    writer = {
        "image": _record_image,
        "hld": _record_hld,
        "manifest": _record_manifest,
        "manifest-push": _record_manifest_push,
        "cluster-sync": _record_cluster_sync,
    }[stage]
    for attempt in range(MAX_ATTEMPTS):
        try:
            return await writer(store, rec, now)
        except _Reroute:
            await _pause(attempt)
    raise StoreError(f"{stage} stage: the rows kept changing for {MAX_ATTEMPTS} attempts")


async def _record_image(store: Store, rec: StageRecord, now: datetime) -> list[Row]:
    """Stage 1: one row per image build; re-runs of the same build update it."""

    def change(old: Row) -> Row:
        # Stored as given, as bedrock's stage 1 does (a tag is the registry's tag).
        return {
            "p1": rec.p1,
            "imageTag": rec.image_tag,
            "commitId": rec.commit_id,
            "service": rec.service,
            **({"sourceRepo": _lower(rec.repository)} if rec.repository else {}),
            **_stage_columns("p1", rec, old, now),
            **_common_columns(rec),
        }

    found = [
        v for v in await _find_tag(store, rec.partition, rec.image_tag or "")
        if v.row.get("p1") in (rec.p1, _lower(rec.p1))
    ]
    if found:
        return [await _update(store, v, change) for v in found]
    key = row_key(rec.partition, "image", _lower(rec.p1), _lower(rec.image_tag))
    return [await _insert_or_update(store, {"PartitionKey": rec.partition, "RowKey": key}, change)]


async def _record_hld(store: Store, rec: StageRecord, now: datetime) -> list[Row]:
    """Stage 2: find the image's rows by tag; one row per (image, ring)."""
    env, p2, hld = _lower(rec.env), _lower(rec.p2), _lower(rec.hld_commit_id)

    def change(old: Row) -> Row:
        stale: Row = {}
        if hld and old.get("hldCommitId") and old["hldCommitId"] != hld:
            # A new HLD commit has not been rendered yet: the old manifest stage is void.
            stale = dict.fromkeys(("p3", "p3Status", "p3StartedAt", "p3FinishedAt", "p3Url",
                                   "manifestCommitId", "manifestRepo"))
        return {
            **stale,
            "p2": p2,
            "env": env,
            **({"hldCommitId": hld} if hld else {}),
            **({"pr": _lower(rec.pr)} if rec.pr else {}),
            **({"hldRepo": _lower(rec.repository)} if rec.repository else {}),
            **_stage_columns("p2", rec, old, now),
            **_common_columns(rec),
        }

    def same_run(row: Row) -> bool:
        return row.get("p2") == p2 and row.get("env") == env

    def fresh(row: Row) -> bool:
        return not row.get("p2") and (not row.get("env") or row.get("env") == env)

    siblings = await _find_tag(store, rec.partition, rec.image_tag or "")
    # The same stage run again (same release, same ring): update, never duplicate.
    again = [v for v in siblings if same_run(v.row)]
    if again:
        return [await _update(store, again[0], change, same_run)]
    # Bedrock's rule: the first row this image has not yet sent to any ring. If another
    # pipeline takes it first (a second ring released at once), start over.
    unsent = [v for v in siblings if fresh(v.row)]
    if unsent:
        return [await _update(store, unsent[0], change, lambda row: fresh(row) or same_run(row))]
    # Same image into another ring (or no image row at all): a new deployment row that
    # carries the image build's facts over from a sibling, as bedrock does.
    source = next((v.row for v in siblings if v.row.get("p1")), siblings[0].row if siblings else {})
    carried = {
        k: source[k]
        for k in ("p1", "commitId", "service", "sourceRepo", "author", "authorEmail",
                  "p1Status", "p1StartedAt", "p1FinishedAt", "p1Url")
        if source.get(k)
    }
    key = row_key(rec.partition, "hld", _lower(rec.image_tag), env, p2)
    base = {"PartitionKey": rec.partition, "RowKey": key, "imageTag": rec.image_tag, **carried}
    return [await _insert_or_update(store, base, change)]


async def _record_manifest(store: Store, rec: StageRecord, now: datetime) -> list[Row]:
    """Stage 3: the rows whose HLD commit (else PR) this manifest build renders."""
    hld, p3 = _lower(rec.hld_commit_id), _lower(rec.p3)

    def change(old: Row) -> Row:
        return {
            "p3": p3,
            "hldCommitId": hld,
            **({"pr": _lower(rec.pr)} if rec.pr else {}),
            **({"manifestCommitId": _lower(rec.manifest_commit_id)} if rec.manifest_commit_id else {}),
            **({"manifestRepo": _lower(rec.repository)} if rec.repository else {}),
            **_stage_columns("p3", rec, old, now),
            **_common_columns(rec),
        }

    found = await store.find(rec.partition, "hldCommitId", hld or "")
    if not found and rec.pr:
        found = await store.find(rec.partition, "pr", _lower(rec.pr) or "")
    if found:
        # One HLD commit can carry several deployments (and a re-run of the same build
        # updates them): every row it renders gets the manifest stage.
        return [await _update(store, v, change) for v in found]
    # No image behind this HLD commit: a manual HLD edit, kept as its own deployment.
    key = row_key(rec.partition, "manual", hld)
    return [await _insert_or_update(store, {"PartitionKey": rec.partition, "RowKey": key}, change)]


async def _record_manifest_push(store: Store, rec: StageRecord, now: datetime) -> list[Row]:
    """After the push: the manifest commit goes on the rows of this manifest build."""
    p3 = _lower(rec.p3)

    def change(old: Row) -> Row:
        return {
            "manifestCommitId": _lower(rec.manifest_commit_id),
            **({"manifestRepo": _lower(rec.repository)} if rec.repository else {}),
            **_stage_columns("p3", rec, old, now),
            **_common_columns(rec),
        }

    found = await store.find(rec.partition, "p3", p3 or "")
    if not found:
        raise NothingToUpdate(
            f"no deployment has manifest build --p3 {rec.p3}: record the manifest stage "
            "(--p3 with --hld-commit-id) first"
        )
    return [await _update(store, v, change) for v in found]


async def _record_cluster_sync(store: Store, rec: StageRecord, now: datetime) -> list[Row]:
    """A cluster applied a manifest commit: one row per cluster, newest sync wins."""
    synced = to_iso(parse_iso(rec.synced_at) or now)
    partition = cluster_partition(rec.partition)
    key = "".join(c if c.isalnum() or c in "-_." else "_" for c in rec.cluster or "")[:200]

    def change(old: Row) -> Row:
        if old.get("syncedAt") and old["syncedAt"] > synced:
            return {}  # an older report arriving late must not roll the cluster back
        return {
            "kind": CLUSTER_SYNC_KIND,
            "cluster": rec.cluster,
            "manifestCommitId": _lower(rec.manifest_commit_id),
            "syncedAt": synced,
            **({"manifestRepo": _lower(rec.repository)} if rec.repository else {}),
        }

    return [await _insert_or_update(store, {"PartitionKey": partition, "RowKey": key}, change)]
