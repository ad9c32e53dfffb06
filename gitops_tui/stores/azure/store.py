"""The Azure table store: one table (Storage, Cosmos DB Table API, Azurite) as a Store.

Things that matter for a monitor, measured in ``shared/docs/azure-notes.md``:

* the SDK's default timeouts (300 s, with retries) could freeze a poll for minutes, so
  every request carries ``connection_timeout``/``read_timeout`` = ``timeout_s``, only a
  couple of retries, and each operation (each *page* of a scan) has a deadline of its own;
* incremental polls read a window anchored on the server's clock (see :mod:`.cursor`);
* error messages never carry a secret (see :mod:`.errors`).
"""

from __future__ import annotations

import asyncio
import functools
import re
from collections.abc import AsyncIterator, Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

from gitops_tui.config import StoreConfig
from gitops_tui.domain.rows import Row, cluster_partition
from gitops_tui.domain.timefmt import utcnow
from gitops_tui.stores.azure.auth import client_args, secrets_of
from gitops_tui.stores.azure.cursor import AzureCursor, advance, http_date
from gitops_tui.stores.azure.entities import (
    entity_to_change,
    entity_to_row,
    entity_to_versioned,
    row_to_entity,
)
from gitops_tui.stores.azure.errors import ErrorMapper, is_table_missing
from gitops_tui.stores.base import ConflictError, StoreError, Versioned

# OData property names we are willing to put into a filter (they cannot be parameters).
_PROPERTY_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,254}")
_WORKERS = 4  # threads per store; also the transactions in flight during an import


