"""Argo CD as a sync source: the recorded Application list served by a local HTTP
server, a real manifest repository for ancestry, through ``get`` and the monitor."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from helpers import run_cli
from tests.enrich.provider_server import ProviderServer
from tests.sync.gitrepo import manifest_repo
from tests.sync.test_get_sync import _entity

from gitops_tui.config import StoreConfig
from gitops_tui.monitor import Monitor
from gitops_tui.providers.argocd import ArgoSource, parse_applications
from gitops_tui.stores.sqlite import SqliteStore
from gitops_tui.sync.settings import ArgoSettings, SyncSettings
from gitops_tui.sync.watcher import FluxTagSync, watch

FIXTURE = Path(__file__).parents[1] / "fixtures" / "argocd" / "applications.json"
TOKEN = "argo-secret-token-123"
APPS = ["app-east-us", "app-west-eu"]


def _answer(east: str, west: str) -> dict:
    text = FIXTURE.read_text().replace("REVISION_EAST", east).replace("REVISION_WEST", west)
    return json.loads(text)


def test_the_recorded_list_gives_revisions_status_and_destination() -> None:
    apps = parse_applications(_answer("a" * 40, "b" * 40), tuple(APPS))
    assert [(a.name, a.cluster, a.revision, a.sync_status, a.health, a.finished_at) for a in apps] == [
        ("app-east-us", "east-us", "a" * 40, "Synced", "Healthy", "2026-12-02T21:40:12Z"),
        ("app-west-eu", "in-cluster", "b" * 40, "OutOfSync", "Progressing", "2026-12-01T08:03:01Z"),
    ]  # the unconfigured Application is not read


def _setup(tmp_path: Path, server: ProviderServer, apps: list[str] = APPS) -> tuple[Path, list[str], dict]:
    repo = tmp_path / "manifests"
    shas = manifest_repo(repo, 3)
    cfg = tmp_path / "c.yaml"
    cfg.write_text(f"store:\n  kind: sqlite\n  path: {tmp_path / 't.db'}\nsync:\n  manifest_repo: {repo}\n"
                   f"  argocd:\n    url: {server.url()}\n    token: {TOKEN}\n    applications: {json.dumps(apps)}\n")
    (tmp_path / "rows.json").write_text(json.dumps({"entries": [
        _entity("a", shas[0][:7], "2026-01-01T00:00:00.000000Z"),
        _entity("b", shas[2], "2026-01-02T00:00:00.000000Z")]}))
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    done = run_cli("--config", str(cfg), "import", str(tmp_path / "rows.json"), env=env)
    assert done.returncode == 0, done.stderr
    return cfg, shas, env


def test_get_reads_argo_cd_with_one_call_and_ancestry(tmp_path: Path) -> None:
    with ProviderServer() as server:
        cfg, shas, env = _setup(tmp_path, server)
        server.json("/api/v1/applications", _answer(shas[2], shas[0]))
        done = run_cli("--config", str(cfg), "get", "--output", "json", env=env)
    assert done.returncode == 0, done.stderr
    by_id = {d["id"]: d for d in json.loads(done.stdout)}
    # a's commit is an ancestor of east's revision and is west's: live on both.
    assert (by_id["a"]["rollout"], by_id["a"]["synced_clusters"]) == ("synced", ["east-us", "in-cluster"])
    assert (by_id["b"]["status"], by_id["b"]["rollout"]) == ("in_progress", "partial")
    assert by_id["b"]["pending_clusters"] == ["in-cluster"]
    assert len(server.requests) == 1  # one API call per source, whatever the deployments
    assert server.requests[0][1]["authorization"] == f"Bearer {TOKEN}"
    assert TOKEN not in done.stdout + done.stderr


def test_one_application_uses_its_own_endpoint(tmp_path: Path) -> None:
    with ProviderServer() as server:
        cfg, shas, env = _setup(tmp_path, server, ["app-east-us"])
        server.json("/api/v1/applications/app-east-us", _answer(shas[2], shas[0])["items"][0])
        done = run_cli("--config", str(cfg), "get", "--output", "json", env=env)
    assert done.returncode == 0, done.stderr
    assert {d["id"]: d["rollout"] for d in json.loads(done.stdout)} == {"a": "synced", "b": "synced"}


def test_an_unreachable_api_is_one_line_and_keeps_the_rows(tmp_path: Path) -> None:
    with ProviderServer() as server:
        cfg, _, env = _setup(tmp_path, server)
        server.json("/api/v1/applications", {"message": "boom"}, status=500)
        done = run_cli("--config", str(cfg), "get", "--output", "json", env=env)
    assert done.returncode == 0, done.stderr
    assert "HTTP 500" in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert TOKEN not in done.stdout + done.stderr


def test_bad_argocd_config_is_exit_2_naming_the_key(tmp_path: Path) -> None:
    with ProviderServer() as server:
        cfg, _, env = _setup(tmp_path, server)
    cfg.write_text(cfg.read_text().replace(f"url: {server.url()}", "url: argocd.local"))
    done = run_cli("--config", str(cfg), "get", env=env)
    assert done.returncode == 2
    assert "sync.argocd.url" in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert TOKEN not in done.stderr


async def _settle() -> None:
    for _ in range(200):
        await asyncio.sleep(0.02)
        if not [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]:
            return


async def test_monitor_keeps_the_last_known_argo_sync_on_failure(tmp_path: Path) -> None:
    repo = tmp_path / "manifests"
    shas = manifest_repo(repo, 2)
    row = {"PartitionKey": "p", "RowKey": "d", "service": "svc", "env": "prod", "p1": "d",
           "p1Status": "succeeded", "p3": "md", "p3Status": "succeeded",
           "p3FinishedAt": "2026-01-01T00:00:00.000000Z", "manifestCommitId": shas[1]}
    store = SqliteStore(StoreConfig(kind="sqlite", path=tmp_path / "t.db", partition="p"))
    await store.open(create=True)
    await store.upsert_many([row])
    with ProviderServer() as server:
        server.json("/api/v1/applications", _answer(shas[1], shas[0]))
        argo = ArgoSource(ArgoSettings(server.url(), TOKEN, tuple(APPS)))
        sync = FluxTagSync(SyncSettings(manifest_repo=str(repo)), tmp_path / "cache", sources=[argo])
        monitor = Monitor(store)
        watch(monitor, sync)
        try:
            await monitor.load()
            await _settle()
            d = monitor.snapshot.deployments[0]
            assert (d.rollout, d.synced_clusters, d.pending_clusters) == ("partial", ("east-us",), ("in-cluster",))
            assert sync.state.behind["in-cluster"][0] == 1
            seen = {c.cluster: c for c in monitor.snapshot.clusters}  # listed like recorded ones
            assert (seen["in-cluster"].behind, seen["in-cluster"].manifest_commit) == (1, shas[0])
            assert seen["in-cluster"].behind_since is not None and seen["east-us"].behind == 0
            server.routes["/api/v1/applications"] = lambda q, h: (200, {}, "RESET")
            await monitor.poll()
            await _settle()
            assert monitor.snapshot.deployments[0].rollout == "partial"  # the last known sync
            assert sync.state.error and "connection failed" in sync.state.error
            assert TOKEN not in sync.state.error and "in-cluster" in sync.state.tags
        finally:
            await monitor.close()
            await argo.aclose()
