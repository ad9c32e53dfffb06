"""Duplicate groups: rows that are one deployment written twice (retried stages).

The rule is :func:`gitops_tui.domain.rules.duplicate_group` and ``rules.collapse``.
Most groups have one row, so the index keeps only each group's first key, and the
member list and rows for the rare groups with more.
"""

from __future__ import annotations

from gitops_tui.domain import rules
from gitops_tui.domain.rows import Row
from gitops_tui.index.building import Group, duplicate_key, to_record
from gitops_tui.index.records import Record

Key = tuple[str, str]


class DuplicateGroups:
    """The duplicate-group half of :class:`~gitops_tui.index.journey.JourneyIndex`
    (which holds ``_first``, ``_multi``, ``_member_rows`` and ``deployments``)."""

    _first: dict[Group, Key]
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

    def _join(self, group: Group, key: Key, row: Row, pending: dict[Key, Row] | None = None) -> None:
        """Add ``key`` (whose row is ``row``) to a group; ``pending`` holds rows whose
        deployments are about to be rebuilt, so a first member's row is found there."""
        multi = self._multi.get(group)
        if multi is None:
            first = self._first.setdefault(group, key)
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
        if multi is None:
            if self._first.get(group) == key:
                del self._first[group]
            return None
        multi.remove(key)
        self._member_rows.pop(key, None)
        self._first[group] = multi[0]
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
        return deployment.group if deployment is not None else None

    def _collapsed(self, members: list[Key]) -> Record:
        merged, others = rules.collapse([self._member_rows[k] for k in members])
        deployment = to_record(merged)
        deployment.duplicates = others
        return deployment