class AzureTableStore:
    """One Azure table (Storage, Cosmos DB Table API or Azurite) behind the Store protocol."""

    # Incremental polls re-query this far behind the newest change they saw ...
    OVERLAP_S = 2.0
    # ... and at most this far behind the server's clock at the previous poll (the
    # ``Date`` header has one-second resolution and may come from another machine).
    SERVER_MARGIN_S = 3.0
    # Without a server Date header (never seen in practice) we fall back to our clock.
    CLIENT_CLOCK_MARGIN_S = 300.0
    RETRY_TOTAL = 2

    def __init__(self, config: StoreConfig) -> None:
        self._config = config
        self.description = config.description
        self.partition = config.partition
        self.table = config.table
        self.timeout_s = float(config.timeout_s)
        # A request may be retried; the whole operation (or one scan page) gets this long.
        self.deadline_s = self.timeout_s * 2.0
        self._errors = ErrorMapper(config.description, config.table, secrets_of(config))
        self._client: Any = None
        self._identity: Any = None
        self._pool: ThreadPoolExecutor | None = None
        self.last_fetched = 0  # rows the last incremental poll read (returned or not)

    # -- plumbing ------------------------------------------------------------------

    def _connect(self) -> None:
        if self._client is not None:
            return
        from azure.data.tables import TableClient

        args = client_args(self._config, self._errors.fail)
        self._errors.host = args.host
        if args.owned:
            self._identity = args.credential
        try:
            self._client = TableClient(
                args.endpoint,
                self.table,
                credential=args.credential,
                connection_timeout=self.timeout_s,
                read_timeout=self.timeout_s,
                retry_total=self.RETRY_TOTAL,
                retry_backoff_factor=0.2,
                retry_backoff_max=2,
            )
        except Exception as exc:  # a bad URL, a token credential over http, ...
            raise self._map_error(exc) from None
        # Our own threads: one stuck on a hung server must not starve anyone else's.
        self._pool = ThreadPoolExecutor(max_workers=_WORKERS, thread_name_prefix="azure-table")

    async def _run(self, fn: Callable[[], Any]) -> Any:
        """Run a blocking SDK call in our pool, within the operation deadline."""
        if self._client is None:
            self._connect()
        loop = asyncio.get_running_loop()
        return await asyncio.wait_for(loop.run_in_executor(self._pool, fn), self.deadline_s)

    async def open(self, create: bool = False) -> None:
        """Connect (no request is made); with ``create``, make the table if it is missing.

        Without ``create`` a missing table is reported by the first operation.
        """
        self._connect()
        if create:
            from azure.core.exceptions import HttpResponseError, ResourceExistsError

            def create_table() -> None:
                try:
                    self._client.create_table()
                except ResourceExistsError:
                    pass
                except HttpResponseError as exc:
                    # A table SAS can never create its table, and a writer's needs not:
                    # the table may well exist, and the first write says what is missing.
                    if exc.status_code != 403:
                        raise

            try:
                await self._run(create_table)
            except Exception as exc:
                raise self._map_error(exc) from None

    async def close(self) -> None:
        """Close the client, its worker threads and any Azure AD credential."""
        client, pool, identity = self._client, self._pool, self._identity
        self._client = self._pool = self._identity = None
        if client is not None:
            client.close()
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
        if identity is not None:
            identity.close()

    def _map_error(self, exc: BaseException, needs: tuple[str, ...] = ()) -> StoreError:
        """A safe StoreError for anything the SDK (or a deadline) raised (``needs``: the
        permissions a write takes, named if it is denied)."""
        return self._errors.map(exc, self.timeout_s, self.deadline_s, needs)

    def _scope(self) -> tuple[str | None, dict[str, Any]]:
        # The SDK substitutes @names word by word: keep spaces around every parameter.
        if self.partition is None:
            return None, {}
        return (
            "( PartitionKey eq @p or PartitionKey eq @pc )",
            {"p": self.partition, "pc": cluster_partition(self.partition)},
        )

    async def _query(
        self,
        query: str | None,
        params: dict[str, Any],
        convert: Callable[[Any], Any],
        page_size: int = 1000,
        select: list[str] | None = None,
        hook: Callable[[Any], None] | None = None,
        ahead: bool = False,
    ) -> AsyncIterator[list[Any]]:
        """Pages of converted entities, to the last continuation token.

        Each page is fetched *and decoded* in a worker thread (the event loop stays free
        for the UI) within its own deadline. ``ahead`` (for callers that read to the
        end): the next page is requested before this one is handed over, so the
        caller's work on a page overlaps the service's on the next.
        """
        if self._client is None:
            self._connect()
        kwargs: dict[str, Any] = {"results_per_page": page_size, "select": select}
        if hook is not None:
            kwargs["raw_response_hook"] = hook
        if query is None:
            paged = self._client.list_entities(**kwargs)
        else:
            paged = self._client.query_entities(query, parameters=params, **kwargs)
        pages = paged.by_page()

        def next_page() -> list[Any] | None:
            page = next(pages, None)
            return None if page is None else [convert(entity) for entity in page]

        if not ahead:
            while True:
                try:
                    page = await self._run(next_page)
                except Exception as exc:
                    raise self._map_error(exc) from None
                if page is None:
                    return
                yield page
        loop = asyncio.get_running_loop()
        # Submitted at once, not as a task: a task would start only when the caller next
        # awaits, after its work on the page, and so overlap nothing.
        pending, asked = loop.run_in_executor(self._pool, next_page), loop.time()
        try:
            while True:
                try:
                    page = await asyncio.wait_for(pending, max(0.0, self.deadline_s - (loop.time() - asked)))
                except Exception as exc:
                    raise self._map_error(exc) from None
                if page is None:
                    return
                pending, asked = loop.run_in_executor(self._pool, next_page), loop.time()
                yield page
        finally:
            pending.cancel()  # (a caller that stopped early: the page in flight is dropped)

    async def _call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        """One SDK call; SDK errors come out raw so callers can map the ones they expect."""
        if self._client is None:
            self._connect()
        bound = getattr(self._client, method)
        return await self._run(lambda: bound(*args, **kwargs))

    # -- reading -------------------------------------------------------------------

    async def scan(self, page_size: int = 1000, first_page: int | None = None) -> AsyncIterator[list[Row]]:
        """Every row in scope, following continuation tokens to the very end.

        ``first_page`` is not used: the service caps pages at 1,000 rows and the first
        one arrives in ~0.1 s anyway."""
        query, params = self._scope()
        async for page in self._query(query, params, entity_to_row, page_size, ahead=True):
            if page:
                yield page

    async def _server_now(self) -> datetime | None:
        """The server's clock (``Date`` header of a point query that matches nothing)."""
        dates: list[str] = []

        def hook(response: Any) -> None:
            dates.append(response.http_response.headers.get("Date", ""))

        params = {"p": self.partition or "", "r": "gitops-tui:clock-probe"}
        async for _ in self._query(
            "PartitionKey eq @p and RowKey eq @r", params, lambda e: None, 1, ["RowKey"], hook
        ):
            break
        return http_date(dates[0]) if dates else None

    async def cursor_now(self) -> AzureCursor:
        """A cursor at the server's "now": later polls return only rows written after it.

        The window starts a few seconds behind the server's clock (never ours), and the
        rows already in that window are marked seen, so a write that was in flight when
        the cursor was taken is still found while nothing older is returned again.
        """
        server_now = await self._server_now()
        if server_now is not None:
            since = server_now - timedelta(seconds=self.SERVER_MARGIN_S)
        else:
            since = utcnow() - timedelta(seconds=self.CLIENT_CLOCK_MARGIN_S)
        _, cursor = await self._changes(AzureCursor(since=since))
        return cursor

    async def changed_since(self, cursor: AzureCursor) -> tuple[list[Row], AzureCursor]:
        """Rows written since ``cursor`` (none it returned before), and the next cursor."""
        if not isinstance(cursor, AzureCursor):
            raise StoreError(
                f"{self.description}: not a cursor of this store: {type(cursor).__name__}"
            )
        return await self._changes(cursor)

    async def _changes(self, cursor: AzureCursor) -> tuple[list[Row], AzureCursor]:
        scope, params = self._scope()
        query = "Timestamp ge @since" if scope is None else f"{scope} and Timestamp ge @since"
        params = {**params, "since": cursor.since}
        dates: list[str] = []

        def hook(response: Any) -> None:
            if not dates:
                dates.append(response.http_response.headers.get("Date", ""))

        fetched: list[tuple[Row, datetime | None, str]] = []
        async for page in self._query(query, params, entity_to_change, 1000, None, hook, ahead=True):
            fetched.extend(page)
        self.last_fetched = len(fetched)
        server_now = http_date(dates[0]) if dates else None
        return advance(cursor, fetched, server_now, self.OVERLAP_S, self.SERVER_MARGIN_S)

    async def get(self, partition: str, row_key: str) -> Versioned | None:
        """One row and its ETag; None if there is no such row."""
        from azure.core.exceptions import ResourceNotFoundError

        try:
            entity = await self._call("get_entity", partition, row_key)
        except ResourceNotFoundError as exc:
            if is_table_missing(exc):
                raise self._map_error(exc) from None
            return None
        except Exception as exc:
            raise self._map_error(exc) from None
        return entity_to_versioned(entity)

    async def find(self, partition: str, column: str, value: str) -> list[Versioned]:
        """Rows of ``partition`` whose ``column`` equals ``value``."""
        if not _PROPERTY_NAME.fullmatch(column):
            raise StoreError(f"{self.description}: {column!r} is not a valid column name")
        query = f"PartitionKey eq @p and {column} eq @v"
        found: list[Versioned] = []
        async for page in self._query(query, {"p": partition, "v": value}, entity_to_versioned):
            found.extend(page)
        return found

    async def count(self) -> int:
        """How many rows are in scope (a scan that selects only RowKey)."""
        query, params = self._scope()
        total = 0
        async for page in self._query(query, params, lambda e: None, 1000, ["RowKey"]):
            total += len(page)
        return total

    async def keys(self) -> set[tuple[str, str]]:
        """``(PartitionKey, RowKey)`` of every row in scope (``ListsKeys``): a scan that
        selects only the keys."""
        query, params = self._scope()
        found: set[tuple[str, str]] = set()
        convert = lambda e: (e["PartitionKey"], e["RowKey"])  # noqa: E731
        async for page in self._query(query, params, convert, 1000, ["PartitionKey", "RowKey"]):
            found.update(page)
        return found

    # -- writing -------------------------------------------------------------------

    async def insert(self, row: Row) -> str:
        """Insert a new row; ConflictError if the key exists. Returns the new ETag."""
        from azure.core.exceptions import ResourceExistsError

        entity = row_to_entity(row)
        try:
            metadata = await self._call("create_entity", entity)
        except ResourceExistsError:
            raise ConflictError(
                f"{self.description}: row {entity['PartitionKey']}/{entity['RowKey']} already exists"
            ) from None
        except Exception as exc:
            raise self._map_error(exc, ('add',)) from None
        return str(metadata.get("etag") or "")

    async def replace(self, row: Row, etag: str) -> str:
        """Replace a row only if it still has ``etag``; ConflictError otherwise."""
        from azure.core import MatchConditions
        from azure.core.exceptions import (
            HttpResponseError,
            ResourceModifiedError,
            ResourceNotFoundError,
        )
        from azure.data.tables import UpdateMode

        entity = row_to_entity(row)
        where = f"{entity['PartitionKey']}/{entity['RowKey']}"
        try:
            metadata = await self._call(
                "update_entity",
                entity,
                mode=UpdateMode.REPLACE,
                etag=etag,
                match_condition=MatchConditions.IfNotModified,
            )
        except ResourceModifiedError:
            raise ConflictError(f"{self.description}: row {where} changed since it was read") from None
        except ResourceNotFoundError as exc:
            if is_table_missing(exc):
                raise self._map_error(exc, ('update',)) from None
            raise ConflictError(f"{self.description}: row {where} no longer exists") from None
        except HttpResponseError as exc:
            if exc.status_code == 412:
                raise ConflictError(
                    f"{self.description}: row {where} changed since it was read"
                ) from None
            raise self._map_error(exc, ('update',)) from None
        except Exception as exc:
            raise self._map_error(exc, ('update',)) from None
        return str(metadata.get("etag") or "")

    async def upsert_many(self, rows: Iterable[Row]) -> int:
        """Insert-or-replace in transactions of 100 rows of one partition each; a row the
        service refuses costs no other row (see :mod:`.bulk`)."""
        submit = functools.partial(self._call, "submit_transaction")
        fatal = functools.partial(self._map_error, needs=("add", "update"))
        from gitops_tui.stores.azure.bulk import upsert_all  # (a reader never loads it)

        return await upsert_all(rows, submit, self._errors, fatal, _WORKERS)
