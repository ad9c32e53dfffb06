"""Azure DevOps: builds by a batch of ids, build timelines (multi-stage builds), classic
release deployments, commits and pull requests, under ``{url}/{organization}/{project}``."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import quote

from gitops_tui.provider_config import ProviderConfig
from gitops_tui.providers import facts as F
from gitops_tui.providers.http import HostClient, ProviderError

API = "api-version=6.0"
BATCH = 50  # ids per builds/deployments request (URLs stay short)


def auth_headers(config: ProviderConfig) -> dict[str, str]:
    if not config.token:
        return {}
    return {"Authorization": "Basic " + base64.b64encode(b":" + config.token.encode()).decode()}


class AzureDevOps:
    def __init__(self, config: ProviderConfig, builds: HostClient, releases: HostClient) -> None:
        org, project = quote(config.organization or "", safe=""), quote(config.project or "", safe="")
        self._api = f"{config.url}/{org}/{project}/_apis"
        self._release_api = f"{config.release_url}/{org}/{project}/_apis"
        self._http, self._release_http = builds, releases

    async def builds(self, ids: list[str]) -> dict[str, F.Facts]:
        """Each build's stage facts, one request per batch of ids (missing: expired)."""
        out: dict[str, F.Facts] = {}
        for i in range(0, len(ids), BATCH):
            chunk = ids[i:i + BATCH]
            body = await self._http.get_json(f"{self._api}/build/builds?buildIds={','.join(chunk)}&{API}")
            for build in _values(body):
                state = build.get("result") if build.get("status") == "completed" else build.get("status")
                url = F.dig(build, "_links", "web", "href")
                out[str(build.get("id"))] = F.stage(state, build.get("startTime"), build.get("finishTime"), url)
        return out

    async def timeline(self, build_id: str) -> list[F.Facts]:
        """A multi-stage build's stages in order (first the image build, then the HLD
        update, as Spektate reads it); empty when the build has no stages."""
        body = await self._http.get_json(f"{self._api}/build/builds/{quote(build_id, safe='')}/timeline?{API}")
        records = body.get("records") if isinstance(body, dict) else None
        stages = sorted(
            (r for r in records or [] if isinstance(r, dict) and r.get("type") == "Stage"),
            key=lambda r: r.get("order") or 0,
        )
        return [
            F.stage(r.get("result") if r.get("state") == "completed" else r.get("state"),
                    r.get("startTime"), r.get("finishTime"), None)
            for r in stages
        ]

    async def releases(self, ids: list[str]) -> dict[str, F.Facts]:
        """Classic release deployments by release id (stage 2 when p2 ≠ p1)."""
        out: dict[str, F.Facts] = {}
        for i in range(0, len(ids), BATCH):
            chunk = ids[i:i + BATCH]
            body = await self._release_http.get_json(
                f"{self._release_api}/release/deployments?releaseIdFilter={','.join(chunk)}&{API}")
            for dep in _values(body):
                rid = str(F.dig(dep, "release", "id"))
                if rid in out:  # newest first: the latest attempt counts
                    continue
                url = F.dig(dep, "release", "_links", "web", "href")
                out[rid] = F.stage(dep.get("deploymentStatus"), dep.get("startedOn"), dep.get("completedOn"), url)
        return out

    async def commit(self, repo: str, sha: str) -> F.Facts:
        body = await self._http.get_json(
            f"{self._api}/git/repositories/{quote(repo, safe='')}/commits/{quote(sha, safe='')}?{API}")
        return {"author": F.dig(body, "author", "name"), "authorEmail": F.dig(body, "author", "email")}

    async def pull_request(self, repo: str | None, number: str) -> F.Facts:
        """Title, state and who completed it; ``closedBy`` of an abandoned PR is no merger."""
        body = await self._http.get_json(f"{self._api}/git/pullrequests/{quote(number, safe='')}?{API}")
        return F.pr(body.get("status") if isinstance(body, dict) else None, F.dig(body, "title"),
                    F.dig(body, "closedBy", "displayName"))


def _values(body: Any) -> list[dict[str, Any]]:
    values = body.get("value") if isinstance(body, dict) else None
    if not isinstance(values, list):
        raise ProviderError("unexpected response (no value list)")
    return [v for v in values if isinstance(v, dict)]


def repo_name(url: str | None) -> str | None:
    """The repository of an Azure Repos URL (``…/_git/NAME``)."""
    if url and "/_git/" in url:
        return url.split("/_git/", 1)[1].split("/", 1)[0].split("?", 1)[0] or None
    return None
