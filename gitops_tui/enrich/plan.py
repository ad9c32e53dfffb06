"""Which stage asks which provider, for what: one row's wants.

A want is a hashable key: ``(provider, kind, *args)``; kinds are ``build``, ``timeline``
(a multi-stage Azure DevOps build, p1 = p2), ``release``, ``run`` (GitHub job, GitLab
pipeline), ``commit`` and ``pr``. A stage whose row carries its own status asks nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from gitops_tui.domain.rows import Row, is_cluster_row
from gitops_tui.domain.rules import text
from gitops_tui.domain.vocab import STAGE_ID_COLUMN, STAGES
from gitops_tui.provider_config import ProvidersConfig
from gitops_tui.providers.azure_devops import repo_name
from gitops_tui.providers.hosted import repo_path

Want = tuple[str, ...]


@dataclass(frozen=True)
class Target:
    """Where a want's answer lands in a row: a stage (``p1``…, with the index of a
    timeline stage) or the row's own columns (``""``)."""

    pid: str
    want: Want
    index: int = 0


def provider_for(url: str | None, settings: ProvidersConfig) -> str | None:
    """The configured provider whose host a repository URL names."""
    host = (urlsplit(url if url and "://" in url else f"https://{url}").hostname or "").lower() if url else ""
    if not host:
        return None
    for name, config in settings.providers.items():
        hosts = {config.host}
        if name == "azure_devops":
            hosts |= {"dev.azure.com", "ssh.dev.azure.com"}
            if host.endswith(".visualstudio.com"):
                return name
        if name == "github" and config.host == "api.github.com":
            hosts.add("github.com")
        if host in hosts:
            return name
    return None


def targets(row: Row, settings: ProvidersConfig) -> list[Target]:
    """What ``row`` needs asked, and where each answer goes."""
    if is_cluster_row(row):
        return []
    col = lambda name: text(row.get(name))  # noqa: E731
    source, hld = col("sourceRepo"), col("hldRepo")
    out: list[Target] = []
    for stage in STAGES:
        pid = STAGE_ID_COLUMN[stage]
        run_id = col(pid)
        if not run_id or col(pid + "Status"):
            continue
        repo_url = hld if stage == "manifest" else (source or hld)
        provider = settings.pipelines.get(stage) or provider_for(repo_url, settings)
        if provider is None:
            continue
        if provider == "azure_devops":
            if stage == "manifest" or (stage == "image" and col("p2") != run_id):
                out.append(Target(pid, (provider, "build", run_id)))
            elif col("p1") == col("p2"):  # one multi-stage build ran stages 1 and 2
                out.append(Target(pid, (provider, "timeline", run_id), 0 if stage == "image" else 1))
            else:
                out.append(Target(pid, (provider, "release", run_id)))
        elif (repo := repo_path(repo_url)) is not None:
            out.append(Target(pid, (provider, "run", repo, run_id)))
    commit = col("commitId")
    provider = settings.pipelines.get("image") or provider_for(source, settings)
    if commit and not col("author") and provider:
        repo = repo_name(source) if provider == "azure_devops" else repo_path(source)
        if repo:
            out.append(Target("", (provider, "commit", repo, commit)))
    pr = col("pr")
    provider = settings.pipelines.get("hld") or provider_for(hld, settings)
    if pr and not col("prState") and provider:
        repo = "" if provider == "azure_devops" else repo_path(hld)
        if repo is not None:
            out.append(Target("", (provider, "pr", repo, pr)))
    return out
