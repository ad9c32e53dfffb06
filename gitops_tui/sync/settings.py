"""The ``sync:`` config keys (public interface), checked: one-line errors naming the key.

```yaml
sync:
  manifest_repo: https://github.com/org/app-manifests   # any git URL or local path
  tag_prefix: flux-          # cluster name = the rest of the tag name
  clusters: {prod: [east-us, west-eu]}   # which clusters each ring deploys to
  argocd:                    # Argo CD's REST API, read-only token
    url: https://argocd.example.com
    token: ${env:ARGOCD_TOKEN}
    applications: [app-east-us, app-west-eu]
  flux_status_context: default   # Flux v2 commit statuses (regex with a cluster group)
```
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gitops_tui.config import Config, ConfigError

_KEYS = {"manifest_repo", "tag_prefix", "clusters", "argocd", "flux_status_context"}


@dataclass(frozen=True)
class SyncSettings:
    """Where the clusters' own sync signals are read."""

    manifest_repo: str | None = None
    tag_prefix: str = "flux-"
    clusters: dict[str, list[str]] = field(default_factory=dict)
    argocd: "ArgoSettings | None" = None
    flux_status_context: str | None = None  # regex with a ``cluster`` group (Flux v2 statuses)


@dataclass(frozen=True)
class ArgoSettings:
    """One Argo CD server and the Applications read from it (token never shown)."""

    url: str
    token: str = field(repr=False)
    applications: tuple[str, ...]


def sync_settings(config: Config) -> SyncSettings | None:
    """The validated ``sync:`` section, None when absent (nothing changes then)."""
    data, where = config.sync, config.source or Path("config")
    if data is None:
        return None

    def fail(key: str, message: str) -> ConfigError:
        return ConfigError(f"{where}: sync.{key}: {message}" if key else f"{where}: sync: {message}")

    if not isinstance(data, dict):
        raise fail("", "must be a mapping")
    for key in data:
        if key not in _KEYS:
            raise fail(str(key)[:40], f"unknown key (expected one of {', '.join(sorted(_KEYS))})")
    repo = data.get("manifest_repo")
    if repo is not None and (not isinstance(repo, str) or not repo.strip()):
        raise fail("manifest_repo", "must be a git URL or a local path")
    if isinstance(repo, str) and "://" not in repo and ":" not in repo.split("/")[0]:
        local = Path(repo).expanduser()
        repo = str(local if local.is_absolute() else where.parent / local)
    prefix = data.get("tag_prefix", "flux-")
    if not isinstance(prefix, str) or not prefix or any(c in prefix for c in " ~^:?*[\\"):
        raise fail("tag_prefix", "must be a tag name prefix such as flux-")
    clusters: Any = data.get("clusters") or {}
    if not isinstance(clusters, dict):
        raise fail("clusters", "must map each ring to a list of cluster names")
    rings: dict[str, list[str]] = {}
    for ring, names in clusters.items():
        if not isinstance(names, list) or not all(isinstance(n, str) and n.strip() for n in names):
            raise fail(f"clusters.{str(ring)[:40]}", "must be a list of cluster names")
        rings[str(ring).lower()] = [n.strip() for n in names]
    return SyncSettings(manifest_repo=repo.strip() if isinstance(repo, str) else None,
                        tag_prefix=prefix, clusters=rings, argocd=_argocd(data.get("argocd"), fail),
                        flux_status_context=_context(data.get("flux_status_context"), fail))


FLUX_DEFAULT_CONTEXT = r"^kustomization/(?P<cluster>[^/]+)(/|$)"  # Flux's default <kind>/<name>/<uid>


def _context(value: Any, fail: Any) -> str | None:
    if value is None:
        return None
    if value is True or value == "default":
        return FLUX_DEFAULT_CONTEXT
    if not isinstance(value, str):
        raise fail("flux_status_context", "must be a regular expression with a (?P<cluster>...) group, or default")
    try:
        compiled = re.compile(value)
    except re.error as exc:
        raise fail("flux_status_context", f"invalid regular expression ({exc})") from None
    if "cluster" not in compiled.groupindex:
        raise fail("flux_status_context", "needs a (?P<cluster>...) group naming the cluster")
    return value


def _argocd(data: Any, fail: Any) -> ArgoSettings | None:
    if data is None:
        return None
    if not isinstance(data, dict):
        raise fail("argocd", "must be a mapping with url, token and applications")
    for key in data:
        if key not in ("url", "token", "applications"):
            raise fail(f"argocd.{str(key)[:40]}", "unknown key (expected url, token, applications)")
    url = data.get("url")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise fail("argocd.url", "must be the server's http(s) URL")
    token = data.get("token")
    if not isinstance(token, str) or not token.strip() or token.startswith("${"):
        raise fail("argocd.token", "must be a read-only API token (an unset ${VAR} is not one)")
    apps = data.get("applications")
    if not isinstance(apps, list) or not apps or not all(isinstance(a, str) and a.strip() for a in apps):
        raise fail("argocd.applications", "must be a non-empty list of Application names")
    return ArgoSettings(url.rstrip("/"), token.strip(), tuple(a.strip() for a in apps))
