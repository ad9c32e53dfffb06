"""Whatever the Azure SDK (or a deadline) raises, as a StoreError that is safe to show.

Messages are built from the store's safe ``description`` plus short reasons: nothing
the SDK says goes out unredacted, so no account key, SAS signature or connection string
can leak. The SDK is imported only when an error is actually mapped.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterable

from gitops_tui.stores.base import StoreError, TableMissingError

# Anything that looks like a URL query string, or a secret-bearing key=value pair.
_URL_QUERY = re.compile(r"(https?://[^\s?'\"<>]*)\?[^\s'\"<>]*")
_SECRET_PAIR = re.compile(
    r"(?i)\b(sig|accountkey|sharedaccesssignature|sharedaccesskey)=[^;&\s'\"<>]*"
)
_BODY_CODE = re.compile(r'"code"\s*:\s*"(\w+)"')
_OPERATION_INDEX = re.compile(r"^\d+:")  # a transaction error's "2:The property value ..."
# What the service says about one entity it will not store, in our words.
_REJECTIONS = {
    "EntityTooLarge": "entity too large (over 1 MiB)",
    "PropertyValueTooLarge": "property value too large (over 64 KiB)",
    "RequestBodyTooLarge": "entity too large for one request (over 4 MiB)",
    "PropertyNameInvalid": "invalid property name",
    "PropertyNameTooLong": "property name too long (over 255 characters)",
    "TooManyProperties": "too many properties (over 252)",
    "OutOfRangeInput": "a value is out of range",
    "InvalidInput": "the service refused the entity (InvalidInput)",
}
# A write's permission by name, and its letter in a SAS token's ``sp``.
_SAS_LETTERS = {"query": "r", "add": "a", "update": "u", "delete": "d"}


class ErrorMapper:
    """Safe messages for one store: ``description`` first, every known secret redacted.

    ``host`` names the server in transport errors; the store sets it once it knows
    the endpoint.
    """

    def __init__(self, description: str, table: str, secrets: Iterable[str | None]) -> None:
        self.description = description
        self.table = table
        self.host = "the server"
        # Longest first: a connection string is redacted whole before the key inside it.
        self._secrets = tuple(sorted({s for s in secrets if s}, key=len, reverse=True))

    def sanitize(self, text: str) -> str:
        """``text`` without known secrets, URL query strings or secret key=value pairs."""
        for secret in self._secrets:
            text = text.replace(secret, "***")
        text = _URL_QUERY.sub(r"\1", text)
        return _SECRET_PAIR.sub(lambda m: m.group(1) + "=***", text)

    def fail(self, reason: str) -> StoreError:
        """A StoreError for ``reason``, prefixed with the description and sanitized."""
        return StoreError(f"{self.description}: {self.sanitize(reason)}")

    def map(self, exc: BaseException, timeout_s: float, deadline_s: float,
            needs: tuple[str, ...] = ()) -> StoreError:
        """A safe StoreError for anything the SDK (or a deadline) raised; ``needs`` names
        the permissions the operation takes (``("add", "update")``), for a denial."""
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

        host = self.host
        if isinstance(exc, (TimeoutError, asyncio.TimeoutError)):
            return self.fail(f"no answer from {host} within {deadline_s:g}s")
        # The timeout errors subclass the request/response errors: test them first.
        if isinstance(exc, (ServiceRequestTimeoutError, ServiceResponseTimeoutError)):
            return self.fail(f"no answer from {host} within {timeout_s:g}s (timed out)")
        if isinstance(exc, ServiceRequestError):
            return self.fail(f"cannot connect to {host} ({_root_reason(exc)})")
        if isinstance(exc, ServiceResponseError):
            return self.fail(f"connection to {host} failed ({_root_reason(exc)})")
        denied = "access denied (check account key / SAS)"
        if needs:  # (a read-only SAS: say which permission the write lacks)
            letters = "".join(_SAS_LETTERS[n] for n in needs)
            denied = (f"access denied: this needs the {' and '.join(needs)} permission "
                      f"(a SAS token's sp must include {letters!r}; or check the account key)")
        if isinstance(exc, ClientAuthenticationError):
            return self.fail(denied)
        if isinstance(exc, HttpResponseError):
            status = exc.status_code
            code = error_code(exc)
            if status == 403 or code in ("AuthorizationFailure", "AuthenticationFailed"):
                return self.fail(denied)
            if code == "TableNotFound" or (status == 404 and "table" in code.lower()):
                return TableMissingError(f"{self.description}: table {self.table!r} does not exist")
            reason = f"HTTP {status}" if status else "request failed"
            if code:
                reason += f" {code}"
            detail = str(getattr(exc, "message", "") or "").strip().splitlines()
            if detail and not detail[0].startswith("Operation returned an invalid status"):
                reason += f" ({detail[0][:200]})"  # the service's own words, sanitized
            return self.fail(f"server refused the request: {reason}")
        if isinstance(exc, ValueError):
            return self.fail(f"invalid store settings: {exc}")
        name = type(exc).__name__
        return self.fail(f"{name}: {exc}" if str(exc) else name)

    def rejection(self, exc: BaseException) -> str:
        """Why the service refused one entity (see :func:`is_rejection`): short, sanitised."""
        code = error_code(exc)
        if code in _REJECTIONS:
            return _REJECTIONS[code]
        reason = f"HTTP {getattr(exc, 'status_code', '')} {code}".strip()
        lines = str(getattr(exc, "message", "") or "").strip().splitlines()
        detail = _OPERATION_INDEX.sub("", lines[0]).strip() if lines else ""
        if detail and not detail.startswith("Operation returned an invalid status"):
            reason += " (" + "".join(ch if ch.isprintable() else "?" for ch in detail[:200]) + ")"
        return self.sanitize(reason)


def is_rejection(exc: BaseException) -> bool:
    """Whether the service refused a request for what it carries (an entity too large, a
    bad key or property) rather than for who sent it or where: 400 and 413, except the
    authentication codes. Writing the rows one by one gets the good ones in."""
    from azure.core.exceptions import HttpResponseError

    if not isinstance(exc, HttpResponseError) or exc.status_code not in (400, 413):
        return False
    return error_code(exc) not in ("AuthorizationFailure", "AuthenticationFailed", "TableNotFound")


def is_table_missing(exc: BaseException) -> bool:
    """Whether the service said the table (not a row) does not exist."""
    return error_code(exc) == "TableNotFound"


def error_code(exc: BaseException) -> str:
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
    """``exc`` and every exception behind it (causes, contexts, the SDK's inner ones)."""
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
