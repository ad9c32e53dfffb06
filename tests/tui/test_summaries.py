"""The rings matrix and the per-cluster summaries, on the story's data."""

from __future__ import annotations

from datetime import timedelta

from gitops_tui.index.journey import JourneyIndex
from gitops_tui.domain.overview import cluster_summaries, ring_matrix
from gitops_tui.domain.vocab import ring_rank
from gitops_tui.tui.views.rings import render_rings

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
    since = front_master.behind_since
    assert since == front_dev.running.updated_at  # dev got the newer image then
    # A lag only after the grace (ring_lag_grace, default 1h): dev is always a bit ahead.
    assert not front_master.lagging(since + timedelta(minutes=59), 3600)
    assert front_master.lagging(since + timedelta(minutes=61), 3600)
    assert not matrix.cell("frontend", "dev").lagging(since + timedelta(days=9), 3600)
    shown = render_rings(matrix, since + timedelta(hours=3), 3600).columns[2]._cells  # the MASTER column
    master_text = "\n".join(str(c) for c in shown)
    assert "⚠ behind DEV" in master_text and "since 3h ago" in master_text
    shown = render_rings(matrix, since + timedelta(minutes=10), 3600).columns[2]._cells
    master_text = "\n".join(str(c) for c in shown)
    assert "⚠" not in master_text and "DEV newer 10m ago" in master_text
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
