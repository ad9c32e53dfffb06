"""Compact deployments: what the index keeps per deployment, and how a plain one is read back.

A :class:`Record` holds only what every view needs for *every* deployment at once (to
filter, sort and sync 100k of them): status, service, ring, author, last update, push
time, synced clusters and the *haystack*, one lower-cased string of the searched and
sorted fields (``HAYSTACK_FIELDS``), one string per row rather than twenty (each Python
str costs ~50 bytes before its text). The whole row stays compressed in a
:class:`~gitops_tui.index.blocks.RowBlock` and is decoded, in 2-3 µs, when a plain
:class:`~gitops_tui.domain.model.Deployment` is asked for (:func:`to_plain`): the rows
on screen, a drill-down. Records never leave this package.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, overload

from gitops_tui.domain import rules
from gitops_tui.domain.model import Deployment
from gitops_tui.domain.rows import Key, Row
from gitops_tui.domain.timefmt import EPOCH, to_iso
from gitops_tui.stores.projection import FIELD_SEP

# The haystack's fields, lower-cased and joined by US in this order. First what a full
# load reads for every row (cluster sync), then the sort columns: an early field is
# found without splitting the rest. No times: a free-text term such as "t1" or "z"
# would match every row. Synced clusters come last: the one part that changes.
HAYSTACK_FIELDS: tuple[str, ...] = (
    "manifestCommitId", "p1", "imageTag", "pr", "mergedBy", "p3", "id", "partition",
    "service", "ring", "status", "author", "commitId", "prState", "hldCommitId", "prTitle",
    "manual", "p2", "clusters",
)
_AT: dict[str, int] = {name: i for i, name in enumerate(HAYSTACK_FIELDS)}
SEP = FIELD_SEP
NO_TIME = -(1 << 62)  # a record's updated_us when it has no time: before any (year 1 is -6.2e16)


@dataclass(slots=True, eq=False, repr=False)  # (eq=False: records hash by identity)
class Record:
    """One deployment as the index keeps it (see the module docstring). Treat as
    immutable once a snapshot holds it."""

    _src: Any  # the row (a dict), or the RowBlock that holds it at index ``_i``
    _i: int
    key: tuple[str, str]  # (partition, RowKey)
    service: str | None
    ring: str | None
    status: str
    pr_state: str | None
    manual_hld_edit: bool
    # The last update in µs since the epoch (``NO_TIME`` if none, which sorts first):
    # the sort key, an int of 32 bytes where its ISO string was 76 (44 MB at 1M).
    updated_us: int
    # The manifest stage's finish, if recorded, in µs since the epoch (see ``instant``):
    # an int is 32 bytes where its string was 80, and only cluster sync reads it.
    pushed_us: int | None
    author: str | None
    haystack: str | None
    synced_clusters: tuple[str, ...] = ()
    duplicates: tuple[str, ...] = ()  # RowKeys collapsed into this one (retried stages)
    # The hash of the record's duplicate group (``building.group_hash``; None: in none).
    # Records with one group are one deployment written twice; equal hashes are only
    # candidates, checked against the groups themselves (``groups.DuplicateGroups``).
    group: int | None = None

    @property
    def updated_iso(self) -> str:
        """The last update as a canonical ISO string ("" if none)."""
        us = self.updated_us
        return "" if us == NO_TIME else to_iso(EPOCH + timedelta(microseconds=us))

    @property
    def pushed_iso(self) -> str | None:
        """The push time as a canonical ISO string (None if not recorded)."""
        us = self.pushed_us
        return None if us is None else to_iso(EPOCH + timedelta(microseconds=us))

    @property
    def row(self) -> Row:
        """The source row (for a collapsed duplicate group: the merged row)."""
        src = self._src
        return src if isinstance(src, dict) else src.row(self._i)

    @property
    def partition(self) -> str:
        return self.key[0]

    def lowered(self, field: str) -> str | None:
        """A ``HAYSTACK_FIELDS`` value, lower-cased, without decoding the row (None if blank)."""
        at = _AT[field]
        value = self.haystack.split(SEP, at + 1)[at]  # type: ignore[union-attr]
        return value or None

    def with_clusters(self, names: tuple[str, ...]) -> Record:
        """A copy with another set of synced clusters."""
        head = self.haystack.rsplit(SEP, 1)[0]  # type: ignore[union-attr]
        return Record(
            self._src, self._i, self.key, self.service, self.ring, self.status, self.pr_state,
            self.manual_hld_edit, self.updated_us, self.pushed_us, self.author,
            head + SEP + " ".join(names).lower(), names, self.duplicates, self.group,
        )

    def __repr__(self) -> str:
        return f"Record(key={self.key!r}, status={self.status!r})"


_US = timedelta(microseconds=1)
_fromiso = datetime.fromisoformat


def micros(at: datetime) -> int:
    """An aware time as µs since the epoch, exact: ints compare as the times do."""
    return (at - EPOCH) // _US


def instant(iso: str) -> int | None:
    """A time string of ours (canonical ISO; ``to_iso`` writes years before 1000 short)
    as :func:`micros`; None if no time."""
    try:
        return micros(_fromiso(iso))
    except (ValueError, TypeError):
        try:
            return micros(_fromiso(iso.zfill(27)))
        except (ValueError, TypeError):
            return None


def haystack(*fields: str) -> str:
    """The haystack of ``HAYSTACK_FIELDS`` values, in that order.

    (A value with the separator in it shifts the fields after it in this one row's
    haystack: its text is still found by free text, but a sort by a later column, a field
    filter on one and, for a manifest commit, its cluster sync read the wrong field for
    that row. Checking every row cost a tenth of the merge.)
    """
    return SEP.join(fields).lower()


_HAYSTACK_SLOT = Record.__dict__["haystack"]  # the slot behind RowRecord's property


class RowRecord(Record):
    """A record of a plain row dict (``get``, a preview, a test): its haystack is built
    on first use, since a one-shot listing never searches it and building it was a
    quarter of the merge. (The monitor's records build theirs at once: their row is
    compressed by then.)"""

    __slots__ = ()

    @property  # type: ignore[override]
    def haystack(self) -> str:
        found = _HAYSTACK_SLOT.__get__(self)
        if found is None:
            row = self.row
            manifest, p1, tag, pr, merged, p3, commit, hld, title, p2 = (
                rules.text(row.get(c)) or "" for c in _ROW_HAY_COLUMNS
            )
            found = haystack(
                manifest, p1, tag, pr, merged, p3, self.key[1], self.key[0], self.service or "",
                self.ring or "", self.status, self.author or "", commit, self.pr_state or "", hld,
                title, "manual" if self.manual_hld_edit else "", p2, " ".join(self.synced_clusters),
            )
            _HAYSTACK_SLOT.__set__(self, found)
        return found

    @haystack.setter
    def haystack(self, value: str | None) -> None:
        _HAYSTACK_SLOT.__set__(self, value)


_ROW_HAY_COLUMNS = (
    "manifestCommitId", "p1", "imageTag", "pr", "mergedBy", "p3", "commitId", "hldCommitId", "prTitle", "p2",
)


def manifest_of(record: Record) -> str:
    """The record's manifest commit, lower-cased ("" if none), without building a
    haystack that is not built yet."""
    found = _HAYSTACK_SLOT.__get__(record)
    if found is None:  # a RowRecord nobody has searched
        return (rules.text(record.row.get("manifestCommitId")) or "").lower()
    return found[: found.find(SEP)]  # the manifest commit leads the haystack


# A plain deployment is ~2 KB: 512 are a few screens (a frame reads ~110 rows). Under
# churn every changed row on screen is a new record, so the cache fills to its bound
# (2,048 held 4.5 MB, issue 12's soak).
PLAIN_CACHE = 512


@lru_cache(maxsize=PLAIN_CACHE)
def to_plain(record: Record) -> Deployment:
    """The plain deployment a record stands for: the reference rules applied to its
    row, with what the index worked out across rows (collapsed duplicates, clusters).
    Remembered for the last few hundred records read (a screen's rows, redrawn)."""
    d = rules.deployment_of(record.row)
    if record.synced_clusters or record.duplicates:
        d = replace(d, synced_clusters=rules.merge_clusters(d.synced_clusters, record.synced_clusters),
                    duplicates=record.duplicates)
    return d


class Deployments(Sequence[Deployment]):
    """Records read as plain deployments, each built when it is read; ``by_key`` finds
    a record by its key (the journey hands over its own dict, which it no longer
    changes once published: at 1M deployments a second one was 40 MB)."""

    __slots__ = ("records", "_by_key")

    def __init__(self, records: Sequence[Record], by_key: Mapping[Key, Record] | None = None) -> None:
        self.records = records
        self._by_key = by_key

    @property
    def by_key(self) -> Mapping[Key, Record]:
        """The records by key (built on first use when none was handed over)."""
        found = self._by_key
        if found is None:
            found = self._by_key = {r.key: r for r in self.records}
        return found

    def __len__(self) -> int:
        return len(self.records)

    @overload
    def __getitem__(self, i: int) -> Deployment: ...
    @overload
    def __getitem__(self, i: slice) -> list[Deployment]: ...

    def __getitem__(self, i: int | slice) -> Deployment | list[Deployment]:
        if isinstance(i, slice):
            return [to_plain(r) for r in self.records[i]]
        return to_plain(self.records[i])

    def __iter__(self) -> Iterator[Deployment]:
        return map(to_plain, self.records)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence):  # (equal when they read as equal deployments)
            return list(self) == list(other)
        return NotImplemented

    def __repr__(self) -> str:
        return f"Deployments({len(self.records)} records)"
