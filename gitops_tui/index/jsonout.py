"""``get --output json`` objects straight from the index's rows: the fast path of the output.

The reference is ``present.to_json(to_plain(record), now)``: the row decoded, the
journey rules building a :class:`~gitops_tui.domain.model.Deployment` (three stages,
ten parsed times), then the deployment read back into a dict with each time formatted
again. For 100k deployments that was 4 s of a 5 s ``get``. Here the same dict is read
off the decoded row in one pass: a time written canonically (``2019-10-24T21:28:43.902000Z``,
as every store writes them) is checked by ``datetime.fromisoformat`` and written back by
slicing, which is what ``isoformat`` would write. Any row this does not read exactly as
the reference does (a value that is not text, a time in another spelling, the sync
layer's facts) is handed to the reference; ``tests/unit/test_json_fast_path.py``
proves both give equal objects on generated and hostile tables and the golden files.

The layers above (``present``) own the reference, so it is passed in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from itertools import islice, repeat
from typing import Any

import orjson

from gitops_tui.domain import rules
from gitops_tui.domain.model import Deployment
from gitops_tui.domain.query import Query, selection
from gitops_tui.domain.vocab import (
    MANIFEST, PR_CLOSED, PR_STATE_ALIASES, RECORDED_TO_STATUS, STAGE_ID_COLUMN, STAGES, TERMINAL, UNKNOWN,
)
from gitops_tui.index.blocks import RowBlock
from gitops_tui.index.matching import apply_query
from gitops_tui.index.records import NO_TIME, Deployments, Record, micros, to_plain

Reference = Callable[[Deployment, datetime], dict[str, Any]]
_fromiso = datetime.fromisoformat
_SEP = "\x1f"
_PR = PR_STATE_ALIASES
_STAGE_IDS = tuple(STAGE_ID_COLUMN[name] for name in STAGES)
_STAGE_TIMES = tuple(pid + end for pid in _STAGE_IDS for end in ("StartedAt", "FinishedAt"))


class _Fallback(Exception):
    """This row is the reference's to read."""


def selected_json(
    deployments: Iterable[Deployment], now: datetime, reference: Reference,
    query: Query | None = None, since: datetime | None = None, top: int | None = None,
) -> Iterator[dict[str, Any]]:
    """The JSON objects of ``deployments`` matching ``query``, updated at or after
    ``since``, at most ``top`` of them, in their order: ``reference(d, now)`` of each,
    read from the index's rows where ``deployments`` come from the index."""
    if not isinstance(deployments, Deployments):
        return (reference(d, now) for d in selection(deployments, query, since, top))
    records: Iterable[Record] = deployments.records
    if query:
        records = apply_query(query, list(records))
    if since is not None:
        records = _since(records, since)
    if top is not None:
        records = islice(records, top)
    return _objects(records, now, reference)


def _since(records: Iterable[Record], since: datetime) -> Iterator[Record]:
    """As the reference's ``d.updated_at >= since``: a record keeps that time in µs; one
    with none is asked of its plain deployment."""
    bound = micros(since if since.tzinfo else since.replace(tzinfo=UTC))
    for r in records:
        us = r.updated_us
        if us != NO_TIME:
            if us >= bound:
                yield r
            continue
        at = to_plain(r).updated_at
        if at is not None and at >= since:
            yield r


def _objects(records: Iterable[Record], now: datetime, reference: Reference) -> Iterator[dict[str, Any]]:
    loads = orjson.loads
    for r in records:
        src = r._src
        row = loads(src.doc(r._i)) if src.__class__ is RowBlock else r.row
        try:
            yield _json_of(row, r, now)
        except _Fallback:
            yield reference(to_plain(r), now)


def _time(value: str) -> tuple[datetime | None, str | None]:
    """``parse_iso`` of a column's text and ``iso_or_none`` of that, for a time written
    canonically; anything else (but blank) is the reference's."""
    if not value:
        return None, None
    if (len(value) != 27 or value[26] != "Z" or value[19] != "." or value[10] != "T" or value[4] != "-"
            or value[7] != "-" or value[13] != ":" or value[16] != ":" or not value.isascii()
            or value[11:13] >= "24"):
        raise _Fallback
    try:
        at = _fromiso(value)
    except ValueError:
        return None, None  # (no time: the reference skips it too)
    return at, (value[:19] + "Z" if value[20:26] == "000000" else value)


