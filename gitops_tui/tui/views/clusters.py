"""``:clusters``: per cluster, what it runs and what it has not synced yet.

For each cluster-sync record (``Snapshot.clusters``): the manifest commit it last
applied and when; the deployments live there (the newest per service and ring, and how
many in all: a deployment is live when its manifest commit is the synced one or older
on the same manifest stream); and the deployments that have a manifest commit but are
not synced there yet (newest first). The view honours the active filter.
"""

from __future__ import annotations

from datetime import datetime

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from gitops_tui.domain.model import Deployment
from gitops_tui.present import status_label
from gitops_tui.domain.textsafe import clean
from gitops_tui.domain.timefmt import relative
from gitops_tui.domain.overview import ClusterSummary

PENDING_SHOWN = 20  # the newest; the count says how many more
from gitops_tui.tui.views.detail import STATUS_STYLES, when


def _deployments_table(rows: list[Deployment], now: datetime) -> Table:
    table = Table(box=None, padding=(0, 1), show_edge=False, header_style="dim", expand=False)
    for header in ("State", "Service", "Ring", "Image", "Commit", "Manifest", "Updated"):
        table.add_column(header, no_wrap=True, overflow="ellipsis", max_width=36)
    for d in rows:
        table.add_row(
            Text(status_label(d.status), style=STATUS_STYLES.get(d.status, "")),
            Text(clean(d.service or "-", 40)),
            Text(clean((d.ring or "-").upper(), 20)),
            Text(clean(d.image_tag or "-", 60)),
            Text(clean((d.commit or "-")[:7], 10)),
            Text(clean((d.manifest_commit or "-")[:7], 10)),
            Text(relative(d.updated_at, now)),
        )
    return table


def _summary(s: ClusterSummary, now: datetime) -> list[RenderableType]:
    head = Text()
    head.append(clean(s.sync.cluster.upper(), 60), style="bold reverse")
    head.append(f"  partition {clean(s.sync.partition, 60)}", style="dim")
    line = Text("  at manifest commit ")
    line.append(clean(s.sync.manifest_commit[:7], 10), style="bold")
    line.append(f" · synced {when(s.sync.synced_at, now)}")
    parts: list[RenderableType] = [head, line]
    runs = Text(f"  Runs {s.included:,} deployment{'s' if s.included != 1 else ''}", style="bold")
    if s.running:
        runs.append(f" (newest per service and ring: {len(s.running)})", style="dim")
    parts.append(runs)
    if s.running:
        parts.append(_deployments_table(s.running, now))
    pending = Text(f"  Not synced yet: {s.pending_count:,}", style="bold yellow" if s.pending_count else "bold")
    shown = list(s.pending[:PENDING_SHOWN])
    if s.pending_count > len(shown):
        pending.append(f" (newest {len(shown)} shown)", style="dim")
    parts.append(pending)
    if shown:
        parts.append(_deployments_table(shown, now))
    parts.append(Text(""))
    return parts


def render_clusters(summaries: list[ClusterSummary], now: datetime) -> RenderableType:
    if not summaries:
        return Text(
            "No cluster has reported a sync yet (gitops-tui record --stage cluster-sync "
            "--cluster NAME --manifest-commit-id SHA).",
            style="dim",
        )
    parts: list[RenderableType] = []
    for s in summaries:
        parts.extend(_summary(s, now))
    return Group(*parts)


class ClustersView(VerticalScroll):
    """Scrollable per-cluster summary."""

    DEFAULT_CSS = """
    ClustersView { padding: 0 1; background: $surface; overflow-x: auto; }
    ClustersView > Static { width: auto; min-width: 100%; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, can_focus=True)

    def compose(self) -> ComposeResult:
        yield Static(Text("Loading…", style="dim"), id="clusters-body")

    def show(self, summaries: list[ClusterSummary], now: datetime) -> None:
        self.query_one("#clusters-body", Static).update(render_clusters(summaries, now))
