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
  searchable field, lower-cased), kept in a dict keyed by ``(partition, id)``.
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
import fnmatch
import re
from collections.abc import Callable, Iterable, Sequence
from operator import attrgetter

from gitops_tui.runtime.gcpause import no_gc
from gitops_tui.domain.model import Deployment, Snapshot
from gitops_tui.domain.query import ALIASES, FIELDS, Query, Term, field_values

Key = tuple[str, str]

# Above this many changed deployments a full rebuild is cheaper than bisecting each.
_INCREMENTAL_LIMIT = 2000
# A free-text filter over more deployments than this finds the first screens' worth
# from the top of the display first (``_FIRST_ROWS``, scanning ``_STEP`` at a time) and
# the rest when the app calls ``finish()`` after the first paint: searching 100k hays
# takes 25-45 ms on its own, a keystroke's whole budget.
_PROGRESSIVE_MIN = 20_000
_FIRST_ROWS = 300
_STEP = 5_000
# The first search stops after this many deployments even with fewer than _FIRST_ROWS
# found (a rare term: "ser" matched 12 of 100k and searched them all, 47 ms).
_HEAD_MAX = 25_000
_STATUS_RANK = {"failed": 0, "in_progress": 1, "waiting": 2, "unknown": 3, "canceled": 4, "succeeded": 5}


def _service(e: Deployment) -> str | None:
    service = e.service
    return service.lower() if service else None


def _author(e: Deployment) -> str | None:
    author = e.author
    return author.lower() if author else None


# Fields as written (for completion), read straight off a deployment.
_RAW_FIELDS: dict[str, Callable[[Deployment], object]] = {
    "service": lambda e: e.service,
    "ring": lambda e: e.ring,
    "author": lambda e: e.author,
}

# Query fields that are a deployment's own attributes, with few distinct values: a
# filter on one decides each value once (see ``_narrow``).
_FAST_FIELDS: tuple[str, ...] = ("service", "ring", "status", "author")


# -- sorting -------------------------------------------------------------------------


def _numeric(value: object) -> tuple[int, int, str]:
    """Build and PR ids sort as numbers when they are numbers; blanks last."""
    if not value:
        return (3, 0, "")
    text = str(value)
    return (1, int(text), "") if text.isdigit() else (2, 0, text.lower())


def _text(value: object) -> str:
    return str(value).lower() if value else "\uffff"  # blanks sort last ascending


SORT_KEYS: dict[str, Callable[[Deployment], object]] = {
    "state": lambda e: _STATUS_RANK.get(e.status, 9),
    "service": lambda e: _service(e) or "\uffff",
    "ring": lambda e: e.ring or "\uffff",
    "author": lambda e: _author(e) or "\uffff",
    # From the hay (lower-cased already): decoding 100k rows per sort would take seconds.
    "image": lambda e: _numeric(e.hot("p1")),
    "metadata": lambda e: _text(e.hot("imageTag")),
    "pr": lambda e: _numeric(e.hot("pr")),
    "merged_by": lambda e: _text(e.hot("mergedBy")),
    "manifest": lambda e: _numeric(e.hot("p3")),
    "clusters": lambda e: ",".join(e.synced_clusters) or "\uffff",
}


def sort_key_for(column: str | None) -> Callable[[Deployment], object]:
    """Ascending key of a column; ties (and ``updated``/None) go by last update."""
    if column is None or column == "updated":
        return _okey
    inner = SORT_KEYS[column]
    return lambda e: (inner(e), e.updated_iso or "")


def _okey(e: Deployment) -> str:
    return e.updated_iso or ""


# -- filtering -------------------------------------------------------------------------


def _value_matches(actual: str | tuple[str, ...] | None, pattern: str, rx: re.Pattern[str] | None) -> bool:
    """``query._field_matches`` with the wildcard pattern compiled once."""
    if actual is None:
        return pattern in ("", "-", "none")
    values = actual if isinstance(actual, tuple) else (actual,)
    for value in values:
        value = value.lower()
        if value == pattern or (rx is not None and rx.match(value)):
            return True
    return False