def _stage(row: dict[str, str], name: str, pid: str, started: str | None, finished: str | None) -> dict[str, Any] | None:
    run_id = row.get(pid) or None
    recorded = row.get(pid + "Status") or None
    if run_id is None and recorded is None:
        return None
    return {
        "name": name,
        "status": RECORDED_TO_STATUS.get(recorded.lower(), UNKNOWN) if recorded else UNKNOWN,
        "run_id": run_id,
        "url": row.get(pid + "Url") or None,
        "started_at": started,
        "finished_at": finished,
        "source": row.get(pid + "Source") or ("record" if recorded else None),
        "error": row.get(pid + "Error") or None,
    }


def _json_of(row: dict[str, Any], record: Record, now: datetime) -> dict[str, Any]:
    """``to_json(to_plain(record), now)`` read off ``row`` (raises _Fallback where it
    would not be the same)."""
    try:
        _SEP.join(row.values())  # every value text (else: the reference's str() of it)
    except TypeError:
        raise _Fallback from None
    get = row.get
    if get(rules.ROLLOUT_COLUMN):
        raise _Fallback
    s1, f1, s2, f2, s3, f3 = map(_time, map(get, _STAGE_TIMES, repeat("")))
    stages = [s for s in map(_stage, repeat(row), STAGES, _STAGE_IDS, (s1[1], s2[1], s3[1]), (f1[1], f2[1], f3[1])) if s]
    pr_state = _PR.get(get("prState", "").lower())
    statuses = [s["status"] for s in stages]
    status = _overall(statuses, bool(stages) and stages[-1]["name"] == MANIFEST, pr_state)
    updated, updated_text = _time(get("originalTimestamp", ""))
    if updated is None:
        updated, updated_text = _time(get("Timestamp", ""))
    recorded = bool(get("p1Status") or get("p2Status") or get("p3Status"))
    started = started_text = None
    if recorded:
        latest = next((t for t in (f3, s3, f2, s2, f1, s1) if t[0] is not None), None)
        if latest is not None and (updated is None or latest[0] > updated):  # type: ignore[operator]
            updated, updated_text = latest
        started, started_text = next((t for t in (s1, f1, s2, f2, s3, f3) if t[0] is not None), (None, None))
    duration = None
    if started is not None:
        if status in TERMINAL:
            end = next((t[0] for t in (f3, f2, f1) if t[0] is not None), None)
        else:
            end = now
        if end is not None:
            duration = round(max(0.0, (end - started).total_seconds()), 3)
    service, env = get("service"), get("env")
    p1, p2, p3, tag = get("p1"), get("p2"), get("p3"), get("imageTag")
    synced = rules.merge_clusters(rules.names_of(get(rules.SYNCED_COLUMN)), record.synced_clusters)
    return {
        "id": get("RowKey") or "",
        "partition": get("PartitionKey") or "",
        "service": (service.rsplit("/", 1)[-1] or None) if service else None,
        "ring": env.lower() if env else None,
        "status": status,
        "author": get("author") or None,
        "commit": get("commitId") or None,
        "image_tag": tag or None,
        "pr": get("pr") or None,
        "pr_state": pr_state,
        "merged_by": get("mergedBy") or None,
        "hld_commit": get("hldCommitId") or None,
        "manifest_commit": get("manifestCommitId") or None,
        "synced_clusters": list(synced),
        "manual_hld_edit": not p1 and not p2 and not tag and bool(p3),
        "started_at": started_text,
        "updated_at": updated_text,
        "duration_s": duration,
        "stages": stages,
        "pr_title": get("prTitle") or None,
        "author_email": get("authorEmail") or None,
        "source_repo": get("sourceRepo") or None,
        "hld_repo": get("hldRepo") or None,
        "manifest_repo": get("manifestRepo") or None,
        "duplicates": list(record.duplicates),
        "rollout": None,  # (no sync facts on this path: those rows are the reference's)
        "pending_clusters": [],
    }


_STATUS: dict[tuple[tuple[str, ...], bool, bool], str] = {}


def _overall(statuses: list[str], reached_manifest: bool, pr_state: str | None) -> str:
    """``rules.overall_status``, remembered for the few combinations there are."""
    key = (tuple(statuses), reached_manifest, pr_state == PR_CLOSED)
    found = _STATUS.get(key)
    if found is None:
        found = _STATUS[key] = rules.overall_status(statuses, reached_manifest, PR_CLOSED if key[2] else None)
    return found

