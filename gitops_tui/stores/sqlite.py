"""The embedded default store: one SQLite file holding the same entities as Azure.

An entity is stored whole, with the same property names, as a JSON document: a row
means the same here as in Azure, stray columns included. ``PartitionKey``/``RowKey``
are also real columns (a unique key), ``seq`` is a change counter (the incremental
cursor) and ``etag`` a per-write version for ``replace``. ``seq`` is the rowid, so the
rows lie in write order and a newest-first scan reads the file sequentially (a
WITHOUT ROWID table keyed by PartitionKey/RowKey made the file 3.4x larger with ~1 KB
documents and the same scan 10-25x slower). A JSON document costs one C-level
parse per row where 40 sparse TEXT columns cost ~100 ns per NULL in sqlite3 (measured:
a 100k-row load went from 0.9 s to 0.5 s); the ``<table>_columns`` view gives the
familiar columns back for ad-hoc SQL.

``proj`` holds each row's projection (``model.projection``), written with the document:
the monitor's full load (``scan_projected``) builds deployments from it and never
decodes the documents. It is a cache: NULL (rows written before it existed) or a
projection of another version means "read the document".
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
import threading
import uuid
from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from typing import Any

import orjson

from gitops_tui.config import StoreConfig
from gitops_tui.domain.rows import Key, Row, cluster_partition
from gitops_tui.stores.projection import RECORD_SEP, projection
from gitops_tui.domain.timefmt import parse_iso, to_iso, utcnow
from gitops_tui.stores.sqlite_schema import add_projection, error_text, file_identity as _identity, has_table, json_path, table_sql
from gitops_tui.stores.base import BLOCK_ROWS, BadRow, ConflictError, Page, StoreError, StoreReplaced, TableMissingError, Versioned
from gitops_tui.stores.bulk import Refused, write_batches
from gitops_tui.stores.thread import OneThread
from gitops_tui.stores.sqlite_rows import block_by_rows, missing_keys, entities_only, entities_page, entity_of, fill_projections

_COLUMN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,254}")
# The key columns, and what a read of documents selects (see ``stores.sqlite_rows``).
_KEYS = '"PartitionKey", "RowKey"'
_DOC_COLUMNS = f"CAST(doc AS BLOB), seq, {_KEYS}"


class SqliteStore:
    """Async facade over a stdlib sqlite3 connection used from one worker thread."""

    def __init__(self, config: StoreConfig) -> None:
        self.path = Path(config.path)
        self.table = config.table
        self.partition = config.partition
        self.timeout_s = config.timeout_s  # a wait for another connection's lock (store.timeout)
        self.description = f"sqlite:{self.path}"
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.Lock()
        self._thread = OneThread("gitops-tui-sqlite")
        self._has_proj = self._trust_proj = False
        self._bad: dict[Key, BadRow] = {}
        # The file (device, inode) open, and the one ``cursor_now`` was taken on (a poll that finds another reloads).
        self._file: tuple[int, int] | None = None
        self._cursor_file: tuple[int, int] | None = None

    # -- plumbing ------------------------------------------------------------------

    async def open(self, create: bool = False) -> None:
        await self._thread.run(self._open, create)

    def _open(self, create: bool) -> None:
        if self._conn is not None:
            return
        if not create and not self.path.exists():
            raise TableMissingError(f"{self.description}: no such database file")
        try:
            if create:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(
                self.path, timeout=self.timeout_s, isolation_level=None, check_same_thread=False
            )
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            if create:
                conn.executescript(table_sql(self.table))
            elif not has_table(conn, self.table):
                conn.close()
                raise TableMissingError(f"{self.description}: table {self.table!r} does not exist")
            self._has_proj, self._trust_proj = add_projection(conn, self.table, self.timeout_s)
        except sqlite3.Error as exc:
            raise StoreError(f"{self.description}: {error_text(exc, self.path)}") from None
        except OSError as exc:
            raise StoreError(f"{self.description}: {exc.strerror or exc}") from None
        self._conn = conn
        self._file = _identity(self.path)

    async def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            await self._thread.run(conn.close)
        self._thread.stop()

    async def _run(self, fn: Any, *args: Any) -> Any:
        if self._conn is None:
            await self.open()
        return await self._thread.run(self._locked, fn, *args)

    def _locked(self, fn: Any, *args: Any) -> Any:
        with self._lock:
            try:
                return fn(self._conn, *args)
            except sqlite3.Error as exc:
                raise StoreError(f"{self.description}: {error_text(exc, self.path)}") from None

    def _scope(self) -> tuple[str, tuple[str, ...]]:
        if self.partition is None:
            return "1=1", ()
        return '"PartitionKey" IN (?, ?)', (self.partition, cluster_partition(self.partition))

    # -- reading -------------------------------------------------------------------

    @property
    def bad_rows(self) -> tuple[BadRow, ...]:
        """Rows in scope that are not entities (``stores.sqlite_rows``), as of the last
        full scan and the polls since: reads skip them."""
        return tuple(self._bad.values())

    async def scan(self, page_size: int = 1000, first_page: int | None = None) -> AsyncIterator[Page]:
        """Newest writes first, keyset-paged on the change counter.

        ``first_page`` (smaller) gets the newest screenful out fast. The next page is
        fetched in the worker thread while this one is decoded.
        """
        async for page in self._pages(self._scan_page, page_size, first_page):
            yield page

    async def scan_projected(self, page_size: int = 1000, first_page: int | None = None) -> AsyncIterator[Page]:
        """``scan`` for a compact journey: each page holds the rows' documents and
        projections (see ``model.projection``) and decodes documents only if read."""
        async for page in self._pages(self._projected_page, page_size, first_page):
            yield page

    async def _pages(self, fetch_page: Any, page_size: int, first_page: int | None) -> AsyncIterator[Page]:
        where, args = self._scope()
        size = first_page or page_size
        self._bad = {}  # a full scan finds them all again
        fetch = asyncio.ensure_future(self._run(fetch_page, where, args, None, size))
        try:
            while True:
                # (``fetched`` counts bad rows too: a page may be short of them.)
                page, last, fetched = await fetch
                if not fetched:
                    return
                more = fetched == size
                size = page_size
                if more:
                    fetch = asyncio.ensure_future(self._run(fetch_page, where, args, last, page_size))
                if len(page):
                    yield page
                if not more:
                    return
        finally:
            if not fetch.done():
                fetch.cancel()

    def _page_sql(self, where: str, args: tuple[str, ...], last: int | None, columns: str) -> tuple[str, tuple[Any, ...]]:
        if last is not None:
            where, args = f"{where} AND seq < ?", (*args, last)
        # NOT INDEXED keeps the planner on the rowid (seq) order: with the key index it
        # sorts the whole partition for every page (measured: 10.8 s for 100k rows).
        return (
            f'SELECT {columns} FROM "{self.table}" NOT INDEXED WHERE {where} ORDER BY seq DESC LIMIT ?',
            args,
        )

    def _scan_page(
        self, conn: sqlite3.Connection, where: str, args: tuple[str, ...], last: int | None, size: int
    ) -> tuple[Page, int | None, int]:
        # Documents and seq only: every row an entity is the common case, and reading the
        # keys too cost 200k strings a 100k-row load (~8 %); a page with a bad row is
        # read again with them, for the report.
        sql, page_args = self._page_sql(where, args, last, "CAST(doc AS BLOB), seq")
        fetched = conn.execute(sql, (*page_args, size)).fetchall()
        page = entities_only(fetched, self._bad)
        if page is None:
            sql, page_args = self._page_sql(where, args, last, _DOC_COLUMNS)
            fetched = conn.execute(sql, (*page_args, size)).fetchall()
            page = entities_page(fetched, self._bad)
        return page, (fetched[-1][1] if fetched else None), len(fetched)

    def _projected_page(
        self, conn: sqlite3.Connection, where: str, args: tuple[str, ...], last: int | None, size: int
    ) -> tuple[Page, int | None, int]:
        """A page as blocks of ``BLOCK_ROWS`` documents and their projections, the
        lowest ``seq`` in it and how many rows it read (bad ones too).

        Each block comes back as one value per column, its documents (projections)
        joined by RS (0x1e, which valid JSON never contains). sqlite steps without the
        GIL, but building each Python row takes it back: with that hand-off per row,
        against the thread joining the previous page, a page took 90 ms instead of 15.
        And no object per document means nothing small left behind in the heap. A row
        without a projection gets one here from its document, checked; a block with a
        bad row is read again row by row, without it (``stores.sqlite_rows``).
        """
        proj = "coalesce(proj, '')" if self._trust_proj else "''"
        blocks: list[tuple[bytes, int]] = []
        projections: list[str] = []
        read = 0
        while size > 0:  # one query per block, keyset-paged like the pages
            block, block_args = self._page_sql(where, args, last, f"doc, {proj} AS proj, seq")
            rs = f"char({ord(RECORD_SEP)})"
            sql = (
                f"SELECT CAST(group_concat(doc, {rs}) AS BLOB), group_concat(proj, {rs}), "
                f"count(*), min(seq) FROM ({block})"
            )
            wanted = min(size, BLOCK_ROWS)
            try:
                docs, joined, count, lowest = conn.execute(sql, (*block_args, wanted)).fetchone()
                lines = fill_projections(docs, joined.split(RECORD_SEP), count) if count else []
            except sqlite3.DataError:  # a block longer than SQLITE_MAX_LENGTH: row by row
                lines = None
            if lines is None:  # (the keys too, for the report of a bad row)
                block, block_args = self._page_sql(where, args, last, f"doc, {proj} AS proj, seq, {_KEYS}")
                rows = conn.execute(block, (*block_args, wanted)).fetchall()
                docs, kept, lines = block_by_rows(rows, self._bad)
                count, lowest = len(rows), (rows[-1][2] if rows else None)
            else:
                kept = count
            if not count:
                break
            if kept:
                blocks.append((docs, kept))
                projections.extend(lines)
            read += count
            last, size = lowest, size - count
            if count < wanted:
                break
        if not blocks:
            return Page([]), last, read
        return Page(None, None, projections, blocks), last, read

    async def cursor_now(self) -> int:
        sql = f'SELECT coalesce(max(seq), 0) FROM "{self.table}"'
        cursor = await self._run(lambda conn: conn.execute(sql).fetchone()[0])
        self._cursor_file = self._file
        return cursor  # type: ignore[no-any-return]

    def _same_file(self, conn: sqlite3.Connection, cursor: int) -> None:
        """StoreError if the file is gone; StoreReplaced if another file is at the path
        (moved over it) or rows are gone (the cursor is past the last one)."""
        try:
            found = _identity(self.path)
        except FileNotFoundError:
            raise StoreError(f"{self.description}: file removed") from None
        except OSError as exc:
            raise StoreError(f"{self.description}: {exc.strerror or exc}") from None
        if self._cursor_file is None:  # (a cursor from elsewhere: taken as this file's)
            self._cursor_file = self._file
        if found != self._cursor_file:
            raise StoreReplaced(f"{self.description}: file replaced")
        if conn.execute(f'SELECT coalesce(max(seq), 0) FROM "{self.table}"').fetchone()[0] < cursor:
            raise StoreReplaced(f"{self.description}: rows removed")

    async def changed_since(self, cursor: int) -> tuple[list[Row], int]:
        where, args = self._scope()
        sql = (
            f'SELECT {_DOC_COLUMNS} FROM "{self.table}" NOT INDEXED '
            f"WHERE {where} AND seq > ? ORDER BY seq"
        )

        def read(conn: sqlite3.Connection) -> tuple[list[Row], int]:
            self._same_file(conn, cursor)
            fetched = conn.execute(sql, (*args, cursor)).fetchall()
            page = entities_page(fetched, self._bad) if fetched else []
            return (page if len(page) else []), (fetched[-1][1] if fetched else cursor)

        try:
            return await self._run(read)  # type: ignore[no-any-return]
        except StoreReplaced:
            await self.close()  # (the next open takes the file now at the path)
            raise

    def _entity(self, doc: bytes | str, key: str) -> Row:
        found = entity_of(doc)
        if type(found) is str:
            raise StoreError(f"{self.description}: row {key} is not an entity ({found}): see gitops-tui check")
        return found  # type: ignore[return-value]

    async def get(self, partition: str, row_key: str) -> Versioned | None:
        sql = f'SELECT doc, etag FROM "{self.table}" WHERE "PartitionKey"=? AND "RowKey"=?'
        found = await self._run(lambda conn: conn.execute(sql, (partition, row_key)).fetchone())
        return None if found is None else Versioned(self._entity(found[0], row_key), found[1])

    async def find(self, partition: str, column: str, value: str) -> list[Versioned]:
        if not _COLUMN_NAME.fullmatch(column):
            raise StoreError(f"{self.description}: {column!r} is not a column name")
        # The JSON path is written into the SQL, not bound: only then does it match the
        # expression indexes on the columns the writer looks rows up by.
        sql = (
            f'SELECT doc, etag FROM "{self.table}" '
            f"WHERE \"PartitionKey\"=? AND json_extract(doc, '{json_path(column)}')=? ORDER BY seq"
        )
        slow = f'SELECT doc, etag FROM "{self.table}" WHERE "PartitionKey"=? ORDER BY seq'

        def read(conn: sqlite3.Connection) -> list[tuple[str, str]]:
            try:
                return conn.execute(sql, (partition, value)).fetchall()
            except sqlite3.OperationalError:  # a document that is not JSON (no index keeps it out)
                return conn.execute(slow, (partition,)).fetchall()

        # (A bad row is skipped: it is no row the writer could update.)
        return [
            Versioned(row, etag) for doc, etag in await self._run(read)
            if type(row := entity_of(doc)) is dict and row.get(column) == value
        ]

    async def count(self) -> int:
        where, args = self._scope()
        sql = f'SELECT count(*) FROM "{self.table}" WHERE {where}'
        return await self._run(lambda conn: conn.execute(sql, args).fetchone()[0])

    async def keys(self) -> set[tuple[str, str]]:
        """``(PartitionKey, RowKey)`` of every row in scope (``ListsKeys``)."""
        return await self._run(lambda conn: set(conn.execute(*self._keys_sql())))

    async def missing(self, keys: set[tuple[str, str]]) -> set[tuple[str, str]]:
        """Those of ``keys`` no row in scope has (``FindsMissing``), read one key at a time."""
        return await self._run(missing_keys, self._keys_sql(), keys)  # type: ignore[no-any-return]

    def _keys_sql(self) -> tuple[str, tuple[str, ...]]:  # (every key in scope)
        return f'SELECT "PartitionKey", "RowKey" FROM "{self.table}" NOT INDEXED WHERE {self._scope()[0]}', self._scope()[1]

    # -- writing -------------------------------------------------------------------

    def _write(self, conn: sqlite3.Connection, rows: list[Row], mode: str, etag: str | None,
               keep_stamps: bool = False) -> str:
        """One transaction; ``mode`` insert | replace | upsert. Returns the last ETag."""
        conn.execute("BEGIN IMMEDIATE")  # serialises writers across processes
        try:
            seq = conn.execute(f'SELECT coalesce(max(seq), 0) FROM "{self.table}"').fetchone()[0]
            stamp = to_iso(utcnow())
            new_etag = ""
            for at, row in enumerate(rows):
                seq += 1
                new_etag = f'W/"{seq}-{uuid.uuid4().hex[:8]}"'
                doc = {k: str(v) for k, v in row.items() if v is not None and v != ""}
                own = doc.get("Timestamp") if keep_stamps else None  # (a restore keeps a valid one)
                row_stamp = own if own and parse_iso(own) is not None else stamp
                doc["Timestamp"] = row_stamp
                key = (str(doc.get("PartitionKey", "")), str(doc.get("RowKey", "")))
                if not key[1]:
                    raise Refused(self.description, at, "a row needs a RowKey")
                try:
                    text = orjson.dumps(doc).decode("utf-8")
                except orjson.JSONEncodeError as exc:  # a lone surrogate ("\ud800") in a value
                    raise Refused(self.description, at, f"cannot be stored ({exc})") from None
                # (A file whose proj column could not be added gets none.)
                proj = (projection(doc),) if self._has_proj else ()
                proj_set = ", proj=?" if proj else ""
                if mode == "replace":
                    cur = conn.execute(
                        f'UPDATE "{self.table}" SET "Timestamp"=?, doc=?, etag=?, seq=?{proj_set} '
                        'WHERE "PartitionKey"=? AND "RowKey"=? AND etag=?',
                        (row_stamp, text, new_etag, seq, *proj, *key, etag),
                    )
                    if cur.rowcount != 1:
                        raise ConflictError(f"{self.description}: row {key[1]} changed since it was read")
                    continue
                verb = "INSERT" if mode == "insert" else "INSERT OR REPLACE"
                try:
                    conn.execute(
                        f'{verb} INTO "{self.table}" ("PartitionKey", "RowKey", "Timestamp", doc, etag, seq'
                        f'{", proj" if proj else ""}) VALUES (?, ?, ?, ?, ?, ?{", ?" if proj else ""})',
                        (*key, row_stamp, text, new_etag, seq, *proj),
                    )
                except sqlite3.IntegrityError:
                    raise ConflictError(f"{self.description}: row {key[1]} already exists") from None
            conn.execute("COMMIT")
            return new_etag
        except BaseException:
            if conn.in_transaction:  # (a failed COMMIT, disk full, has rolled back: keep its error)
                conn.execute("ROLLBACK")
            raise

    async def insert(self, row: Row) -> str:
        return await self._run(self._write, [row], "insert", None)

    async def replace(self, row: Row, etag: str) -> str:
        return await self._run(self._write, [row], "replace", etag)

    async def upsert_many(self, rows: Iterable[Row], keep_timestamps: bool = False) -> int:
        """Transactions of 1,000 rows; one refused for a row's sake is written again
        without it, so every other row lands (see :mod:`.bulk`). ``keep_timestamps``: each
        row keeps its own ``Timestamp`` (import of an export; the polls go by ``seq``)."""
        def write(batch: list[Row]) -> Any:
            return self._run(self._write, batch, "upsert", None, keep_timestamps)

        return await write_batches(rows, write, 1000, self.description)

