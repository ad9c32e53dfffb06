"""One row → one record: the straight-line code every full load runs 100k times.

The same rules as :func:`gitops_tui.domain.rules.deployment_of` (status, times,
manual edits, duplicate groups), on a row's projection: the overall status is
memoised on the few stage-status combinations there are, times are compared as
canonical ISO strings (they sort as times do) and the ones kept held as µs, and
repeated services, rings, authors and partitions share one string each.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from operator import itemgetter

from gitops_tui.domain import rules
from gitops_tui.domain.rows import Row
from gitops_tui.domain.timefmt import EPOCH, parse_iso, to_iso
from gitops_tui.domain.vocab import PR_CLOSED, PR_STATE_ALIASES, RECORDED_TO_STATUS, UNKNOWN
from gitops_tui.index.records import HAYSTACK_FIELDS, NO_TIME, SEP, Record, RowRecord, haystack, instant, micros
from gitops_tui.stores.projection import PROJECTED_COLUMNS, PROJECTION_VERSION

Group = str  # a duplicate group (``rules.duplicate_group`` as one string)
_MASK = (1 << 60) - 1  # (an int under 2**60 is 32 bytes, a full hash 36)


def group_hash(group: Group) -> int:
    """What a record keeps of its duplicate group: a hash (an int, 32 bytes, where the
    group's string was ~110). Equal hashes are candidates only: the groups themselves
    are compared (``groups.DuplicateGroups``)."""
    return hash(group) & _MASK
assert HAYSTACK_FIELDS[0] == "manifestCommitId" and HAYSTACK_FIELDS[-1] == "clusters"


def _status_for(key: tuple[object, object, object, bool]) -> str:
    """Overall status from (stage1, stage2, stage3, pr closed); a stage is its recorded
    status, 1 when only its id is there, 0 when absent."""
    statuses = [
        RECORDED_TO_STATUS.get(value.lower(), UNKNOWN) if isinstance(value, str) else UNKNOWN
        for value in key[:3]
        if value
    ]
    return rules.overall_status(statuses, bool(key[2]), PR_CLOSED if key[3] else None)


# The overall status of each stage-status combination seen (there are few).
_STATUS_MEMO: dict[tuple[object, object, object, bool], str] = {}

# PROJECTED_COLUMNS behind a version slot, read from a row dict in one C-level call.
_BLANK: dict[str, str] = {"": PROJECTION_VERSION, **dict.fromkeys(PROJECTED_COLUMNS, "")}
_pick = itemgetter("", *PROJECTED_COLUMNS)


def to_record(row: Row, src: object = None, i: int = 0) -> Record:
    """One record from one row (no duplicate collapse, no cluster sync).

    ``src``/``i``: where the row is kept (a :class:`~gitops_tui.index.blocks.RowBlock` and
    its index); by default the record keeps ``row`` itself.
    """
    record = from_projection(_projected(row), row if src is None else src, i)
    fact = row.get(rules.ROLLOUT_COLUMN)
    if fact:  # the sync layer's facts (never projected: they are not stored)
        status = rules.live_status(record.status, rules.text(fact))
        if status != record.status:
            hay = record.haystack if record.__class__ is Record else None
            record.status = status
            if hay is not None:  # the status is a haystack field: rebuild it
                fields = hay.split(SEP)
                fields[HAYSTACK_FIELDS.index("status")] = status
                record.haystack = SEP.join(fields)
    return record


def _projected(row: Row) -> Sequence[str]:
    """A row's projection values (as ``from_projection`` takes them), from the row."""
    try:
        values = _pick({**_BLANK, **row})
        # Every value text? Rows built by hand may hold numbers, times or None. (A
        # plain row's haystack is built later, so nothing else here would notice.)
        SEP.join(values)
        return values
    except (TypeError, AttributeError):  # a value that is not text
        text = {k: rules.text(v) or "" for k, v in row.items() if v is not None}
        return _pick({**_BLANK, **text})


def _group_text(partition: str, p1: str, tag: str, env: str, hld: str, p3: str) -> Group | None:
    """``rules.duplicate_group`` as one string, from projected values."""
    if p1 or tag:
        return SEP.join(("i", partition, p1, tag, env, hld))
    if p3 and hld:
        return SEP.join(("m", partition, hld, p3))
    return None


def from_projection(values: Sequence[str], src: object, i: int = 0) -> Record:
    """One record from a row's projection (``stores.projection``, split): the version,
    then ``PROJECTED_COLUMNS`` ("" where absent). ``src``/``i``: the row.

    The hot path of every full load, so it is straight-line code: the overall status is
    memoised on the few stage-status combinations there are, and times are compared as
    canonical ISO strings (they sort as times do); only the two kept are parsed.
    """
    (
        _, p1, p2, p3, s1, s2, s3, pr_state, original, stamp, b1, b2, b3, e1, e2, e3,
        service, env, partition, key, tag, hld, author, commit, pr, merged, manifest, title, _,
    ) = values
    state = _PR_STATES.get(pr_state, _UNSEEN)
    if state is _UNSEEN:
        state = PR_STATE_ALIASES.get(pr_state.lower())
        if len(_PR_STATES) < 1000:  # (a bad writer's endless spellings: stop remembering)
            _PR_STATES[pr_state] = state
    combo = (s1 or (1 if p1 else 0), s2 or (1 if p2 else 0), s3 or (1 if p3 else 0), state == PR_CLOSED)
    status = _STATUS_MEMO.get(combo)
    if status is None:
        status = _STATUS_MEMO[combo] = _status_for(combo)

    # Times compare as strings when canonical (27 characters ending in Z, as every store
    # writes them: checked inline, a call per time cost a tenth of the merge); any other
    # spelling is converted, a value that is no time skipped (as rules does).
    updated = original or stamp
    if updated and (len(updated) != 27 or updated[26] != "Z"):
        updated = _time_of(original, stamp)
    if s1 or s2 or s3:
        # The latest event is the last stage's.
        latest = e3 or b3 or e2 or b2 or e1 or b1
        if latest and (len(latest) != 27 or latest[26] != "Z"):
            latest = _time_of(e3, b3, e2, b2, e1, b1)
        if latest and (not updated or latest > updated):
            updated = latest
    try:  # (as in instant, inlined: the hot path)
        updated_us = (_fromiso(updated) - EPOCH) // _US
    except (ValueError, TypeError):  # no time, or a year before 1000 (written short)
        found = instant(updated) if updated else None
        updated_us = NO_TIME if found is None else found
    if not e3:
        pushed = None
    elif len(e3) != 27 or e3[26] != "Z":
        parsed = parse_iso(e3)  # (the datetime itself: to_iso writes a year under 1000 short)
        pushed = None if parsed is None else micros(parsed)
    else:
        try:  # (records.instant, inlined: as a call it cost the 100k load 12 ms, bench_core)
            pushed = (_fromiso(e3) - EPOCH) // _US
        except (ValueError, TypeError):  # 27 characters ending in Z, yet no time
            pushed = instant(e3)
    manual = not p1 and not p2 and not tag and bool(p3)
    if service:
        service = _SERVICES.get(service) or _shared(_SERVICES, service, service.rsplit("/", 1)[-1])
    ring = (_RINGS.get(env) or _shared(_RINGS, env, env.lower())) if env else ""
    if author:
        author = _AUTHORS.get(author) or _shared(_AUTHORS, author, author)
    partition = _PARTITIONS.get(partition) or _shared(_PARTITIONS, partition, partition)
    text = _group_text(partition, p1, tag, env, hld, p3)
    group = None if text is None else group_hash(text)  # (kept as its hash)
    if src.__class__ is dict:  # a plain row: its haystack is built when first searched
        return RowRecord(
            src, i, (partition, key), service or None, ring or None, status, state, manual,
            updated_us, pushed, author or None, None, (), (), group,
        )
    hay = haystack(
        manifest, p1, tag, pr, merged, p3, key, partition, service, ring,
        status, author, commit, state or "", hld, title, "manual" if manual else "", p2,
        "",  # clusters: set by the sync
    )
    return Record(
        src, i, (partition, key), service or None, ring or None, status, state, manual,
        updated_us,  # never None: it is the sort key
        pushed, author or None, hay, (), (), group,
    )


def _time_of(*values: str) -> str:
    """The first of ``values`` that is a time, in the canonical form (``timefmt.to_iso``;
    "" if none is): as ``rules`` skips a value that is no time."""
    for value in values:
        parsed = parse_iso(value) if value else None
        if parsed is not None:
            return to_iso(parsed)
    return ""


# PR states as written -> ours (any case); few spellings, each looked up once.
_US = timedelta(microseconds=1)
_fromiso = datetime.fromisoformat

_PR_STATES: dict[str, str | None] = {}
_UNSEEN = object()

# Services, rings, authors and partitions repeat across 100k rows: each is derived once
# and the records share one string object per value (a memo lookup is also 5x cheaper
# than deriving it again).
_SERVICES: dict[str, str] = {}
_RINGS: dict[str, str] = {}
_AUTHORS: dict[str, str] = {}
_PARTITIONS: dict[str, str] = {}  # (each record's key holds one: 5 MB at 100k rows)


def _shared(memo: dict[str, str], value: str, derived: str) -> str:
    if len(memo) < 50_000:  # unbounded distinct values (a bad writer): stop remembering
        memo[value] = derived
    return derived


def duplicate_key(row: Row) -> Group | None:
    """Rows with equal keys are one deployment written more than once (retried stages)."""
    return _group_text(*_group_columns(_projected(row)))


_group_columns = itemgetter(*(1 + PROJECTED_COLUMNS.index(c) for c in (
    "PartitionKey", "p1", "imageTag", "env", "hldCommitId", "p3")))
