"""Flux v1 sync tags read from a real git repository: exact, ancestor, not yet synced,
annotated and lightweight tags, a moved tag, rewritten history."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from gitops_tui.domain import rules
from gitops_tui.sync.facts import sync_facts
from gitops_tui.sync.flux_tags import SyncError, ancestry, cluster_tags, refresh
from tests.sync.gitrepo import git, manifest_repo, tag


def _row(key: str, sha: str, ring: str = "prod", pushed: str = "2026-01-01T00:00:00.0000000Z") -> dict:
    return {"PartitionKey": "p", "RowKey": key, "service": "svc", "env": ring, "p1": key,
            "p1Status": "succeeded", "p2": "2", "p2Status": "succeeded", "p3": "3", "p3Status": "succeeded",
            "p3FinishedAt": pushed, "manifestCommitId": sha, "Timestamp": pushed}


def _sync(repo: Path, cache: Path, rows: list[dict], clusters=None, seen=None):
    deployments, _ = rules.build(rows)
    mirror = refresh(str(repo), cache)
    tags = cluster_tags(mirror, "flux-")
    found = ancestry(mirror, {t.commit for t in tags.values()})
    facts = sync_facts(deployments, tags, found, clusters or {}, {} if seen is None else seen)
    merged = [{**r, **facts.get((r["PartitionKey"], r["RowKey"]), {})} for r in rows]
    return {d.id: d for d in rules.build(merged)[0]}, tags, found


def test_exact_ancestor_and_not_yet_synced(tmp_path: Path) -> None:
    repo = tmp_path / "manifests"
    shas = manifest_repo(repo, 5)
    tag(repo, "flux-east", shas[3], annotated=True, when=1_800_000_000)
    tag(repo, "flux-west", shas[1])
    rows = [_row("old", shas[1][:7], pushed="2026-01-01T00:00:00.0000000Z"),
            _row("mid", shas[3], pushed="2026-01-02T00:00:00.0000000Z"),
            _row("new", shas[4], pushed="2026-01-03T00:00:00.0000000Z")]
    by_id, tags, _ = _sync(repo, tmp_path / "cache", rows)
    assert tags["east"].commit == shas[3]  # the annotated tag peeled to its commit
    assert tags["east"].at == datetime.fromtimestamp(1_800_000_000, timezone.utc)
    assert by_id["old"].synced_clusters == ("east", "west")  # short sha, ancestor of east
    assert (by_id["old"].status, by_id["old"].rollout) == ("succeeded", "synced")
    assert by_id["mid"].synced_clusters == ("east",) and by_id["mid"].pending_clusters == ("west",)
    assert (by_id["mid"].status, by_id["mid"].rollout) == ("in_progress", "partial")
    assert (by_id["new"].status, by_id["new"].rollout, by_id["new"].synced_clusters) == ("in_progress", "pending", ())


def test_configured_ring_clusters_and_cluster_behind(tmp_path: Path) -> None:
    repo = tmp_path / "manifests"
    shas = manifest_repo(repo, 4)
    tag(repo, "flux-east", shas[3])
    tag(repo, "flux-west", shas[0])
    by_id, _, found = _sync(repo, tmp_path / "cache", [_row("d", shas[3])], clusters={"prod": ["east"]})
    assert (by_id["d"].status, by_id["d"].rollout, by_id["d"].pending_clusters) == ("succeeded", "synced", ())
    assert found.behind(shas[0]) == (3, 1_700_000_060)  # three commits, missing since the second
    assert found.behind(shas[3]) == (0, None)


def test_a_tag_moving_between_polls_and_a_rewritten_history(tmp_path: Path) -> None:
    repo, cache = tmp_path / "manifests", tmp_path / "cache"
    shas = manifest_repo(repo, 3)
    tag(repo, "flux-east", shas[1])
    rows = [_row("d", shas[2])]
    assert _sync(repo, cache, rows)[0]["d"].rollout == "pending"
    tag(repo, "flux-east", shas[2])  # moved: seen at the next poll
    assert _sync(repo, cache, rows)[0]["d"].rollout == "synced"
    # History rewritten: main reset and a new commit force-pushed; the tag moves with it.
    git(repo, "reset", "-q", "--hard", shas[0])
    (repo / "app.yaml").write_text("replicas: 9\n")
    git(repo, "commit", "-q", "-am", "rewritten")
    tag(repo, "flux-east", git(repo, "rev-parse", "HEAD"))
    after, _, found = _sync(repo, cache, rows)
    assert after["d"].rollout == "pending"  # its commit is no longer in the cluster
    assert found.behind(git(repo, "rev-parse", "HEAD")) == (0, None)


def test_superseded_when_a_later_deployment_reached_the_cluster(tmp_path: Path) -> None:
    repo = tmp_path / "manifests"
    shas = manifest_repo(repo, 2)
    git(repo, "checkout", "-q", "--orphan", "other")
    (repo / "app.yaml").write_text("other\n")
    git(repo, "commit", "-q", "-am", "other line")
    tag(repo, "flux-east", git(repo, "rev-parse", "HEAD"))
    rows = [_row("early", shas[1], pushed="2026-01-01T00:00:00.0000000Z"),
            _row("late", git(repo, "rev-parse", "HEAD"), pushed="2026-01-02T00:00:00.0000000Z")]
    by_id, _, _ = _sync(repo, tmp_path / "cache", rows)
    assert by_id["late"].status == "succeeded"
    assert by_id["early"].status == "superseded" and by_id["early"].rollout is None


def test_synced_at_is_first_seen_and_remembered(tmp_path: Path) -> None:
    repo = tmp_path / "manifests"
    shas = manifest_repo(repo, 2)
    tag(repo, "flux-east", shas[1], annotated=True, when=1_800_000_000)
    seen: dict = {}
    _sync(repo, tmp_path / "cache", [_row("d", shas[1])], seen=seen)
    assert seen == {"east": {shas[1][:7]: "2027-01-15T08:00:00.000000Z"}}  # the tag's own time
    tag(repo, "flux-east", shas[1], annotated=True, when=1_900_000_000)
    _sync(repo, tmp_path / "cache", [_row("d", shas[1])], seen=seen)
    assert seen["east"][shas[1][:7]] == "2027-01-15T08:00:00.000000Z"  # kept
    git(repo, "commit", "-q", "--allow-empty", "-m", "next")
    tag(repo, "flux-east", git(repo, "rev-parse", "HEAD"), annotated=True, when=1_950_000_000)
    before = datetime.now(timezone.utc)
    _sync(repo, tmp_path / "cache", [_row("d", shas[1]), _row("n", git(repo, "rev-parse", "HEAD"))], seen=seen)
    # Seen while watching: the time it was first seen there, not the tag's.
    assert seen["east"][git(repo, "rev-parse", "HEAD")[:7]] >= before.isoformat()[:19]


def test_no_tags_changes_nothing(tmp_path: Path) -> None:
    repo = tmp_path / "manifests"
    shas = manifest_repo(repo, 1)
    d = _sync(repo, tmp_path / "cache", [_row("d", shas[0])])[0]["d"]
    assert (d.status, d.rollout, d.synced_clusters) == ("succeeded", None, ())


def test_an_unreachable_repo_is_one_line_without_the_token(tmp_path: Path) -> None:
    with pytest.raises(SyncError) as caught:
        refresh("https://user:s3cr3t@127.0.0.1:9/none.git", tmp_path)
    assert "s3cr3t" not in str(caught.value) and "\n" not in str(caught.value)


def test_the_spektate_flux_sync_tag_reads_as_cluster_sync(tmp_path: Path) -> None:
    """Spektate's recorded flux-sync tag (tests/fixtures/spektate): its tagger, date and
    message on a real annotated tag read back as the cluster "sync" at that time."""
    import json

    from helpers import SPEKTATE

    recorded = json.loads((SPEKTATE / "azdo-manifest-sync-tag-response.json").read_text())
    repo = tmp_path / "manifests"
    shas = manifest_repo(repo, 2)
    when = int(datetime.fromisoformat(recorded["taggedBy"]["date"]).replace(tzinfo=timezone.utc).timestamp())
    git(repo, "tag", "-a", "-m", recorded["message"], recorded["name"], shas[0], when=when)
    tags = cluster_tags(refresh(str(repo), tmp_path / "cache"), "flux-")
    assert list(tags) == ["sync"]
    assert tags["sync"].commit == shas[0]
    assert tags["sync"].at == datetime(2019, 10, 31, 19, 17, 58, tzinfo=timezone.utc)
