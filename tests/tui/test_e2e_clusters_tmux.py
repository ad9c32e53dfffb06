"""The real app in an 80×24 tmux pane: the Clusters view's cursor, a cluster's
deployments, a deployment's journey, and esc back up one level at a time."""

from __future__ import annotations

from pathlib import Path

from .test_e2e_tmux import Tmux, start_app, tmux  # noqa: F401 - the fixture


def test_80x24_cluster_then_deployment_and_back(tmp_path: Path, tmux: Tmux) -> None:  # noqa: F811
    start_app(tmp_path, tmux)
    tmux.keys(":", "clusters", "Enter")
    screen = tmux.wait_for(lambda s: ":clusters" in s and "WEST-US" in s, "the clusters view")
    assert all(len(line) <= 80 for line in screen.splitlines())
    tmux.keys("j", "Enter")  # the cursor to the second cluster, then open it
    screen = tmux.wait_for(lambda s: "Not synced yet: 2" in s and "Synced here" in s, "west-us's deployments")
    assert "WEST-US" in screen
    tmux.keys("Enter")  # the newest pending deployment's journey
    tmux.wait_for(lambda s: "→" in s and "Timeline" in s, "its journey")
    tmux.keys("Escape")
    tmux.wait_for(lambda s: "Not synced yet: 2" in s, "the cluster again")
    tmux.keys("Escape")
    tmux.wait_for(lambda s: ":clusters" in s and "EAST-US" in s and "Synced here" not in s, "the clusters again")
    tmux.keys("Escape")
    tmux.wait_for(lambda s: ":deployments" in s and "State" in s, "home")
