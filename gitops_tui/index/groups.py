"""Duplicate groups: rows that are one deployment written twice (retried stages).

The rule is :func:`gitops_tui.domain.rules.duplicate_group` and ``rules.collapse``.
Most groups have one row, so the index keeps only each group's first key, under the
group's hash (a record keeps only the hash: ``building.group_hash``), and the member
list and rows for the rare groups with more. A hash is a candidate: the first key found
under it counts only if its row's group is the group asked about; a group whose hash
another group holds (a collision) keeps its first key under the group itself.
"""

from __future__ import annotations

from collections.abc import Hashable

from gitops_tui.domain import rules
from gitops_tui.domain.rows import Key, Row
from gitops_tui.index import building
from gitops_tui.index.building import Group, duplicate_key, to_record
from gitops_tui.index.records import Record



class DuplicateGroups:
    """The duplicate-group half of :class:`~gitops_tui.index.journey.JourneyIndex`
    (which holds ``_first``, ``_first_exact``, ``_multi``, ``_member_rows`` and
    ``deployments``)."""

    _first: dict[int, Key]  # group hash -> the first key of the group holding the hash
    _first_exact: dict[Group, Key]  # the first key of a group whose hash another holds
    _multi: dict[Group, list[Key]]
    _member_rows: dict[Key, Row]
    deployments: dict[Key, Record]

    def row(self, key: Key) -> Row | None:
        """The stored row with this key (not the merged row of a collapsed group)."""
        found = self._member_rows.get(key)
        if found is not None:
            return found
        deployment = self.deployments.get(key)
        return deployment.row if deployment is not None else None

    def _first_slot(self, group: Group, key: Key, pending: dict[Key, Row]) -> tuple[dict, Hashable, Key | None]:
        """Where the first key of ``group`` is kept (a dict and the place in it), and
        that key (None if the group has no member yet). ``key``: the row being moved
        (an entry that is its own is its group's: a key is in one group)."""
        exact = self._first_exact
        if exact and group in exact:
            return exact, group, exact[group]
        at = building.group_hash(group)
        found = self._first.get(at)
        if found is None or found == key or self._group_of(found, pending) == group:
            return self._first, at, found
        return exact, group, None  # another group holds the hash

    def _join(self, group: Group, key: Key, row: Row, pending: dict[Key, Row] | None = None) -> None:
        """Add ``key`` (whose row is ``row``) to a group; ``pending`` holds rows whose
        deployments are about to be rebuilt, so a first member's row is found there."""
        multi = self._multi.get(group)
        if multi is None:
            slot, at, first = self._first_slot(group, key, pending or {})
            if first is None:
                slot[at] = key
                return
            if first == key:
                return
            first_row = (pending or {}).get(first) or self.row(first)
            self._member_rows[first] = first_row if first_row is not None else {}
            multi = self._multi[group] = [first]
        if key not in multi:
            multi.append(key)
        self._member_rows[key] = row

    def _leave(self, group: Group, key: Key) -> tuple[Key, Row] | None:
        """Take ``key`` out of a group. When one member is left it is no longer a
        duplicate: its key and row are returned so its own deployment can be rebuilt."""
        multi = self._multi.get(group)
        slot, at, first = self._first_slot(group, key, {})
        if multi is None:
            if first == key:
                del slot[at]
            return None
        multi.remove(key)
        self._member_rows.pop(key, None)
        slot[at] = multi[0]
        if len(multi) > 1:
            return None
        del self._multi[group]
        last = multi[0]
        return last, self._member_rows.pop(last)

    def _group_of(self, key: Key, pending: dict[Key, Row]) -> Group | None:
        """The duplicate group the row with ``key`` is in now, if any."""
        row = pending.get(key) or self._member_rows.get(key)
        if row is not None:
            return duplicate_key(row)
        deployment = self.deployments.get(key)
        if deployment is None or deployment.group is None:
            return None
        return duplicate_key(deployment.row)  # (a record keeps only the group's hash)

    def _collapsed(self, members: list[Key]) -> Record:
        merged, others = rules.collapse([self._member_rows[k] for k in members])
        deployment = to_record(merged)
        deployment.duplicates = others
        return deployment
