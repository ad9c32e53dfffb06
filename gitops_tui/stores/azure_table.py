"""Azure Table Storage (and the Cosmos DB Table API, and Azurite) as a telemetry store.

Reads a Bedrock table exactly as the pipelines wrote it; every row comes back as a plain
dict (see :mod:`gitops_tui.domain.model`). The azure SDK is imported only when a store is built.

Things that matter for a monitor, measured in ``shared/docs/azure-notes.md``:

* the SDK's default timeouts (300 s, with retries) could freeze a poll for minutes, so
  every request carries ``connection_timeout``/``read_timeout`` = ``timeout_s``, only a
  couple of retries, and each operation (each *page* of a scan) has a deadline of its own;
* incremental polls query ``Timestamp ge`` a point a little behind the newest change seen
  (Azurite compares at millisecond precision, and a write's timestamp can become visible
  a moment after it is taken), and drop rows already returned by (PartitionKey, RowKey,
  ETag); the window is anchored on the server's clock, never on ours;
* error messages are built from the safe ``description`` plus short reasons: nothing the
  SDK says goes out unsanitized, so no key, SAS signature or connection string can leak.
"""

from __future__ import annotations

import asyncio
import base64
import re
from collections.abc import AsyncIterator, Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

from gitops_tui.config import StoreConfig
from gitops_tui.domain.rows import Row, cluster_partition
from gitops_tui.domain.timefmt import to_iso, utcnow
from gitops_tui.stores.base import ConflictError, StoreError, TableMissingError, Versioned

# OData property names we are willing to put into a filter (they cannot be parameters).
_PROPERTY_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,254}")
# Anything that looks like a URL query string, or a secret-bearing key=value pair.
_URL_QUERY = re.compile(r"(https?://[^\s?'\"<>]*)\?[^\s'\"<>]*")
_SECRET_PAIR = re.compile(
    r"(?i)\b(sig|accountkey|sharedaccesssignature|sharedaccesskey)=[^;&\s'\"<>]*"
)
# Columns that are never sent as entity properties.
_NOT_PROPERTIES = frozenset({"Timestamp", "odata.etag", "odata.metadata"})
_BATCH = 100  # the service's limit of operations per transaction
_WORKERS = 4  # threads per store; also the transactions in flight during an import


@dataclass(frozen=True, slots=True)
class AzureCursor:
    """Where the next incremental poll starts.

    ``since``: query ``Timestamp ge since``; ``seen``: (PartitionKey, RowKey, ETag) of the
    rows at or after ``since`` that were already returned, so they are not returned again.
    """

    since: datetime
    seen: frozenset[tuple[str, str, str]] = frozenset()


def _plain(value: Any) -> Any:
    """A property value as a plain value: strings stay strings, anything else a string."""
    if isinstance(value, str):
        return value
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return to_iso(value)
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode("ascii")
    inner = getattr(value, "value", value)  # EntityProperty(value, edm_type)
    if inner is not value:
        return _plain(inner)
    return str(value)


def _entity_to_row(entity: Any) -> Row:
    """A TableEntity as a plain row dict (the hot path of a full load: keep it lean)."""
    row: Row = dict(entity)
    for key, value in row.items():
        if value.__class__ is not str:
            row[key] = _plain(value)
    timestamp = entity.metadata.get("timestamp")
    if timestamp is not None:
        # The service's own string (7 fractional digits) cut to to_iso's form is 20x
        # cheaper than strftime; anything unusual (Cosmos) goes through to_iso.
        text = getattr(timestamp, "tables_service_value", "")
        if len(text) == 28 and text[19] == "." and text[27] == "Z":
            row["Timestamp"] = text[:26] + "Z"
        else:
            row["Timestamp"] = to_iso(timestamp)
    return row


def _entity_to_change(entity: Any) -> tuple[Row, datetime | None, str]:
    metadata = entity.metadata
    timestamp = metadata.get("timestamp")
    if timestamp is not None:  # a plain datetime, not the SDK's subclass
        t = timestamp.astimezone(UTC)
        timestamp = datetime(
            t.year, t.month, t.day, t.hour, t.minute, t.second, t.microsecond, tzinfo=UTC
        )
    return _entity_to_row(entity), timestamp, metadata.get("etag") or ""


def _entity_to_versioned(entity: Any) -> Versioned:
    return Versioned(_entity_to_row(entity), entity.metadata.get("etag") or "")


