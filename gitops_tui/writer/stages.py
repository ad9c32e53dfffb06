"""The rows each stage writes: Bedrock's write-time join, without its faults.

Rows keep the Bedrock columns and meanings (``bedrock deployment get`` and Spektate read
them); what we add goes in extra columns (see :mod:`gitops_tui.domain.rows`). Differences
from ``bedrock deployment create``:

- re-running a stage with the same ids updates its row instead of inserting a duplicate;
  rows we insert get a RowKey derived from their identity, so two pipelines inserting
  the same deployment at once collide on the key instead of making two rows;
- every update is a conditional replace on the ETag read (:mod:`.upsert`), so racing
  pipelines lose no field;
- stage status, times, run URL, author and PR state/merged-by are stored, so a row is
  complete without any provider API.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime

from gitops_tui.domain.rows import CLUSTER_SYNC_KIND, STAGE_EXTRA_SUFFIXES, Row, cluster_partition
from gitops_tui.domain.timefmt import parse_iso, to_iso, utcnow
from gitops_tui.stores.base import Store, StoreError, Versioned
from gitops_tui.writer.stage_record import RecordError, StageRecord, validate
from gitops_tui.writer.upsert import MAX_ATTEMPTS, Reroute, insert_or_update, pause, update


class NothingToUpdate(RecordError):
    """The stage refers to a deployment the table does not have (a data problem)."""


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
        except Reroute:
            await pause(attempt)
    raise StoreError(f"{stage} stage: the rows kept changing for {MAX_ATTEMPTS} attempts")


def identity_key(*identity: str | None) -> str:
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


def _extras(pid: str) -> tuple[str, ...]:
    """The columns we add for one stage (status, times, URL)."""
    return tuple(pid + suffix for suffix in STAGE_EXTRA_SUFFIXES)


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


# -- the stage writers ------------------------------------------------------------


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
        return [await update(store, v, change) for v in found]
    key = identity_key(rec.partition, "image", _lower(rec.p1), _lower(rec.image_tag))
    return [await insert_or_update(store, {"PartitionKey": rec.partition, "RowKey": key}, change)]


async def _record_hld(store: Store, rec: StageRecord, now: datetime) -> list[Row]:
    """Stage 2: find the image's rows by tag; one row per (image, ring)."""
    env, p2, hld = _lower(rec.env), _lower(rec.p2), _lower(rec.hld_commit_id)

    def change(old: Row) -> Row:
        stale: Row = {}
        if hld and old.get("hldCommitId") and old["hldCommitId"] != hld:
            # A new HLD commit has not been rendered yet: the old manifest stage is void.
            stale = dict.fromkeys(("p3", *_extras("p3"), "manifestCommitId", "manifestRepo"))
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
        return [await update(store, again[0], change, same_run)]
    # Bedrock's rule: the first row this image has not yet sent to any ring. If another
    # pipeline takes it first (a second ring released at once), start over.
    unsent = [v for v in siblings if fresh(v.row)]
    if unsent:
        return [await update(store, unsent[0], change, lambda row: fresh(row) or same_run(row))]
    # Same image into another ring (or no image row at all): a new deployment row that
    # carries the image build's facts over from a sibling, as bedrock does.
    source = next((v.row for v in siblings if v.row.get("p1")), siblings[0].row if siblings else {})
    carried = {
        k: source[k]
        for k in ("p1", "commitId", "service", "sourceRepo", "author", "authorEmail", *_extras("p1"))
        if source.get(k)
    }
    key = identity_key(rec.partition, "hld", _lower(rec.image_tag), env, p2)
    base = {"PartitionKey": rec.partition, "RowKey": key, "imageTag": rec.image_tag, **carried}
    return [await insert_or_update(store, base, change)]


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
        return [await update(store, v, change) for v in found]
    # No image behind this HLD commit: a manual HLD edit, kept as its own deployment.
    key = identity_key(rec.partition, "manual", hld)
    return [await insert_or_update(store, {"PartitionKey": rec.partition, "RowKey": key}, change)]


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
    return [await update(store, v, change) for v in found]


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

    return [await insert_or_update(store, {"PartitionKey": partition, "RowKey": key}, change)]
