"""Flux v2 as a sync source: the commit statuses notification-controller posts on the
manifest repository, read through the configured enrichment provider.

notification-controller (internal/notifier/github.go, gitlab.go, azure_devops.go) posts
on the revision a Kustomization applied a status whose context (GitHub ``context``,
GitLab ``name``, Azure DevOps ``context.name`` with genre ``fluxcd`` or
``fluxcd:<summary>``) is by default ``<kind>/<name>/<provider uid prefix>`` in lower
case, e.g. ``kustomization/east-us/0c9c2e41``; the state is ``success`` (GitHub,
GitLab) or ``succeeded`` (Azure DevOps) for an Info event, ``failure``/``failed``/
``error`` for an Error one. The cluster is the ``cluster`` group of the configured
pattern (``sync.flux_status_context``) matched on the context.

One call per poll: the statuses of the newest pushed manifest commit. A cluster with a
success there runs it; the others keep the revision an earlier poll saw (a cluster not
seen yet is not reported until Flux posts on a commit asked about).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote, urlsplit

from gitops_tui.domain.model import Deployment
from gitops_tui.domain.rules import push_time
from gitops_tui.domain.timefmt import EPOCH, parse_iso
from gitops_tui.provider_config import ProviderConfig
from gitops_tui.providers import azure_devops, hosted
from gitops_tui.providers.facts import dig
from gitops_tui.providers.http import HostClient, ProviderError, Stats
from gitops_tui.sync.facts import pushed
from gitops_tui.sync.flux_tags import ClusterTag

SUCCESS = {"success", "succeeded"}
GENRE = "fluxcd"


def pick_provider(repo: str, providers: dict[str, ProviderConfig]) -> str | None:
    """The configured provider that hosts ``repo`` (the only one, else by host)."""
    if len(providers) == 1:
        return next(iter(providers))
    host = (urlsplit(repo if "://" in repo else "https://" + repo).hostname or "").lower()
    if ("dev.azure.com" in host or host.endswith("visualstudio.com")) and "azure_devops" in providers:
        return "azure_devops"
    if host.endswith("github.com") and "github" in providers:
        return "github"
    return "gitlab" if "gitlab" in providers else None


def parse_statuses(kind: str, body: Any, pattern: re.Pattern[str]) -> dict[str, tuple[bool, str | None]]:
    """Per cluster: whether its newest status is a success, and that status's time."""
    items = body.get("value", []) if kind == "azure_devops" and isinstance(body, dict) else body
    out: dict[str, tuple[bool, str | None]] = {}
    for s in items if isinstance(items, list) else []:
        if kind == "azure_devops":
            genre = str(dig(s, "context", "genre") or "")
            if genre != GENRE and not genre.startswith(GENRE + ":"):
                continue
            context, state, at = dig(s, "context", "name"), s.get("state"), s.get("creationDate")
        elif kind == "gitlab":
            context, state, at = s.get("name"), s.get("status"), s.get("finished_at") or s.get("created_at")
        else:
            context, state, at = s.get("context"), s.get("state"), s.get("updated_at") or s.get("created_at")
        found = pattern.search(context) if isinstance(context, str) else None
        if not found or not found.groupdict().get("cluster"):
            continue
        cluster = found.group("cluster")
        if cluster in out and (out[cluster][1] or "") >= str(at or ""):
            continue  # providers list the newest first; keep the newest per cluster
        out[cluster] = (str(state).lower() in SUCCESS, at if isinstance(at, str) else None)
    return out


class FluxStatusSource:
    """Callable per poll (with the deployments): clusters' revisions from one call."""

    def __init__(self, repo: str, kind: str, config: ProviderConfig, pattern: str,
                 stats: Stats | None = None) -> None:
        self.repo, self.kind, self.config = repo, kind, config
        self.pattern = re.compile(pattern)
        headers = (azure_devops.auth_headers(config) if kind == "azure_devops"
                   else hosted.GitHub.auth_headers(config) if kind == "github" else hosted.GitLab.auth_headers(config))
        self._client = HostClient(config.url, headers, 2, stats or Stats())
        self.known: dict[str, ClusterTag] = {}  # the last revision seen per cluster

    def url(self, sha: str) -> str:
        c, ref = self.config, quote(sha, safe="")
        if self.kind == "azure_devops":
            name = quote(self.repo.rstrip("/").rsplit("/", 1)[-1], safe="")
            org, project = quote(c.organization or "", safe=""), quote(c.project or "", safe="")
            return f"{c.url}/{org}/{project}/_apis/git/repositories/{name}/commits/{ref}/statuses?{azure_devops.API}"
        path = hosted.repo_path(self.repo) or ""
        if self.kind == "gitlab":
            return f"{c.url}/api/v4/projects/{quote(path, safe='')}/repository/commits/{ref}/statuses"
        return f"{c.url}/repos/{path}/commits/{ref}/statuses?per_page=100"

    async def __call__(self, deployments: Sequence[Deployment] = ()) -> dict[str, ClusterTag]:
        mine = [d for d in deployments if pushed(d)]
        if not mine:
            return dict(self.known)
        newest = max(mine, key=lambda d: (push_time(d) or EPOCH, d.id))
        sha = (newest.manifest_commit or "").lower()
        body = await self._client.get_json(self.url(sha))
        if not isinstance(body, (list, dict)):
            raise ProviderError("flux statuses: unexpected answer")
        for cluster, (ok, at) in parse_statuses(self.kind, body, self.pattern).items():
            if ok:
                self.known[cluster] = ClusterTag(cluster, sha, parse_iso(at) if at else None)
        return dict(self.known)

    async def aclose(self) -> None:
        await self._client.aclose()
