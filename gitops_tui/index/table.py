"""The deployments table's model: a snapshot's deployments, filtered and sorted.

No Textual here, so it is tested and benchmarked on its own. The table widget draws
``index.at(i)`` for the rows on screen only; everything here is O(n) at worst per
user action and O(changed · log n) per incremental poll:

- ``base`` holds every deployment (as an :class:`Deployment`) in ascending sort-key order,
  ``view`` the ones that match the filter, in the same order. The display order is
  ``view`` reversed when sorting descending (the default: newest first).
- The default order is the journey's own: by last update, ties in the order the
  journey keeps them (a new deployment goes after its equals, as ``JourneyIndex._put``
  does), so a full load takes the snapshot's order as it is, without sorting.
- The entries are the snapshot's deployments themselves (whose ``hay`` holds every
  searchable field, lower-cased), found by ``(partition, id)`` in the snapshot's own
  ``by_key`` (the journey's dict: the table keeps no second one).
- A filter that only narrows the previous one (a term typed further, a term added)
  filters the current ``view`` instead of ``base``; recent results are remembered
  (backspacing costs nothing) and a field value no deployment has (one typed halfway)
  is answered from the set of values, until the data changes.
- An incremental update uses ``Snapshot.changed_ids``: the changed entries are taken
  out and put back with ``bisect``, which keeps the rest of the view (and therefore
  the cursor and scroll position) where it was.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping, Sequence

from gitops_tui.domain.model import ClusterSync, Deployment, Snapshot
from gitops_tui.domain.overview import ClusterSummary, RingMatrix
from gitops_tui.index import overview as fast_overview
from gitops_tui.domain.query import STUCK, Query
from gitops_tui.domain.rows import Key
from gitops_tui.index.matching import (
    FAST_FIELDS, SORT_KEYS, apply_query, matching, refines, sort_key_for,
)
from gitops_tui.index.records import Deployments, Record, to_plain
from gitops_tui.index.values import ValueSets


# Above this many changed deployments a full rebuild is cheaper than bisecting each.
_INCREMENTAL_LIMIT = 2000
# A free-text filter over more deployments than this finds the first screens' worth
# from the top of the display first (``_FIRST_ROWS``, scanning ``_STEP`` at a time) and
# the rest when the app calls ``finish()`` after the first paint: searching 100k
# haystacks takes 25-45 ms on its own, a keystroke's whole budget.
_PROGRESSIVE_MIN = 20_000
_FIRST_ROWS = 300
_STEP = 5_000
# The first search stops after this many deployments even with fewer than _FIRST_ROWS
# found (a rare term: "ser" matched 12 of 100k and searched them all, 47 ms).
_HEAD_MAX = 25_000

# -- the index -------------------------------------------------------------------------


class TableModel(ValueSets):
    """Filtered, sorted deployments of the latest snapshot (see the module docstring)."""

    def __init__(self) -> None:
        self.snapshot: Snapshot | None = None
        self.base: list[Record] = []
        self.view: list[Record] = []
        self.query = Query()
        self.query_text = ""
        self.stuck: frozenset[Key] = frozenset()  # what status:stuck matches (set_stuck)
        self.sort_column: str | None = None  # None: last updated
        self.descending = True
        self._key = sort_key_for(None)
        self.version = 0  # bumps whenever the view changes
        self._prime_pos = 0
        # Recent filter results by query text, and the values of the fast fields:
        # both cleared whenever ``base`` changes.
        self._memo: dict[str, list[Record]] = {}
        self._distinct: dict[str, set[str | None]] = {}
        self._values: dict[str, set[str]] = {}
        # A filter begun but not finished: (query, source, cut, found), the part of
        # source not searched yet being source[:cut] (descending) or source[cut:], and
        # found the matches in the part searched since; and the last finished (query,
        # view), what the next filter may refine.
        self._rest: tuple[Query, list[Record], int, list[list[Record]]] | None = None
        self._settled: tuple[Query, list[Record]] = (Query(), [])

    # -- reading -----------------------------------------------------------------------

    def __len__(self) -> int:  # (rows shown: the first found while a filter is unfinished)
        return len(self.view)

    @property
    def complete(self) -> bool:
        """Whether the view holds every match of the filter (see :meth:`finish`)."""
        return self._rest is None

    @property
    def total(self) -> int:
        return len(self.base)

    def _at(self, i: int) -> Record:
        if i >= len(self.view):
            self.finish()
        view = self.view
        return view[len(view) - 1 - i] if self.descending else view[i]

    def at(self, i: int) -> Deployment:
        """The deployment shown at display row ``i``."""
        return to_plain(self._at(i))

    def key_at(self, i: int) -> Key:
        """The key of the deployment at display row ``i`` (nothing decoded)."""
        return self._at(i).key

    def window(self, start: int, stop: int) -> list[Deployment]:
        n = len(self.view)
        return [self.at(i) for i in range(max(0, start), min(n, stop))]

    @property
    def entries(self) -> Mapping[Key, Record]:
        """The snapshot's records by key."""
        snapshot = self.snapshot
        if snapshot is None or not _records(snapshot):
            return {}
        return snapshot.deployments.by_key  # type: ignore[attr-defined]

    def get(self, key: Key) -> Deployment | None:
        found = self.entries.get(key)
        return to_plain(found) if found is not None else None

    def _position(self, entries: list[Record], entry: Record) -> int | None:
        """Where this very entry sits: bisect to its key, then look among its equals."""
        key = self._key
        wanted = key(entry)
        i = bisect.bisect_left(entries, wanted, key=key)
        n = len(entries)
        while i < n and entries[i] is not entry:
            if key(entries[i]) != wanted:
                return None
            i += 1
        return i if i < n else None

    def row_of(self, key: Key | None) -> int | None:
        """The display row of a deployment, or None if it is not shown."""
        entry = None if key is None else self.entries.get(key)
        if entry is None:
            return None
        i = self._position(self.view, entry)
        if i is None and self._rest is not None and apply_query(self.query, [entry]):
            self.finish()  # a match not found yet: keep the cursor on it
            i = self._position(self.view, entry)
        if i is None:
            return None
        return len(self.view) - 1 - i if self.descending else i

    def deployments(self) -> Deployments:
        """The shown deployments in display order (finishes a filter), each built when read."""
        return Deployments(self.records())

    def ring_matrix(self, order: Sequence[str] = ()) -> RingMatrix:
        """The rings overview of the shown deployments (``domain.overview.ring_matrix``)."""
        return fast_overview.ring_matrix(self.records(), order)

    def cluster_summaries(self, clusters: Iterable[ClusterSync]) -> list[ClusterSummary]:
        """The clusters overview of the shown deployments."""
        return fast_overview.cluster_summaries(clusters, self.records())

    def records(self) -> list[Record]:
        """The shown records in display order (for this package's overviews)."""
        self.finish()
        view = self.view
        return view[::-1] if self.descending else list(view)

    # -- changing ----------------------------------------------------------------------

    def load(self, snapshot: Snapshot) -> None:
        """Take a whole snapshot."""
        base = list(reversed(_records(snapshot)))  # the journey's order, ascending
        if self.sort_column is not None:
            # Stable, on the journey's order: ties stay by last update, as the
            # full key (column, update) that bisect uses has them. Sorting on the
            # column alone compares single values: about twice as fast.
            base.sort(key=SORT_KEYS[self.sort_column])
        self.snapshot = snapshot
        self.base = base
        self._rest = None
        self._prime_pos = 0
        self._memo.clear()
        self._distinct.clear()
        self._values.clear()
        self.view = apply_query(self.query, base) if self.query else list(base)
        self.version += 1

    def update(self, snapshot: Snapshot) -> bool:
        """Take the next snapshot; incrementally when it says what changed.

        Returns False when nothing changed (the same snapshot again).
        """
        prev = self.snapshot
        if snapshot is prev:
            return False
        self.finish()
        changed = snapshot.changed_ids
        if (
            prev is None
            or not snapshot.loaded
            or not prev.loaded
            or snapshot.generation != prev.generation + 1
            or not changed
            or len(changed) > _INCREMENTAL_LIMIT
        ):
            self.load(snapshot)
            return True
        found: dict[Key, Record] = {}
        now = snapshot.deployments.by_key  # type: ignore[attr-defined]
        wanted = {key for key in changed if key in now}  # (deleted: not looked for)
        for d in _records(snapshot):  # changes are nearly always the newest rows
            key = d.key
            if key in wanted:
                found[key] = d
                wanted.discard(key)
                if not wanted:
                    break
        query = self.query
        self._memo.clear()
        before = self.entries  # (still the previous snapshot's)
        for key in changed:
            old = before.get(key)
            if old is not None:
                self._remove(self.base, old)
                self._remove(self.view, old)
        # Oldest first, each after its equals: the order the journey put them in, so
        # ties (rows written in one batch share a timestamp) come out as in a reload.
        for entry in reversed(found.values()):
            # A new ring, service or author must be known before a filter asks for it.
            self._learn(entry)
            bisect.insort_right(self.base, entry, key=self._key)
            if not query or apply_query(query, [entry]):
                bisect.insort_right(self.view, entry, key=self._key)
        self.snapshot = snapshot
        self.version += 1
        return True

    def set_stuck(self, keys: frozenset[Key]) -> bool:
        """The insights' stuck deployments changed: refilter a ``status:stuck`` view."""
        if keys == self.stuck:
            return False
        self.stuck = keys
        if not self.query.asks_stuck:
            return False
        self._memo.clear()  # (search everything again: the old answer may miss new keys)
        self.query, self.view, self._rest = Query(), list(self.base), None
        return self.set_query(self.query_text)

    def _remove(self, entries: list[Record], entry: Record) -> None:
        i = self._position(entries, entry)
        if i is not None:
            del entries[i]

    def set_query(self, text: str) -> bool:
        """Filter by ``text`` (the Query language). Returns False if the rows shown
        did not change."""
        query = Query.parse(text)
        if query.asks_stuck:
            query = Query(query.terms, self.stuck)
        if query == self.query:
            self.query_text = text
            return False
        before = self.view if self._rest is None else None
        if self._rest is None:
            self._settled = (self.query, self.view)
        self._rest = None
        found = self._memo.get(str(query))
        if found is not None:
            self.view = list(found)
        elif not query:
            self.view = list(self.base)
        else:
            settled_query, settled_view = self._settled
            refined = refines(query, settled_query) and not query.asks_stuck  # (stuck: not a prefix)
            source = settled_view if refined else self.base
            if self._impossible(query):  # a value typed halfway: no need to look
                self.view = []
            elif len(source) > _PROGRESSIVE_MIN:
                self.view, self._rest = self._head(query, source)
            else:
                self.view = apply_query(query, source, self._distinct_values)
            if self._rest is None:
                self._remember(str(query), self.view)
        self.query = query
        self.query_text = text
        if before is not None and self._rest is None and self.view == before:
            # (A term typed halfway often shows the same rows: "!status:s" is every
            # row, as "!status:" was. Comparing is one C-level pass by identity.)
            self.view = before
            return False
        self.version += 1
        return True

    def _head(
        self, query: Query, source: list[Record]
    ) -> tuple[list[Record], tuple[Query, list[Record], int, list[list[Record]]] | None]:
        """The matches at the top of the display, at least ``_FIRST_ROWS`` of them if
        there are, in view order; and what is left to search (None if nothing)."""
        parts: list[list[Record]] = []
        found, n = 0, len(source)
        if self.descending:  # the display's top is the end of the view
            cut = n
            while cut > 0 and found < _FIRST_ROWS and n - cut < _HEAD_MAX:
                start = max(0, cut - _STEP)
                part = apply_query(query, source[start:cut], self._distinct_values)
                parts.append(part)
                found += len(part)
                cut = start
            view = [e for part in reversed(parts) for e in part]
            return view, ((query, source, cut, []) if cut > 0 else None)
        cut = 0
        while cut < n and found < _FIRST_ROWS and cut < _HEAD_MAX:
            part = apply_query(query, source[cut:cut + _STEP], self._distinct_values)
            parts.append(part)
            found += len(part)
            cut += _STEP
        view = [e for part in parts for e in part]
        return view, ((query, source, cut, []) if cut < n else None)

    def finish(self, budget: int | None = None) -> bool:
        """Search what a filter left for later (see ``_PROGRESSIVE_MIN``), at most
        ``budget`` deployments of it (None: all). When the search is done the view
        takes the rest of the matches, the rows already shown keeping their display
        rows. Returns True if the view changed (the search is done)."""
        rest = self._rest
        if rest is None:
            return False
        query, source, cut, found = rest
        budget = len(source) if budget is None else max(1, budget)
        if self.descending:
            start = max(0, cut - budget)
            found.append(apply_query(query, source[start:cut], self._distinct_values))
            cut = start
            done = cut == 0
        else:
            stop = min(len(source), cut + budget)
            found.append(apply_query(query, source[cut:stop], self._distinct_values))
            cut = stop
            done = cut == len(source)
        if not done:
            self._rest = (query, source, cut, found)
            return False
        self._rest = None
        if self.descending:
            self.view = [e for part in reversed(found) for e in part] + self.view
        else:
            self.view = self.view + [e for part in found for e in part]
        self._remember(str(query), self.view)
        self.version += 1
        return True

    def _impossible(self, query: Query) -> bool:
        """Whether a positive service/ring/status/author term asks for a value nobody has."""
        for term in query.terms:
            if term.field in FAST_FIELDS and not term.negate and term.value != STUCK:
                if not matching(self._distinct_values(term.field), term):
                    return True
        return False

    def _remember(self, text: str, view: list[Record]) -> None:
        """Keep recent filter results, about four views' worth (backspacing is free)."""
        memo = self._memo
        memo[text] = list(view)
        while len(memo) > 1 and sum(map(len, memo.values())) > 4 * len(self.base) + 1000:
            del memo[next(iter(memo))]

    def set_sort(self, column: str | None, descending: bool) -> None:
        """Sort by a column key of ``present.COLUMNS`` (None / "updated": newest first)."""
        if column == "updated":
            column = None
        if column == self.sort_column and descending == self.descending:
            return
        self.finish()
        if column != self.sort_column:
            self.sort_column = column
            self._key = sort_key_for(column)
            if self.snapshot is not None:
                # From the journey's own order (ties as it keeps them) …
                self.base = list(reversed(_records(self.snapshot)))
                if column is not None:  # … a stable sort on the column alone
                    self.base.sort(key=SORT_KEYS[column])
            else:
                self.base.sort(key=self._key)
            self._memo.clear()  # (the distinct values stay: same deployments)
            self.view = apply_query(self.query, self.base) if self.query else list(self.base)
        self.descending = descending
        self.version += 1


def _records(snapshot: Snapshot) -> tuple[Record, ...]:
    deployments = snapshot.deployments
    if not isinstance(deployments, Deployments):
        if not deployments:  # (the monitor's picture before any load)
            return ()
        raise TypeError("a TableModel reads snapshots published by the index")
    return deployments.records  # type: ignore[return-value]
