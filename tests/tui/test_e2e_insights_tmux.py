"""The real app in an 80x24 tmux pane: ``:insights`` draws the service × ring figures
and the lead-time chart within the width, without escapes; ``status:stuck`` filters."""

from __future__ import annotations

from pathlib import Path

from .test_e2e_tmux import Tmux, start_app, tmux  # noqa: F401 - tmux is the fixture


def test_80x24_insights_view_and_status_stuck(tmp_path: Path, tmux: Tmux) -> None:  # noqa: F811
    start_app(tmp_path, tmux, extra="insights:\n  window: 3650d\n")
    tmux.keys(":", "insights", "Enter")
    screen = tmux.wait_for(lambda s: "Behind" in s and "→" in s, "the insights view")
    assert all(len(line) <= 80 for line in screen.splitlines())
    assert "\x1b" not in screen
    frontend_master = next(line for line in screen.splitlines() if "frontend" in line and "master" in line)
    assert "1 (30m)" in frontend_master  # master runs 101, dev has 103 since: one image, 30m behind
    tmux.keys("j")
    tmux.wait_for(lambda s: "Lead time of backend → dev" in s, "the next cell")
    tmux.keys(":", "deployments", "Enter")
    tmux.wait_for(lambda s: ":deployments" in s, "home")
    tmux.keys("/")
    tmux.keys("status:stuck", literal=True)
    tmux.keys("Enter")
    # The story's in-flight rows started hours before the real clock: far past any p95.
    screen = tmux.wait_for(lambda s: "/11 deployments" in s and "status:stuck" in s, "the stuck filter")
    assert "0/11 deployments" not in screen, screen
