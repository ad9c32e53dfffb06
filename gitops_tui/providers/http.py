"""One shared HTTP client per host: capped concurrency, backoff on rate limits,
conditional requests, and a token that never leaves its host.

Errors become :class:`ProviderError` whose text is a short reason (``HTTP 404``,
``timed out``) built from status codes and exception kinds only, so it can never hold
a token or a URL with one.
"""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx
import orjson

MAX_RETRIES = 2  # per request, on 429/503 and rate-limit responses
MAX_WAIT_S = 60.0  # longer waits give up for now (the stage stays unknown, with the reason)
TIMEOUT_S = 15.0


class ProviderError(Exception):
    """Why a provider could not answer; ``str()`` is safe to show."""


class HostClient:
    """Requests to one host, at most ``limit`` at a time, with its own auth headers."""

    def __init__(self, base: str, headers: dict[str, str], limit: int, stats: "Stats") -> None:
        self.host = (urlsplit(base).hostname or "").lower()
        self._headers = headers
        self._limit = asyncio.Semaphore(limit)
        self._etags: dict[str, tuple[str, Any]] = {}
        self._stats = stats
        # Redirects are followed by hand: the token goes along only to this same host.
        self._client = httpx.AsyncClient(follow_redirects=False, timeout=TIMEOUT_S)

    async def get_json(self, url: str) -> Any:
        """The decoded JSON at ``url`` (a 304 answers from the remembered body)."""
        for attempt in range(MAX_RETRIES + 1):
            async with self._limit:
                if not await self._stats.wait_for(self.host):
                    raise ProviderError("rate-limited: the host asked to wait (not asked again yet)")
                response = await self._send(url)
            if response.status_code in (429, 503) or _rate_limited(response):
                wait = _retry_after(response)
                self._stats.rate_limited(self.host, wait)
                if attempt < MAX_RETRIES and wait <= MAX_WAIT_S:
                    await asyncio.sleep(wait)
                    continue
                raise ProviderError(f"HTTP {response.status_code}: rate-limited")
            return self._decode(url, response)
        raise ProviderError("rate-limited")  # not reached

    async def _send(self, url: str) -> httpx.Response:
        headers = dict(self._headers)
        if url in self._etags:
            headers["If-None-Match"] = self._etags[url][0]
        for _ in range(5):
            self._stats.requests += 1
            try:
                response = await self._client.get(url, headers=headers)
            except httpx.TimeoutException:
                raise ProviderError("timed out") from None
            except httpx.HTTPError as exc:
                raise ProviderError(f"connection failed ({type(exc).__name__})") from None
            if response.status_code not in (301, 302, 303, 307, 308):
                return response
            target = urljoin(url, response.headers.get("location", ""))
            if (urlsplit(target).hostname or "").lower() != self.host:
                raise ProviderError(f"HTTP {response.status_code}: redirected to another host (not followed)")
            url = target
        raise ProviderError("too many redirects")

    def _decode(self, url: str, response: httpx.Response) -> Any:
        if response.status_code == 304 and url in self._etags:
            return self._etags[url][1]
        if response.status_code >= 400:
            phrase = response.reason_phrase or ""
            raise ProviderError(f"HTTP {response.status_code} {phrase}".strip())
        try:
            body = orjson.loads(response.content)
        except orjson.JSONDecodeError:
            raise ProviderError("invalid JSON in the response") from None
        if tag := response.headers.get("etag"):
            self._etags[url] = (tag, body)
        return body

    async def aclose(self) -> None:
        await self._client.aclose()


class Stats:
    """Requests made and rate limits met, across hosts (for progress and tests)."""

    def __init__(self) -> None:
        self.requests = 0
        self.limited_until: dict[str, float] = {}  # host -> epoch seconds

    def rate_limited(self, host: str, wait: float) -> None:
        self.limited_until[host] = max(self.limited_until.get(host, 0.0), time.time() + wait)

    async def wait_for(self, host: str) -> bool:
        """Hold a request while its host said to back off (never hammer); False when the
        wait is too long to hold it (the request is not sent)."""
        delay = self.limited_until.get(host, 0.0) - time.time()
        if delay > MAX_WAIT_S:
            return False
        if delay > 0:
            await asyncio.sleep(delay)
        return True

    def rate_limit_text(self) -> str | None:
        """``rate-limited until 14:05`` while any host said so, else None."""
        until = max(self.limited_until.values(), default=0.0)
        if until <= time.time():
            return None
        return "rate-limited until " + datetime.fromtimestamp(until, timezone.utc).astimezone().strftime("%H:%M")


def _rate_limited(response: httpx.Response) -> bool:
    """GitHub answers 403 with X-RateLimit-Remaining: 0 when the budget is spent."""
    return response.status_code == 403 and response.headers.get("x-ratelimit-remaining") == "0"


def _retry_after(response: httpx.Response) -> float:
    """Seconds to wait: Retry-After (seconds), else the rate-limit reset time, else 1."""
    value = response.headers.get("retry-after", "")
    if value.strip().isdigit():
        return float(value)
    reset = response.headers.get("x-ratelimit-reset", "")
    if reset.strip().isdigit():
        return max(0.0, float(reset) - time.time())
    return 1.0