def _row_to_entity(row: Row) -> dict[str, Any]:
    """The properties to write: no system columns, no None (Azure cannot store null)."""
    entity = {
        key: value
        for key, value in row.items()
        if value is not None and key not in _NOT_PROPERTIES and not key.startswith("odata.")
    }
    if "PartitionKey" not in entity or "RowKey" not in entity:
        raise StoreError("a row needs PartitionKey and RowKey")
    entity["PartitionKey"] = str(entity["PartitionKey"])
    entity["RowKey"] = str(entity["RowKey"])
    return entity


def _parse_connection_string(conn: str) -> dict[str, str]:
    parts: dict[str, str] = {}
    for part in conn.split(";"):
        key, sep, value = part.partition("=")
        if sep:
            parts[key.strip().lower()] = value.strip()
    return parts


def _http_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


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
        conn_parts = _parse_connection_string(config.connection_string or "")
        self._secrets = tuple(
            sorted(
                {
                    s
                    for s in (
                        config.connection_string,
                        config.account_key,
                        config.sas_token,
                        (config.sas_token or "").lstrip("?"),
                        conn_parts.get("accountkey"),
                        conn_parts.get("sharedaccesssignature"),
                        (conn_parts.get("sharedaccesssignature") or "").lstrip("?"),
                    )
                    if s
                },
                key=len,
                reverse=True,  # the connection string before the key inside it
            )
        )
        self._host_name = "the server"
        self._client: Any = None
        self._identity: Any = None
        self._pool: ThreadPoolExecutor | None = None
        self.last_fetched = 0  # rows the last incremental poll read (returned or not)

    # -- plumbing ------------------------------------------------------------------

    def _sanitize(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        text = _URL_QUERY.sub(r"\1", text)
        return _SECRET_PAIR.sub(lambda m: m.group(1) + "=***", text)

    def _fail(self, reason: str) -> StoreError:
        return StoreError(f"{self.description}: {self._sanitize(reason)}")

    def _client_args(self) -> tuple[str, Any]:
        """The account URL and the credential the configuration asks for."""
        from azure.core.credentials import AzureNamedKeyCredential, AzureSasCredential

        cfg = self._config
        account, key, sas, endpoint = cfg.account_name, cfg.account_key, cfg.sas_token, cfg.endpoint
        if cfg.connection_string:
            parts = _parse_connection_string(cfg.connection_string)
            account = account or parts.get("accountname")
            key = key or parts.get("accountkey")
            sas = sas or parts.get("sharedaccesssignature")
            endpoint = endpoint or parts.get("tableendpoint")
            if not endpoint and account:
                protocol = parts.get("defaultendpointsprotocol", "https")
                suffix = parts.get("endpointsuffix", "core.windows.net")
                endpoint = f"{protocol}://{account}.table.{suffix}"
            if not endpoint:
                raise self._fail("the connection string names no AccountName or TableEndpoint")
            if not key and not sas:
                raise self._fail("the connection string has no AccountKey or SharedAccessSignature")
        if not endpoint:
            if not account:
                raise self._fail("set account_name (or endpoint) for the azure store")
            endpoint = f"https://{account}.table.core.windows.net"
        if "://" not in endpoint:
            endpoint = "https://" + endpoint
        # A SAS pasted into the endpoint URL is a secret: never keep it in the URL.
        endpoint = urlsplit(endpoint)._replace(query="", fragment="").geturl().rstrip("/")
        self._host_name = urlsplit(endpoint).netloc.rpartition("@")[2] or "the server"
        if key:
            if not account:
                raise self._fail("account_key needs account_name")
            return endpoint, AzureNamedKeyCredential(account, key)
        if sas:
            return endpoint, AzureSasCredential(sas.lstrip("?"))
        try:
            from azure.identity import DefaultAzureCredential
        except ImportError:
            raise self._fail(
                "no account_key, sas_token or connection_string, and azure-identity is not "
                "installed: pip install 'gitops-tui[identity]' to sign in with Entra ID"
            ) from None
        self._identity = DefaultAzureCredential()
        return endpoint, self._identity

    def _connect(self) -> None:
        if self._client is not None:
            return
        from azure.data.tables import TableClient

        endpoint, credential = self._client_args()
        try:
            self._client = TableClient(
                endpoint,
                self.table,
                credential=credential,
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
            from azure.core.exceptions import ResourceExistsError

            def create_table() -> None:
                try:
                    self._client.create_table()
                except ResourceExistsError:
                    pass

            try:
                await self._run(create_table)
            except Exception as exc:
                raise self._map_error(exc) from None

    async def close(self) -> None:
        client, pool, identity = self._client, self._pool, self._identity
        self._client = self._pool = self._identity = None
        if client is not None:
            client.close()
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
        if identity is not None:
            identity.close()

    def _map_error(self, exc: BaseException) -> StoreError:
        """A safe StoreError for anything the SDK (or a deadline) raised."""
        if isinstance(exc, StoreError):
            return exc
        from azure.core.exceptions import (
            ClientAuthenticationError,
            HttpResponseError,
            ServiceRequestError,
            ServiceRequestTimeoutError,
            ServiceResponseError,
            ServiceResponseTimeoutError,
        )

        host = self._host_name
        if isinstance(exc, (TimeoutError, asyncio.TimeoutError)):
            return self._fail(f"no answer from {host} within {self.deadline_s:g}s")
        if isinstance(exc, (ServiceRequestTimeoutError, ServiceResponseTimeoutError)):
            return self._fail(f"no answer from {host} within {self.timeout_s:g}s (timed out)")
        if isinstance(exc, ServiceRequestError):
            return self._fail(f"cannot connect to {host} ({_root_reason(exc)})")
        if isinstance(exc, ServiceResponseError):
            return self._fail(f"connection to {host} failed ({_root_reason(exc)})")
        if isinstance(exc, ClientAuthenticationError):
            return self._fail("access denied (check account key / SAS)")
        if isinstance(exc, HttpResponseError):
            status = exc.status_code
            code = _error_code(exc)
            if status == 403 or code in ("AuthorizationFailure", "AuthenticationFailed"):
                return self._fail("access denied (check account key / SAS)")
            if code == "TableNotFound" or (status == 404 and "table" in code.lower()):
                return TableMissingError(
                    f"{self.description}: table {self.table!r} does not exist"
                )
            reason = f"HTTP {status}" if status else "request failed"
            if code:
                reason += f" {code}"
            detail = str(getattr(exc, "message", "") or "").strip().splitlines()
            if detail and not detail[0].startswith("Operation returned an invalid status"):
                reason += f" ({detail[0][:200]})"  # the service's own words, sanitized
            return self._fail(f"server refused the request: {reason}")
        if isinstance(exc, ValueError):
            return self._fail(f"invalid store settings: {exc}")
        name = type(exc).__name__
        return self._fail(f"{name}: {exc}" if str(exc) else name)

    def _is_table_missing(self, exc: BaseException) -> bool:
        return _error_code(exc) == "TableNotFound"

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
    ) -> AsyncIterator[list[Any]]:
        """Pages of converted entities, to the last continuation token.

        Each page is fetched *and decoded* in a worker thread (the event loop stays free
        for the UI) within its own deadline.
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

        while True:
            try:
                page = await self._run(next_page)
            except Exception as exc:
                raise self._map_error(exc) from None
            if page is None:
                return
            yield page

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
        async for page in self._query(query, params, _entity_to_row, page_size):
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
        return _http_date(dates[0]) if dates else None

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
        async for page in self._query(query, params, _entity_to_change, 1000, None, hook):
            fetched.extend(page)
        self.last_fetched = len(fetched)
        newest = cursor.since
        fresh: list[Row] = []
        seen = cursor.seen
        for row, timestamp, etag in fetched:
            if (row["PartitionKey"], row["RowKey"], etag) not in seen:
                fresh.append(row)
            if timestamp is not None and timestamp > newest:
                newest = timestamp
        # Next window: a little behind the newest change, or behind the server's clock
        # when that is later (so a quiet table is not re-read back to its last change).
        since = max(cursor.since, newest - timedelta(seconds=self.OVERLAP_S))
        server_now = _http_date(dates[0]) if dates else None
        if server_now is not None:
            since = max(since, server_now - timedelta(seconds=self.SERVER_MARGIN_S))
        next_seen = frozenset(
            (row["PartitionKey"], row["RowKey"], etag)
            for row, timestamp, etag in fetched
            if timestamp is None or timestamp >= since
        )
        return fresh, AzureCursor(since=since, seen=next_seen)

    async def get(self, partition: str, row_key: str) -> Versioned | None:
        from azure.core.exceptions import ResourceNotFoundError

        try:
            entity = await self._call("get_entity", partition, row_key)
        except ResourceNotFoundError as exc:
            if self._is_table_missing(exc):
                raise self._map_error(exc) from None
            return None
        except Exception as exc:
            raise self._map_error(exc) from None
        return _entity_to_versioned(entity)

    async def find(self, partition: str, column: str, value: str) -> list[Versioned]:
        if not _PROPERTY_NAME.fullmatch(column):
            raise StoreError(f"{self.description}: {column!r} is not a valid column name")
        query = f"PartitionKey eq @p and {column} eq @v"
        found: list[Versioned] = []
        async for page in self._query(query, {"p": partition, "v": value}, _entity_to_versioned):
            found.extend(page)
        return found

    async def count(self) -> int:
        query, params = self._scope()
        total = 0
        async for page in self._query(query, params, lambda e: None, 1000, ["RowKey"]):
            total += len(page)
        return total

    # -- writing -------------------------------------------------------------------

    async def insert(self, row: Row) -> str:
        from azure.core.exceptions import ResourceExistsError

        entity = _row_to_entity(row)
        try:
            metadata = await self._call("create_entity", entity)
        except ResourceExistsError:
            raise ConflictError(
                f"{self.description}: row {entity['PartitionKey']}/{entity['RowKey']} already exists"
            ) from None
        except Exception as exc:
            raise self._map_error(exc) from None
        return str(metadata.get("etag") or "")

    async def replace(self, row: Row, etag: str) -> str:
        from azure.core import MatchConditions
        from azure.core.exceptions import (
            HttpResponseError,
            ResourceModifiedError,
            ResourceNotFoundError,
        )
        from azure.data.tables import UpdateMode

        entity = _row_to_entity(row)
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
            if self._is_table_missing(exc):
                raise self._map_error(exc) from None
            raise ConflictError(f"{self.description}: row {where} no longer exists") from None
        except HttpResponseError as exc:
            if exc.status_code == 412:
                raise ConflictError(
                    f"{self.description}: row {where} changed since it was read"
                ) from None
            raise self._map_error(exc) from None
        except Exception as exc:
            raise self._map_error(exc) from None
        return str(metadata.get("etag") or "")

    async def upsert_many(self, rows: Iterable[Row]) -> int:
        """Insert-or-replace in transactions of 100 rows of one partition each."""
        from azure.data.tables import UpdateMode

        by_partition: dict[str, dict[str, dict[str, Any]]] = {}
        for row in rows:
            entity = _row_to_entity(row)
            # A transaction may not touch one key twice: the last write of a key wins.
            by_partition.setdefault(entity["PartitionKey"], {})[entity["RowKey"]] = entity
        batches = []
        for entities in by_partition.values():
            values = list(entities.values())
            for start in range(0, len(values), _BATCH):
                batches.append(
                    [("upsert", e, {"mode": UpdateMode.REPLACE}) for e in values[start : start + _BATCH]]
                )
        gate = asyncio.Semaphore(_WORKERS)

        async def submit(batch: list[Any]) -> int:
            async with gate:
                try:
                    await self._call("submit_transaction", batch)
                except Exception as exc:
                    raise self._map_error(exc) from None
            return len(batch)

        written = await asyncio.gather(*(submit(b) for b in batches))
        return sum(written)


_BODY_CODE = re.compile(r'"code"\s*:\s*"(\w+)"')


def _error_code(exc: BaseException) -> str:
    """The service's error code (``TableNotFound``, ...), wherever the SDK left it."""
    code = getattr(exc, "error_code", None)
    code = getattr(code, "value", code)
    if not code:
        response = getattr(exc, "response", None)
        headers = getattr(response, "headers", None) or {}
        code = headers.get("x-ms-error-code")
    if not code:
        match = _BODY_CODE.search(str(exc))
        code = match.group(1) if match else ""
    return str(code)


def _root_reason(exc: BaseException) -> str:
    """A short, secret-free reason for a transport error, from its chain of causes."""
    chain = _chain(exc)
    text = " ".join(f"{type(e).__name__} {e}" for e in chain).lower()
    if any(isinstance(e, ConnectionRefusedError) for e in chain) or "refused" in text:
        return "connection refused"
    if any(hint in text for hint in ("gaierror", "name or service not known", "nodename", "getaddrinfo")):
        return "host name not found"
    if "reset" in text:
        return "connection reset"
    if "ssl" in text or "certificate" in text:
        return "TLS error"
    if "timeout" in text or "timed out" in text:
        return "timed out"
    if "disconnect" in text or "closed" in text:
        return "connection closed"
    return type(chain[-1]).__name__


def _chain(exc: BaseException) -> list[BaseException]:
    out: list[BaseException] = []
    seen: set[int] = set()
    todo: list[BaseException] = [exc]
    while todo:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        out.append(current)
        for nxt in (current.__cause__, current.__context__, getattr(current, "inner_exception", None)):
            if isinstance(nxt, BaseException):
                todo.append(nxt)
    return out