def _wildcard(pattern: str) -> re.Pattern[str] | None:
    return re.compile(fnmatch.translate(pattern)) if "*" in pattern or "?" in pattern else None


def _matching(values: Iterable[str | None], pattern: str) -> set[str | None]:
    """Which of a field's ``values`` a ``field:pattern`` term accepts."""
    rx = _wildcard(pattern)
    return {v for v in values if _value_matches(v, pattern, rx)}


def _narrow(
    entries: list[Deployment], term: Term,
    distinct: Callable[[str], set[str | None]] | None = None,
) -> list[Deployment]:
    """The entries that satisfy one term (list comprehensions: a few ms per 100k).
    ``distinct(field)``: the values (as kept, not lower-cased) a fast field takes over
    everything; default: over ``entries``."""
    value, negate = term.value, term.negate
    if term.field is None:
        if negate:
            return [e for e in entries if value not in e.hay]
        return [e for e in entries if value in e.hay]
    field = term.field
    if field in _FAST_FIELDS:
        # Few distinct values (services, rings, statuses, authors): decide each once,
        # then one set lookup per row (the values are shared strings: hashed once).
        values = distinct(field) if distinct is not None else {getattr(e, field) for e in entries}
        ok = _matching(values, value)
        if not ok:  # (a value typed halfway: no row has it)
            return list(entries) if negate else []
        if field == "ring":
            return [e for e in entries if (e.ring in ok) != negate]
        if field == "status":
            return [e for e in entries if (e.status in ok) != negate]
        if field == "service":
            return [e for e in entries if (e.service in ok) != negate]
        return [e for e in entries if (e.author in ok) != negate]
    read = FIELDS[field]
    rx = _wildcard(value)
    return [e for e in entries if _value_matches(read(e), value, rx) != negate]


def _term_cost(term: Term) -> int:
    if term.field in _FAST_FIELDS:
        return 0
    return 1 if term.field is None else 2


def apply_query(
    query: Query, entries: list[Deployment],
    distinct: Callable[[str], set[str | None]] | None = None,
) -> list[Deployment]:
    """The entries matching every term, in their order (same result as Query.matches).
    ``distinct``: see ``_narrow``."""
    for term in sorted(query.terms, key=_term_cost):
        entries = _narrow(entries, term, distinct)
        if not entries:
            break
    return entries


def refines(new: Query, old: Query) -> bool:
    """Whether every deployment matching ``new`` also matches ``old`` (so the old
    result can be filtered instead of everything)."""
    if not old.terms:
        return True
    remaining = list(new.terms)
    for term in old.terms:
        if term in remaining:
            remaining.remove(term)
            continue
        # A positive free-text term typed further: "fro" -> "front".
        grown = next(
            (t for t in remaining
             if t.field is None and term.field is None and not t.negate and not term.negate
             and term.value in t.value),
            None,
        )
        if grown is None:
            return False
        remaining.remove(grown)
    return True


# -- the index -------------------------------------------------------------------------


