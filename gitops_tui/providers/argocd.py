"""Argo CD as a sync source: one ``GET /api/v1/applications`` per poll (read-only
token), each configured Application's synced revision as its destination cluster's.

The Application JSON read (``argoproj.io/v1alpha1``): ``metadata.name``,
``spec.destination.name`` (else ``.server``), ``status.sync.revision`` and ``.status``,
``status.health.status``, ``status.operationState.finishedAt``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from gitops_tui.domain.timefmt import parse_iso
from gitops_tui.providers.facts import dig
from gitops_tui.providers.http import HostClient, ProviderError, Stats
from gitops_tui.sync.flux_tags import ClusterTag
from gitops_tui.sync.settings import ArgoSettings

IN_CLUSTER = "https://kubernetes.default.svc"


@dataclass(frozen=True, slots=True)
class ArgoApp:
    """One Application's last sync as Argo CD reports it."""

    name: str
    cluster: str
    revision: str
    sync_status: str
    health: str
    finished_at: str | None


def destination(app: Any) -> str:
    """The destination cluster's name (the server's host when unnamed)."""
    name = dig(app, "spec", "destination", "name")
    if isinstance(name, str) and name:
        return name
    server = dig(app, "spec", "destination", "server")
    if server == IN_CLUSTER:
        return "in-cluster"
    return (urlsplit(server).hostname or server) if isinstance(server, str) and server else "unknown"


def parse_applications(body: Any, wanted: tuple[str, ...]) -> list[ArgoApp]:
    """The wanted Applications of a list answer (``{"items": [...]}``) or one Application."""
    items = body.get("items") if isinstance(body, dict) and "items" in body else [body]
    out = []
    for app in items or []:
        name = dig(app, "metadata", "name")
        revision = dig(app, "status", "sync", "revision")
        if name not in wanted or not isinstance(revision, str) or not revision:
            continue
        finished = dig(app, "status", "operationState", "finishedAt")
        out.append(ArgoApp(name, destination(app), revision.lower(),
                           str(dig(app, "status", "sync", "status") or "Unknown"),
                           str(dig(app, "status", "health", "status") or "Unknown"),
                           finished if isinstance(finished, str) else None))
    return out


class ArgoSource:
    """Callable per poll: the clusters' revisions from one API call. Raises
    :class:`ProviderError` (safe text) when the server cannot answer."""

    def __init__(self, settings: ArgoSettings, stats: Stats | None = None) -> None:
        self.settings = settings
        self.apps: list[ArgoApp] = []
        self._client = HostClient(settings.url, {"Authorization": f"Bearer {settings.token}"}, 2, stats or Stats())

    def url(self) -> str:
        names = self.settings.applications
        if len(names) == 1:  # the single-Application endpoint
            return f"{self.settings.url}/api/v1/applications/{names[0]}"
        return f"{self.settings.url}/api/v1/applications"

    async def __call__(self, deployments: object = ()) -> dict[str, ClusterTag]:
        body = await self._client.get_json(self.url())
        if not isinstance(body, dict):
            raise ProviderError("argocd: unexpected answer (not an Application list)")
        self.apps = parse_applications(body, self.settings.applications)
        return {a.cluster: ClusterTag(a.cluster, a.revision, parse_iso(a.finished_at) if a.finished_at else None)
                for a in self.apps}

    async def aclose(self) -> None:
        await self._client.aclose()


def sync_sources(settings: Any, providers: Any = None, repo: str | None = None) -> list[Any]:
    """The API sync sources ``sync:`` configures (Argo CD; Flux v2 commit statuses
    through the provider that hosts the manifest repository), for the sync watcher."""
    from gitops_tui.providers.flux_status import FluxStatusSource, pick_provider

    if settings is None:
        return []
    out: list[Any] = [ArgoSource(settings.argocd)] if settings.argocd is not None else []
    repo = settings.manifest_repo or repo
    configured = providers.providers if providers is not None else {}
    if settings.flux_status_context and repo and (kind := pick_provider(repo, configured)):
        out.append(FluxStatusSource(repo, kind, configured[kind], settings.flux_status_context))
    return out
