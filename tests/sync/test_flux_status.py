"""Flux v2 commit statuses as a sync source: the recorded GitHub, GitLab and Azure
DevOps answers (notification-controller's context and genre), one call per poll on the
newest pushed manifest commit, through ``get`` with a local HTTP server."""

from __future__ import annotations

import json
import re
from pathlib import Path

from helpers import run_cli
from tests.enrich.provider_server import ProviderServer
from tests.sync.gitrepo import manifest_repo
from tests.sync.test_get_sync import _entity

from gitops_tui.providers.flux_status import parse_statuses
from gitops_tui.providers.hosted import repo_path
from gitops_tui.sync.settings import FLUX_DEFAULT_CONTEXT

FIXTURES = Path(__file__).parents[1] / "fixtures" / "flux"
TOKEN = "ghp_flux-secret-456"


def _answer(name: str, sha: str):  # type: ignore[no-untyped-def]
    return json.loads((FIXTURES / name).read_text().replace("REVISION", sha))


def test_each_providers_statuses_give_the_clusters_that_applied_the_commit() -> None:
    pattern = re.compile(FLUX_DEFAULT_CONTEXT)
    for kind, name in (("github", "github_statuses.json"), ("gitlab", "gitlab_statuses.json"),
                       ("azure_devops", "azure_devops_statuses.json")):
        found = parse_statuses(kind, _answer(name, "a" * 40), pattern)
        assert {c: ok for c, (ok, _) in found.items()} == {"east-us": True, "west-eu": False}, kind
        assert found["east-us"][1].startswith("2026-12-02T21:40:14")


def test_a_custom_pattern_names_the_cluster() -> None:
    body = [{"context": "flux/prod-east/kustomization/apps", "state": "success", "updated_at": "2026-12-02T21:40:14Z"}]
    found = parse_statuses("github", body, re.compile(r"^flux/(?P<cluster>[^/]+)/"))
    assert list(found) == ["prod-east"]


def _setup(tmp_path: Path, server: ProviderServer, context: str = "default") -> tuple[Path, list[str], dict, Path]:
    repo = tmp_path / "manifests"
    shas = manifest_repo(repo, 3)
    cfg = tmp_path / "c.yaml"
    cfg.write_text(f"store:\n  kind: sqlite\n  path: {tmp_path / 't.db'}\n"
                   f"providers:\n  github:\n    url: {server.url()}\n    token: {TOKEN}\n"
                   f"sync:\n  manifest_repo: {repo}\n  flux_status_context: '{context}'\n"
                   f"  clusters: {{prod: [east-us, west-eu]}}\n")
    (tmp_path / "rows.json").write_text(json.dumps({"entries": [
        _entity("a", shas[0][:7], "2026-01-01T00:00:00.000000Z"),
        _entity("b", shas[2], "2026-01-02T00:00:00.000000Z")]}))
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    done = run_cli("--config", str(cfg), "import", str(tmp_path / "rows.json"), env=env)
    assert done.returncode == 0, done.stderr
    return cfg, shas, env, repo


def test_get_reads_flux_statuses_of_the_newest_manifest_commit(tmp_path: Path) -> None:
    with ProviderServer() as server:
        cfg, shas, env, repo = _setup(tmp_path, server)
        server.json(f"/repos/{repo_path(str(repo))}/commits/{shas[2]}/statuses", _answer("github_statuses.json", shas[2]))
        done = run_cli("--config", str(cfg), "get", "--output", "json", "--no-enrich", env=env)
    assert done.returncode == 0, done.stderr
    by_id = {d["id"]: d for d in json.loads(done.stdout)}
    # east-us applied the newest commit (and so the older one); west-eu failed to.
    assert (by_id["b"]["rollout"], by_id["b"]["synced_clusters"], by_id["b"]["pending_clusters"]) == (
        "partial", ["east-us"], ["west-eu"])
    assert by_id["a"]["synced_clusters"] == ["east-us"]
    assert len(server.requests) == 1 and server.requests[0][1]["authorization"] == f"Bearer {TOKEN}"
    assert TOKEN not in done.stdout + done.stderr


def test_a_pattern_without_a_cluster_group_is_exit_2(tmp_path: Path) -> None:
    with ProviderServer() as server:
        cfg, _, env, _ = _setup(tmp_path, server, context="^kustomization/")
    done = run_cli("--config", str(cfg), "get", env=env)
    assert done.returncode == 2 and "sync.flux_status_context" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
