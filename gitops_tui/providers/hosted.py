"""GitHub (and GitHub Enterprise by base URL) and GitLab (any host): CI runs, commit
authors and pull/merge requests of the repository a row's URL names."""

from __future__ import annotations

from urllib.parse import quote, urlsplit

from gitops_tui.provider_config import ProviderConfig
from gitops_tui.providers import facts as F
from gitops_tui.providers.http import HostClient


def repo_path(url: str | None) -> str | None:
    """``owner/name`` (GitLab: ``group/sub/name``) of a repository URL."""
    if not url:
        return None
    path = urlsplit(url if "://" in url else "https://" + url).path.strip("/")
    path = path.split("/-/", 1)[0]
    path = path[:-4] if path.endswith(".git") else path
    return path if path.count("/") >= 1 else None


class GitHub:
    def __init__(self, config: ProviderConfig, http: HostClient) -> None:
        self._api, self._http = config.url, http

    @staticmethod
    def auth_headers(config: ProviderConfig) -> dict[str, str]:
        base = {"Accept": "application/vnd.github+json"}
        return {**base, "Authorization": f"Bearer {config.token}"} if config.token else base

    async def run(self, repo: str, run_id: str) -> F.Facts:
        """An Actions job (Bedrock's pipelines record the job id, as Spektate reads it)."""
        body = await self._http.get_json(f"{self._api}/repos/{repo}/actions/jobs/{quote(run_id, safe='')}")
        state = body.get("conclusion") if body.get("status") == "completed" else body.get("status")
        return F.stage(state, body.get("started_at"), body.get("completed_at"), body.get("html_url"))

    async def commit(self, repo: str, sha: str) -> F.Facts:
        body = await self._http.get_json(f"{self._api}/repos/{repo}/commits/{quote(sha, safe='')}")
        return {"author": F.dig(body, "commit", "author", "name"), "authorEmail": F.dig(body, "commit", "author", "email")}

    async def pull_request(self, repo: str | None, number: str) -> F.Facts:
        body = await self._http.get_json(f"{self._api}/repos/{repo}/pulls/{quote(number, safe='')}")
        # GitHub calls a merged PR "closed": merged_at tells them apart.
        state = "merged" if body.get("merged_at") or body.get("merged") else body.get("state")
        return F.pr(state, body.get("title"), F.dig(body, "merged_by", "login"))


class GitLab:
    def __init__(self, config: ProviderConfig, http: HostClient) -> None:
        self._api, self._http = config.url + "/api/v4", http

    @staticmethod
    def auth_headers(config: ProviderConfig) -> dict[str, str]:
        return {"PRIVATE-TOKEN": config.token} if config.token else {}

    def _project(self, repo: str) -> str:
        return f"{self._api}/projects/{quote(repo, safe='')}"

    async def run(self, repo: str, run_id: str) -> F.Facts:
        body = await self._http.get_json(f"{self._project(repo)}/pipelines/{quote(run_id, safe='')}")
        return F.stage(body.get("status"), body.get("started_at") or body.get("created_at"),
                       body.get("finished_at"), body.get("web_url"))

    async def commit(self, repo: str, sha: str) -> F.Facts:
        body = await self._http.get_json(f"{self._project(repo)}/repository/commits/{quote(sha, safe='')}")
        return {"author": body.get("author_name"), "authorEmail": body.get("author_email")}

    async def pull_request(self, repo: str | None, number: str) -> F.Facts:
        body = await self._http.get_json(f"{self._project(repo or '')}/merge_requests/{quote(number, safe='')}")
        return F.pr(body.get("state"), body.get("title"), F.dig(body, "merged_by", "name"))
