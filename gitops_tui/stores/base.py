"""The one small interface every telemetry store implements, and its errors.

Rows are plain dicts (see :mod:`gitops_tui.domain.model`): ``PartitionKey``, ``RowKey``,
``Timestamp`` (ISO-8601 UTC string, set by the store on every write) and string columns.
Error messages never carry secrets: stores build them from the safe ``description``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import orjson

from gitops_tui.domain.rows import Row, cluster_partition
from gitops_tui.stores.projection import RECORD_SEP

Cursor = Any  # opaque to callers; each store defines its own
# Documents per block of a page (``Page.doc_blocks``), as the index compresses them: one
# compressing call per block (GIL hand-offs).
BLOCK_ROWS = 256


class StoreError(Exception):
    """A store operation failed; the message is safe to show (no secrets)."""


class TableMissingError(StoreError):
    """The configured table does not exist."""


class StoreReplaced(StoreError):
    """``changed_since`` found the data replaced under it (a SQLite file moved over, or
    rows removed): a cursor from before means nothing, read everything again."""


class ConflictError(StoreError):
    """An insert found the key taken, or a replace found a newer ETag."""


@dataclass(frozen=True, slots=True)
class BadRow:
    """A stored row that is not an entity (a JSON document written by hand that is not
    an object, or whose keys are not text): skipped by reads, listed by ``check``.
    ``partition``/``key``/``where`` come from the store's own columns; ``reason`` says
    what is wrong. All raw text: clean it before showing it."""

    partition: str
    key: str
    where: str  # how to find it by hand, e.g. "rowid 12"
    reason: str


class Page(Sequence[Row]):
    """One page of rows, decoded on first use.

    A store that keeps rows as JSON (SQLite) also hands over the documents, ``docs``
    (or, cheaper, ``doc_blocks``: consecutive documents joined by RS, 0x1e, with how
    many each holds) and ``projections`` (see ``stores.projection``; "" where a row has
    none): a compact journey builds deployments from those and never decodes the page.
    """

    __slots__ = ("_rows", "_docs", "doc_blocks", "projections")

    def __init__(
        self,
        rows: Iterable[Row] | None = None,
        docs: list[bytes] | None = None,
        projections: list[str] | None = None,
        doc_blocks: list[tuple[bytes, int]] | None = None,
    ) -> None:
        self._rows = list(rows) if rows is not None else None
        self._docs = docs
        self.projections = projections
        self.doc_blocks = doc_blocks

    @property
    def docs(self) -> list[bytes] | None:
        if self._docs is None and self.doc_blocks is not None:
            rs = RECORD_SEP.encode()
            self._docs = [doc for blob, _ in self.doc_blocks for doc in blob.split(rs)]
        return self._docs

    @property
    def rows(self) -> list[Row]:
        found = self._rows
        if found is None:
            loads = orjson.loads
            found = self._rows = [loads(doc) for doc in self.docs or ()]
        return found

    def __len__(self) -> int:
        if self._rows is not None:
            return len(self._rows)
        if self.doc_blocks is not None:
            return sum(count for _, count in self.doc_blocks)
        return len(self._docs or ())

    def __getitem__(self, i):  # type: ignore[no-untyped-def, override]
        return self.rows[i]

    def __iter__(self) -> Iterator[Row]:
        return iter(self.rows)


@dataclass(frozen=True, slots=True)
class Versioned:
    """A row with the ETag it was read at, for optimistic-concurrency writes."""

    row: Row
    etag: str


@runtime_checkable
class Store(Protocol):
    """Async access to one telemetry table.

    ``partition`` (None = every partition) scopes ``scan``/``changed_since``/``count``
    to that partition and its cluster-sync partition.
    """

    description: str  # e.g. "sqlite:telemetry.db" or "azure:acct/deployments"; no secrets
    partition: str | None

    async def open(self, create: bool = False) -> None:
        """Connect; with ``create``, make the table if it is missing."""

    async def close(self) -> None: ...

    def scan(self, page_size: int = 1000, first_page: int | None = None) -> AsyncIterator[Sequence[Row]]:
        """Every row in scope, page by page, following continuation to the end.

        A store may make the first page ``first_page`` rows long (newest first where it
        can), so a view can draw its first screen before the rest arrives."""

    # Optional abilities are declared as Protocols of their own below (ProjectedScan):
    # callers test them with isinstance, never by probing attributes.

    async def cursor_now(self) -> Cursor:
        """A cursor from which ``changed_since`` sees every later write.

        Call it *before* a full scan so nothing written during the scan is missed.
        """

    async def changed_since(self, cursor: Cursor) -> tuple[list[Row], Cursor]:
        """Rows written since ``cursor`` (possibly a few already seen) and the next cursor.

        Raises :class:`StoreReplaced` when the data behind the cursor was replaced: the
        caller then loads everything again (``cursor_now`` and a full scan)."""

    async def get(self, partition: str, row_key: str) -> Versioned | None: ...

    async def find(self, partition: str, column: str, value: str) -> list[Versioned]:
        """Rows of ``partition`` whose ``column`` equals ``value``."""

    async def insert(self, row: Row) -> str:
        """Insert a new row; ConflictError if the key exists. Returns the new ETag."""

    async def replace(self, row: Row, etag: str) -> str:
        """Replace a row only if it still has ``etag``; ConflictError otherwise."""

    async def upsert_many(self, rows: Iterable[Row]) -> int:
        """Insert or replace rows in batches (import). Returns how many were written.

        Rows the store refuses (too large, a bad key) never cost the others: every row
        it can write is written, then ``stores.bulk.PartialWriteError`` names the refused."""

    async def count(self) -> int: ...


@runtime_checkable
class ProjectedScan(Protocol):
    """A store that can hand over its rows undecoded: pages as ``scan`` gives them, with
    ``Page.doc_blocks``/``Page.docs`` and ``Page.projections`` (``stores.projection``),
    so a full load never decodes a document (SQLite)."""

    def scan_projected(self, page_size: int = 1000, first_page: int | None = None) -> AsyncIterator[Page]: ...


@runtime_checkable
class ReportsBadRows(Protocol):
    """A store whose reads skip rows that are not entities (SQLite: documents written by
    hand) rather than fail. ``bad_rows``: those in scope as of the last full scan and
    the ``changed_since`` polls after it (a bad row rewritten as a good one leaves it)."""

    bad_rows: Sequence[BadRow]


@runtime_checkable
class ListsKeys(Protocol):
    """A store that can list the keys of every row in scope cheaply, so a monitor can
    notice deleted rows (``changed_since`` only sees writes)."""

    async def keys(self) -> set[tuple[str, str]]: ...


@runtime_checkable
class FindsMissing(Protocol):
    """A store that can tell which of some keys it no longer holds without building a
    set of every key it has (``ListsKeys``): 100k fresh key tuples a reconcile left
    ~18 MB of Python heap arenas behind that a process never got back."""

    async def missing(self, keys: set[tuple[str, str]]) -> set[tuple[str, str]]: ...


def in_scope(row_partition: str, partition: str | None) -> bool:
    """Whether a row of ``row_partition`` belongs to a store scoped to ``partition``."""
    return partition is None or row_partition in (partition, cluster_partition(partition))


async def load_all(store: Store, page_size: int = 1000) -> tuple[list[Row], Cursor]:
    """Read every row in scope and a cursor for the incremental polls that follow."""
    cursor = await store.cursor_now()
    rows: list[Row] = []
    async for page in store.scan(page_size):
        rows.extend(page)
    return rows, cursor
