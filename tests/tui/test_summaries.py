"""The rings matrix and the per-cluster summaries, on the story's data."""

from __future__ import annotations

from gitops_tui.index.journey import JourneyIndex
from gitops_tui.domain.overview import cluster_summaries, ring_matrix
from gitops_tui.domain.vocab import ring_rank

from .fakes import story_store


async def _snapshot():
    store = await story_store()
    index = JourneyIndex()
    index.load([v[2] for v in store.rows.values()])
    return index.snapshot()


def test_ring_order_rule() -> None:
    assert ring_rank("dev") < ring_rank("qa") < ring_rank("master") < ring_rank("prod")
    assert ring_rank("STAGING") == ring_rank("master")
    assert ring_rank("securitybugfix") is None


async def test_ring_matrix_marks_a_ring_behind_its_upstream() -> None:
    snap = await _snapshot()
    matrix = ring_matrix(snap.deployments)
    assert matrix.rings == ["dev", "master", "securitybugfix"]  # known order, then first seen
    assert {"frontend", "backend"} <= set(matrix.services)
    front_dev = matrix.cell("frontend", "dev")
    front_master = matrix.cell("frontend", "master")
    assert front_dev.running.image_tag == "frontend-dev-103"
    assert front_dev.latest == front_dev.running  # build 108 has no ring yet (image stage only)
    assert front_master.running.image_tag == "frontend-dev-101"
    assert front_master.behind == "dev"
    back_master = matrix.cell("backend", "master")
    assert back_master.behind is None  # same image as dev runs
    bug = matrix.cell("backend", "securitybugfix")
    assert bug.running is None and bug.latest.status == "waiting"
    assert bug.behind is None  # feature rings have no upstream


async def test_cluster_summaries() -> None:
    snap = await _snapshot()
    summaries = {s.sync.cluster: s for s in cluster_summaries(snap.clusters, snap.deployments)}
    assert set(summaries) == {"east-us", "west-us"}
    west = summaries["west-us"]
    assert west.sync.manifest_commit == "m000201"
    running = {(d.service, d.ring, d.image_tag) for d in west.running}
    assert ("frontend", "master", "frontend-dev-101") in running
    pending = {d.manifest_commit for d in west.pending}
    assert "m000103" in pending and "m007001" in pending
    assert west.pending_count == len(west.pending)
    east = summaries["east-us"]
    assert east.pending_count == 0
    assert east.included == len([d for d in snap.deployments if "east-us" in d.synced_clusters])
