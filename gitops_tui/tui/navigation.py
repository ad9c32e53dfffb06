"""Views and the view stack (k9s style), and the help screen.

deployments is home; rings and clusters are reached with ``:``, the journey of one
deployment with ``enter`` (from clusters: a cluster, then a deployment). The stack is a
path, not a history: ``esc`` goes up one level (journey → the list it was opened from →
deployments); jumping to a view with
``:`` starts the path again from deployments. ``?`` lists every binding
from :mod:`gitops_tui.tui.bindings` with the keys it has now (after the keymap).
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Coroutine
from datetime import datetime
from typing import Any

from rich.text import Text
from textual.binding import Binding
from textual.widgets import ContentSwitcher

from gitops_tui.domain.model import Snapshot
from gitops_tui.index.table import TableModel
from gitops_tui.tui.bindings import in_help_order
from gitops_tui.tui.insights_state import InsightsState
from gitops_tui.tui.views.clusters import ClustersView, ClusterView
from gitops_tui.tui.views.detail import DetailView
from gitops_tui.tui.views.help import HelpRow, HelpScreen
from gitops_tui.tui.views.insights import InsightsView
from gitops_tui.tui.views.outlook import render_outlook
from gitops_tui.tui.views.rings import RingsView
from gitops_tui.tui.widgets.deployment_table import DeploymentTable


COMPUTING = Text("ETA: computing insights…", style="dim")


class Navigation:
    """Mixed into :class:`~gitops_tui.tui.app.GitopsApp` (which sets the state below)."""

    clock: Callable[[], datetime]
    index: TableModel
    snapshot: Snapshot | None
    view_stack: list[str]  # home first; the view on screen last
    detail_key: tuple[str, str] | None  # the deployment the journey view shows
    cluster_key: tuple[str, str] | None  # (partition, cluster) the cluster view shows
    insights: InsightsState
    _view_version: dict[str, tuple[object, ...]]  # what each view last drew

    @property
    def view(self) -> str:
        return self.view_stack[-1]

    def show_view(self, name: str, *, push: bool = True) -> None:
        """``name`` on screen; ``push``: one level below the view on screen (a journey
        opened from a list), else the stack is ``deployments`` then ``name``."""
        if name == "deployments":
            self.view_stack = ["deployments"]
        elif not push:
            pass
        elif name in ("detail", "cluster"):  # one level below the view on screen
            if self.view != name:
                self.view_stack.append(name)
        else:
            self.view_stack = ["deployments", name]
        self.query_one(ContentSwitcher).current = name
        self._refresh_view()
        self.query_one(f"#{name}").focus()
        self._refresh_status()

    def _refresh_view(self) -> None:
        """Redraw the rings / clusters / detail view on screen if its inputs changed."""
        view = self.view
        now = self.clock()
        snapshot = self.snapshot
        if view == "deployments" or snapshot is None:
            return
        state = (self.index.version, id(snapshot), now, self.detail_key, self.cluster_key)
        if self._view_version.get(view) == state:
            return
        self._view_version[view] = state
        if view == "rings":
            self.query_one(RingsView).show(
                self.index.ring_matrix(self.insights.engine.settings.rings), now, self.config.ring_lag_grace_s)
        elif view == "clusters":
            self.query_one(ClustersView).show(self.index.cluster_summaries(snapshot.clusters), now)
        elif view == "cluster":
            found = [s for s in self.index.cluster_summaries(snapshot.clusters)
                     if (s.sync.partition, s.sync.cluster) == self.cluster_key]
            self.query_one(ClusterView).show(found[0] if found else None, now)
        elif view == "insights":
            engine = self.insights.sync(snapshot, self.index, now)
            if not self.insights.ready:
                self.query_one(InsightsView).show_computing()
                return
            stuck: dict[tuple[str, str], int] = {}
            for key in self.insights.stuck:
                d = self.index.get(key)
                if d is not None and d.service and d.ring:
                    stuck[(d.service, d.ring)] = stuck.get((d.service, d.ring), 0) + 1
            self.query_one(InsightsView).show(engine.dora(now), engine.drift(), stuck)
        elif view == "detail" and self.detail_key is not None:
            found = self.index.get(self.detail_key)
            extra = None
            if found is not None:
                engine = self.insights.sync(snapshot, self.index, now)
                extra = (render_outlook(engine.eta(found, now), engine.stuck(found, now), now)
                         if self.insights.ready else COMPUTING)
            self.query_one(DetailView).show(found, snapshot.clusters, now, extra)

    def _run_insights(self, job: Coroutine[Any, Any, None]) -> object:
        return self.run_worker(job, group="insights", name="insights", exclusive=True)  # type: ignore[attr-defined]

    def _insights_ready(self) -> None:
        """A background rebuild finished: catch up with the newest snapshot, redraw."""
        if getattr(self, "_froze_gc", False):
            gc.freeze()  # the figures are long-lived too (as the loaded rows: see live.py)
        self.sync_stuck()
        for view in ("insights", "detail"):
            self._view_version.pop(view, None)
        self._refresh_view()
        self.table.refresh()  # type: ignore[attr-defined]
        self._refresh_status()

    def sync_stuck(self) -> None:
        """The insights up to the snapshot, and the keys status:stuck matches."""
        self.insights.sync(self.snapshot, self.index, self.clock())
        self.index.set_stuck(frozenset(self.insights.stuck))

    def on_clusters_view_opened(self, message: ClustersView.Opened) -> None:
        self.cluster_key = message.key
        self._view_version.pop("cluster", None)
        self.show_view("cluster")

    def on_cluster_view_opened(self, message: ClusterView.Opened) -> None:
        self.on_deployment_table_opened(message)  # type: ignore[arg-type]

    def on_rings_view_opened(self, message: RingsView.Opened) -> None:
        self.on_deployment_table_opened(message)  # type: ignore[arg-type]

    def on_deployment_table_opened(self, message: DeploymentTable.Opened) -> None:
        self.detail_key = message.key
        self._view_version.pop("detail", None)
        self.show_view("detail")

    def action_back(self) -> None:
        """esc: leave the filter line, else leave a view, else clear the filter."""
        if self.filter_bar.has_focus:
            self.clear_filter()
            return
        if len(self.view_stack) > 1:
            self.view_stack.pop()
            self.show_view(self.view, push=False)
            return
        if self.index.query:
            self.clear_filter()

    def action_help(self) -> None:
        self.push_screen(HelpScreen(self.help_rows()))

    def help_rows(self) -> list[HelpRow]:
        """Every binding, with the keys it has now (after the config keymap)."""
        keymap = self._keymap  # what Textual applies: set_keymap's, normalised
        rows = []
        for where, spec in in_help_order():
            keys = keymap.get(spec.id, spec.keys)
            shown = " ".join(
                self.get_key_display(Binding(k.strip(), spec.action)) for k in keys.split(",")
            )
            rows.append(HelpRow(where, shown, spec.tooltip or spec.description, spec.id))
        rows.append(HelpRow("Everywhere", "^q", "Quit (Textual's own)", ""))
        return rows
