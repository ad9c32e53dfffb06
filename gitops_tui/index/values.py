"""The value sets of a table model: what each field takes, for filters and pickers.

A filter on a fast field (service, ring, status, author) decides each distinct value
once; the pickers and the filter's completion list the values present. Each set is a
pass over every record: computed in idle time ahead of first use (``prime``), kept
until the records change, and grown by the records an update brings.
"""

from __future__ import annotations

from collections.abc import Iterable
from operator import attrgetter

from gitops_tui.domain.query import ALIASES, distinct_values
from gitops_tui.index.matching import FAST_FIELDS, FIELD_OF, RAW_FIELDS
from gitops_tui.index.records import Record


class ValueSets:
    """The value-set half of :class:`~gitops_tui.index.table.TableModel` (which holds
    ``base``, every record, and clears the caches when it changes)."""

    base: list[Record]
    _distinct: dict[str, set[str | None]]
    _values: dict[str, set[str]]
    _prime_pos: int

    def _distinct_values(self, field: str) -> set[str | None]:
        """The values a fast field takes over ``base``, as the deployments hold them
        (kept until ``base`` changes)."""
        found = self._distinct.get(field)
        if found is None:
            found = self._distinct[field] = set(map(attrgetter(field), self.base))
        return found

    @property
    def primed(self) -> bool:
        """Whether the value sets filters and pickers ask for are computed (see
        :meth:`prime`)."""
        return self._prime_pos >= len(FAST_FIELDS) + len(RAW_FIELDS)

    def prime(self, budget: int = 1) -> bool:
        """Compute up to ``budget`` of the value sets the filter and the pickers ask
        for (each a pass over every deployment), ahead of the first use, in idle time.
        Returns True when all are done."""
        jobs = [*((self._distinct_values, f) for f in FAST_FIELDS), *((self.values, f) for f in RAW_FIELDS)]
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
            read = RAW_FIELDS.get(name)
            if read is None:
                found = _values_of(self.base, name)
            else:
                found = {str(v) for v in map(read, self.base) if v}
            self._values[name] = found
        return sorted(found, key=str.lower)

    def _learn(self, entry: Record) -> None:
        """Add a new deployment's values to the distinct-value caches."""
        for field, values in self._distinct.items():
            values.add(getattr(entry, field))
        for name, values in self._values.items():
            read = RAW_FIELDS.get(name)
            if read is not None:
                value = read(entry)
                if value:
                    values.add(str(value))
            else:
                values.update(_values_of([entry], name))


def _values_of(records: Iterable[Record], field: str) -> set[str]:
    return distinct_values(records, FIELD_OF[field])
