"""The drill-down's outlook names each remaining hop, commit-to-sync per cluster too,
with what its time left rests on (plain text, no markup read from names)."""

from __future__ import annotations

from datetime import UTC, datetime

from rich.console import Console

from gitops_tui.insights.eta import Eta, HopEta
from gitops_tui.tui.views.outlook import render_outlook

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def _text(renderable) -> str:
    console = Console(width=120, record=True, color_system=None)
    console.print(renderable)
    return console.export_text()


def test_sync_hops_per_cluster_and_the_slowest_sets_the_eta():
    eta = Eta((HopEta("sync:east", 0.0, 6, ("svc", "dev"), 480.0),
               HopEta("sync:[b]west[/b]", 720.0, 12, ("svc", None), 480.0)))
    text = _text(render_outlook(eta, ["not synced on east 2h after its manifest commit, limit 1h"], NOW))
    assert "STUCK: not synced on east 2h after its manifest commit, limit 1h" in text
    assert "ETA ~12m, live at 12:12Z (on 6 samples)" in text
    assert "sync on east: overdue (past its median), running 8m (6 runs of svc → dev)" in text
    assert "sync on [b]west[/b]: ~12m left, running 8m (12 runs of svc (all rings))" in text


def test_unknown_sync_hop_says_unknown():
    text = _text(render_outlook(Eta((HopEta("sync:east", None, 0, (None, None), 60.0),)), [], NOW))
    assert "ETA unknown" in text and "sync on east: unknown" in text
