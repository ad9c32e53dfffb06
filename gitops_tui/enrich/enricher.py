"""Fetch what rows want (cache first, batched, bounded) and turn answers into facts.

:class:`Enricher` is shared by ``get`` (one pass) and the monitor (a pass per update);
a finished answer is cached for good, an error is remembered for the run (asked at most
once), an in-flight stage is asked again on the next pass.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from gitops_tui.domain.rows import Row, row_key
from gitops_tui.enrich.cache import Cache
from gitops_tui.enrich.plan import Target, Want, targets
from gitops_tui.provider_config import ProvidersConfig
from gitops_tui.providers import facts as F
from gitops_tui.providers.azure_devops import AzureDevOps
from gitops_tui.providers.azure_devops import auth_headers as azdo_headers
from gitops_tui.providers.hosted import GitHub, GitLab
from gitops_tui.providers.http import HostClient, ProviderError, Stats

Facts = dict[tuple[str, str], Row]
_BATCHED = {"build": "builds", "release": "releases"}


class Enricher:
    def __init__(self, settings: ProvidersConfig, cache: Cache | None = None) -> None:
        self.settings = settings
        self.cache = cache
        self.stats = Stats()
        self.done = self.total = 0
        self._errors: dict[Want, str] = {}  # asked once per run
        self._clients: dict[str, HostClient] = {}
        self._providers: dict[str, Any] = {}
        # Cache entries are scoped by where they came from (two organisations never mix).
        self._scope = {n: f"{c.url}/{c.organization or ''}/{c.project or ''}" for n, c in settings.providers.items()}
        for name, config in settings.providers.items():
            if name == "azure_devops":
                h = azdo_headers(config)
                self._providers[name] = AzureDevOps(config, self._client(config.url, h),
                                                    self._client(config.release_url or config.url, h))
            else:
                kind = GitHub if name == "github" else GitLab
                self._providers[name] = kind(config, self._client(config.url, kind.auth_headers(config)))

    def _client(self, base: str, headers: dict[str, str]) -> HostClient:
        # One client per host; its token is that host's provider's only.
        host = (urlsplit(base).hostname or "").lower()
        if host not in self._clients:
            self._clients[host] = HostClient(base, headers, self.settings.max_concurrency, self.stats)
        return self._clients[host]

    def progress(self) -> str | None:
        """``enriching 120/900`` while a pass runs, else the rate limit if any."""
        limited = self.stats.rate_limit_text()
        if self.done < self.total:
            return f"enriching {self.done}/{self.total}" + (f", {limited}" if limited else "")
        return limited

    async def facts(self, rows: Iterable[Row]) -> Facts:
        """Facts for every row that wants any (row key -> columns)."""
        wanted: dict[tuple[str, str], list[Target]] = {}
        for row in rows:
            if found := targets(row, self.settings):
                wanted[row_key(row)] = found
        answers: dict[Want, Any] = {}
        todo: set[Want] = set()
        for found in wanted.values():
            for t in found:
                if t.want in self._errors:
                    answers[t.want] = ProviderError(self._errors[t.want])
                elif self.cache is not None and (hit := self.cache.get(self._key(t.want))) is not None:
                    answers[t.want] = hit
                else:
                    todo.add(t.want)
        self.done, self.total = 0, len(todo)
        await self._fetch(todo, answers)
        if self.cache is not None:
            self.cache.save()
        return {key: _columns(found, answers) for key, found in wanted.items()}

    async def _fetch(self, todo: set[Want], answers: dict[Want, Any]) -> None:
        batches: dict[tuple[str, str], list[str]] = {}
        single: list[Want] = []
        for want in todo:
            if want[1] in _BATCHED:
                batches.setdefault((want[0], want[1]), []).append(want[2])
            else:
                single.append(want)
        jobs = [self._batch(p, kind, sorted(ids, key=_numeric), answers) for (p, kind), ids in batches.items()]
        jobs += [self._one(want, answers) for want in single]
        await asyncio.gather(*jobs)

    async def _batch(self, provider: str, kind: str, ids: list[str], answers: dict[Want, Any]) -> None:
        try:
            found = await getattr(self._providers[provider], _BATCHED[kind])(ids)
        except (ProviderError, AttributeError, TypeError, ValueError) as exc:
            found = {i: _error(exc) for i in ids}
        for i in ids:
            self._settle((provider, kind, i), found.get(i) or ProviderError("not found (expired or deleted)"), answers)

    async def _one(self, want: Want, answers: dict[Want, Any]) -> None:
        client, kind, *args = want
        api = self._providers[client]
        try:
            if kind == "timeline":
                result: Any = {"stages": await api.timeline(args[0])}
            elif kind == "run":
                result = await api.run(*args)
            elif kind == "commit":
                result = await api.commit(*args)
            else:
                result = await api.pull_request(*args)
        except (ProviderError, AttributeError, TypeError, ValueError) as exc:
            result = _error(exc)
        self._settle(want, result, answers)

    def _settle(self, want: Want, result: Any, answers: dict[Want, Any]) -> None:
        self.done += 1
        answers[want] = result
        if isinstance(result, ProviderError):
            self._errors[want] = str(result)
        elif self.cache is not None and _never_changes(want[1], result):
            self.cache.put(self._key(want), result)

    def _key(self, want: Want) -> str:
        return "\x1f".join((self._scope[want[0]], *want))

    async def aclose(self) -> None:
        await asyncio.gather(*(c.aclose() for c in self._clients.values()))


def _error(exc: BaseException) -> ProviderError:
    return exc if isinstance(exc, ProviderError) else ProviderError("unexpected response")


def _numeric(value: str) -> tuple[int, str]:
    return (int(value) if value.isdigit() else -1, value)




def _never_changes(kind: str, result: Any) -> bool:
    if kind == "commit":
        return bool(result.get("author"))
    if kind == "pr":
        return F.pr_finished(result)
    if kind == "timeline":
        return bool(result["stages"]) and all(F.finished(s) for s in result["stages"])
    return F.finished(result)


def _columns(found: list[Target], answers: dict[Want, Any]) -> Row:
    """One row's facts from the answers to its wants."""
    out: Row = {}
    for t in found:
        answer = answers.get(t.want)
        if t.pid == "":
            if not isinstance(answer, ProviderError) and answer:
                out.update({k: v for k, v in answer.items() if v})
            continue
        # Every stage column, None where unanswered: a later answer replaces an earlier one.
        out.update({t.pid + k: None for k in ("Status", "StartedAt", "FinishedAt", "Url", "Error")})
        out[t.pid + "Source"] = t.want[0]
        if t.want[1] == "timeline" and not isinstance(answer, ProviderError):
            stages = answer["stages"]
            answer = stages[t.index] if t.index < len(stages) else ProviderError(
                f"the build's timeline has no stage {t.index + 1}")
        if isinstance(answer, ProviderError):
            out[t.pid + "Error"] = str(answer)
        else:
            out.update({t.pid + k: v for k, v in answer.items() if v})
    return out