class RowIndex:
    """Filtered, sorted deployments of the latest snapshot (see the module docstring)."""

    def __init__(self) -> None:
        self.snapshot: Snapshot | None = None
        self.entries: dict[Key, Deployment] = {}
        self.base: list[Deployment] = []
        self.view: list[Deployment] = []
        self.query = Query()
        self.query_text = ""
        self.sort_column: str | None = None  # None: last updated
        self.descending = True
        self._key = sort_key_for(None)
        self.version = 0  # bumps whenever the view changes
        self._prime_pos = 0
        # Recent filter results by query text, and the values of the fast fields:
        # both cleared whenever ``base`` changes.
        self._memo: dict[str, list[Deployment]] = {}
        self._distinct: dict[str, set[str | None]] = {}
        self._values: dict[str, set[str]] = {}
        # A filter begun but not finished: (query, source, cut, found), the part of
        # source not searched yet being source[:cut] (descending) or source[cut:], and
        # found the matches in the part searched since; and the last finished (query,
        # view), what the next filter may refine.
        self._rest: tuple[Query, list[Deployment], int, list[list[Deployment]]] | None = None
        self._settled: tuple[Query, list[Deployment]] = (Query(), [])

    # -- reading -----------------------------------------------------------------------

    def __len__(self) -> int:
        """Rows shown (only the first ones found while a filter is not finished)."""
        return len(self.view)

    @property
    def complete(self) -> bool:
        """Whether the view holds every match of the filter (see :meth:`finish`)."""
        return self._rest is None

    @property
    def total(self) -> int:
        return len(self.base)

    def at(self, i: int) -> Deployment:
        """The entry shown at display row ``i``."""
        if i >= len(self.view):
            self.finish()
        view = self.view
        return view[len(view) - 1 - i] if self.descending else view[i]

    def window(self, start: int, stop: int) -> list[Deployment]:
        n = len(self.view)
        return [self.at(i) for i in range(max(0, start), min(n, stop))]

    def get(self, key: Key) -> Deployment | None:
        return self.entries.get(key)

    def _position(self, entries: list[Deployment], entry: Deployment) -> int | None:
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
        if key is None:
            return None
        entry = self.entries.get(key)
        if entry is None:
            return None
        i = self._position(self.view, entry)
        if i is None and self._rest is not None and apply_query(self.query, [entry]):
            self.finish()  # a match not found yet: keep the cursor on it
            i = self._position(self.view, entry)
        if i is None:
            return None
        return len(self.view) - 1 - i if self.descending else i

    def deployments(self) -> Iterable[Deployment]:
        """The shown deployments in display order (every match: finishes a filter)."""
        self.finish()
        view = self.view
        return reversed(view) if self.descending else iter(view)

    # -- changing ----------------------------------------------------------------------

    def load(self, snapshot: Snapshot) -> None:
        """Take a whole snapshot."""
        with no_gc():
            base = list(reversed(snapshot.deployments))  # the journey's order, ascending
            entries = {d.key: d for d in base}
            if self.sort_column is not None:
                # Stable, on the journey's order: ties stay by last update, as the
                # full key (column, update) that bisect uses has them. Sorting on the
                # column alone compares single values: about twice as fast.
                base.sort(key=SORT_KEYS[self.sort_column])
        self.snapshot = snapshot
        self.entries = entries
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
        found: dict[Key, Deployment] = {}
        wanted = set(changed)
        for d in snapshot.deployments:  # changes are nearly always the newest rows
            key = d.key
            if key in wanted:
                found[key] = d
                wanted.discard(key)
                if not wanted:
                    break
        query = self.query
        self._memo.clear()
        for key in changed:
            old = self.entries.pop(key, None)
            if old is not None:
                self._remove(self.base, old)
                self._remove(self.view, old)
        # Oldest first, each after its equals: the order the journey put them in, so
        # ties (rows written in one batch share a timestamp) come out as in a reload.
        for key, entry in reversed(found.items()):
            self.entries[key] = entry
            # A new ring, service or author must be known before a filter asks for it.
            self._learn(entry)
            bisect.insort_right(self.base, entry, key=self._key)
            if not query or apply_query(query, [entry]):
                bisect.insort_right(self.view, entry, key=self._key)
        self.snapshot = snapshot
        self.version += 1
        return True

    def _remove(self, entries: list[Deployment], entry: Deployment) -> None:
        i = self._position(entries, entry)
        if i is not None:
            del entries[i]

    def set_query(self, text: str) -> bool:
        """Filter by ``text`` (the Query language). Returns False if the rows shown
        did not change."""
        query = Query.parse(text)
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
            source = settled_view if refines(query, settled_query) else self.base
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
        self, query: Query, source: list[Deployment]
    ) -> tuple[list[Deployment], tuple[Query, list[Deployment], int, list[list[Deployment]]] | None]:
        """The matches at the top of the display, at least ``_FIRST_ROWS`` of them if
        there are, in view order; and what is left to search (None if nothing)."""
        parts: list[list[Deployment]] = []
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
        """Whether a positive service/ring/status/author term asks for a value no
        deployment has."""
        for term in query.terms:
            if term.field in _FAST_FIELDS and not term.negate:
                if not _matching(self._distinct_values(term.field), term.value):
                    return True
        return False

    def _distinct_values(self, field: str) -> set[str | None]:
        """The values a fast field takes over ``base``, as the deployments hold them
        (kept until ``base`` changes)."""
        found = self._distinct.get(field)
        if found is None:
            found = self._distinct[field] = set(map(attrgetter(field), self.base))
        return found

    def _remember(self, text: str, view: list[Deployment]) -> None:
        """Keep recent filter results (backspacing over a filter costs nothing), up to
        about four views of everything."""
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
            with no_gc():
                if self.snapshot is not None:
                    # From the journey's own order (ties as it keeps them) …
                    entries = self.entries
                    self.base = [entries[d.key] for d in reversed(self.snapshot.deployments)]
                    if column is not None:  # … a stable sort on the column alone
                        self.base.sort(key=SORT_KEYS[column])
                else:
                    self.base.sort(key=self._key)
            self._memo.clear()  # (the distinct values stay: same deployments)
            self.view = apply_query(self.query, self.base) if self.query else list(self.base)
        self.descending = descending
        self.version += 1

    @property
    def primed(self) -> bool:
        """Whether the value sets filters and pickers ask for are computed (see
        :meth:`prime`)."""
        return self._prime_pos >= len(_FAST_FIELDS) + len(_RAW_FIELDS)

    def prime(self, budget: int = 1) -> bool:
        """Compute up to ``budget`` of the value sets the filter and the pickers ask
        for (each a pass over every deployment), ahead of the first use, in idle time.
        Returns True when all are done."""
        jobs = [*((self._distinct_values, f) for f in _FAST_FIELDS), *((self.values, f) for f in _RAW_FIELDS)]
        while self._prime_pos < len(jobs) and budget > 0:
            compute, field = jobs[self._prime_pos]
            compute(field)
            self._prime_pos += 1
            budget -= 1
        return self.primed

    # -- for the pickers ---------------------------------------------------------------

    def values(self, field: str) -> list[str]:
        """Distinct values of a field over every deployment (not just the shown ones),
        as written, for the pickers and the filter's completion. Kept between calls:
        an update adds the values of the deployments it brings (a value that is gone
        may linger: harmless for completion)."""
        name = ALIASES.get(field, field)
        found = self._values.get(name)
        if found is None:
            read = _RAW_FIELDS.get(name)
            if read is None:
                found = set(field_values(self.base, name))
            else:
                found = {str(v) for v in map(read, self.base) if v}
            self._values[name] = found
        return sorted(found, key=str.lower)

    def _learn(self, entry: Deployment) -> None:
        """Add a new deployment's values to the distinct-value caches."""
        for field, values in self._distinct.items():
            values.add(getattr(entry, field))
        for name, values in self._values.items():
            read = _RAW_FIELDS.get(name)
            if read is not None:
                value = read(entry)
                if value:
                    values.add(str(value))
            else:
                values.update(field_values([entry], name))


def replace_term(text: str, field: str, value: str) -> str:
    """``text`` with its positive ``field:`` term(s) replaced by ``field:value``."""
    query = Query.parse(text)
    terms: Sequence[Term] = [t for t in query.terms if not (t.field == field and not t.negate)]
    return str(Query((*terms, Term(field, value.lower()))))
