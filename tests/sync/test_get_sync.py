"""`get` with a `sync:` section: the clusters' own answer through the real entry point."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import run_cli
from tests.sync.gitrepo import manifest_repo, tag


def _entity(key: str, sha: str, pushed: str) -> dict:
    cols = {"PartitionKey": "p", "RowKey": key, "service": "svc", "env": "prod", "p1": key,
            "p1Status": "succeeded", "p2": "h" + key, "p2Status": "succeeded", "p3": "m" + key,
            "p3Status": "succeeded", "p3FinishedAt": pushed, "manifestCommitId": sha, "Timestamp": pushed}
    return {k: {"_": v} for k, v in cols.items()}


def _setup(tmp_path: Path, sync: str) -> tuple[Path, list[str], dict[str, str]]:
    repo = tmp_path / "manifests"
    shas = manifest_repo(repo, 3)
    tag(repo, "flux-east", shas[2], annotated=True, when=1_800_000_000)
    tag(repo, "flux-west", shas[0])
    cfg = tmp_path / "c.yaml"
    cfg.write_text(f"store:\n  kind: sqlite\n  path: {tmp_path / 't.db'}\n{sync.replace('REPO', str(repo))}")
    (tmp_path / "rows.json").write_text(json.dumps({"entries": [
        _entity("a", shas[0][:7], "2026-01-01T00:00:00.000000Z"),
        _entity("b", shas[2], "2026-01-02T00:00:00.000000Z")]}))
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    done = run_cli("--config", str(cfg), "import", str(tmp_path / "rows.json"), env=env)
    assert done.returncode == 0, done.stderr
    return cfg, shas, env


def test_get_json_tells_live_from_pushed(tmp_path: Path) -> None:
    cfg, _, env = _setup(tmp_path, "sync:\n  manifest_repo: REPO\n  tag_prefix: flux-\n")
    done = run_cli("--config", str(cfg), "get", "--output", "json", env=env)
    assert done.returncode == 0, done.stderr
    by_id = {d["id"]: d for d in json.loads(done.stdout)}
    assert by_id["a"]["status"] == "succeeded" and by_id["a"]["rollout"] == "synced"
    assert by_id["a"]["synced_clusters"] == ["east", "west"] and by_id["a"]["pending_clusters"] == []
    assert (by_id["b"]["status"], by_id["b"]["rollout"]) == ("in_progress", "partial")
    assert by_id["b"]["synced_clusters"] == ["east"] and by_id["b"]["pending_clusters"] == ["west"]
    assert list((tmp_path / "cache" / "gitops-tui" / "sync").glob("*.git"))  # the mirror, in XDG_CACHE_HOME
    table = run_cli("--config", str(cfg), "get", env=env)
    assert "1/2 EAST" in table.stdout and "2/2 EAST, WEST" in table.stdout


def test_without_sync_nothing_changes(tmp_path: Path) -> None:
    cfg, _, env = _setup(tmp_path, "")
    by_id = {d["id"]: d for d in json.loads(run_cli("--config", str(cfg), "get", "-o", "json", env=env).stdout)}
    assert all(d["status"] == "succeeded" and d["rollout"] is None for d in by_id.values())


def test_an_unreachable_repo_warns_and_lists_as_stored(tmp_path: Path) -> None:
    cfg, _, env = _setup(tmp_path, "sync:\n  manifest_repo: https://me:t0ken@127.0.0.1:9/x.git\n")
    done = run_cli("--config", str(cfg), "get", "-o", "json", env=env)
    assert done.returncode == 0 and "cluster sync:" in done.stderr and "t0ken" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert all(d["rollout"] is None for d in json.loads(done.stdout))


def test_bad_sync_keys_are_one_line_exit_2(tmp_path: Path) -> None:
    for bad, key in (("sync:\n  clusters: [a]\n", "sync.clusters"), ("sync:\n  tag_prefx: x\n", "sync.tag_prefx"),
                     ("sync:\n  clusters:\n    prod: east\n", "sync.clusters.prod")):
        cfg, _, env = _setup(tmp_path / key.replace(".", "_"), bad)
        done = run_cli("--config", str(cfg), "get", env=env)
        assert done.returncode == 2 and key in done.stderr and "Traceback" not in done.stderr
