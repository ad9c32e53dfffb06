"""``:insights``: service × ring with the DORA figures and ring drift, and a chart of
lead time over the window for the selected cell (plain text, readable without colour)."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Sparkline, Static

from gitops_tui.domain.textsafe import clean
from gitops_tui.insights.dora import Dora
from gitops_tui.insights.drift import Drift
from gitops_tui.insights.figures import short_duration as dur
from gitops_tui.tui.bindings import bindings_for


def render_cells(cells: list[Dora], drift: dict[tuple[str, str], Drift], stuck: dict[tuple[str, str], int],
                 pos: int) -> Table:
    """One line per service × ring; the selected one marked ``>`` (no colour needed).
    Every cell is a ``Text``: a service named ``[b]x[/b]`` is shown, never read as markup."""
    table = Table.grid(padding=(0, 1))
    for width in (1, 12, 9, 5, 4, 5, 5, 5, 4, 5, 7, 3):
        table.add_column(no_wrap=True, max_width=width, overflow="ellipsis")
    table.add_row(*(Text(h, style="bold") for h in (
        " ", "Service", "Ring", "Runs", "/day", "Lead", "p90", "Sync", "Fail", "Fix", "Behind", "Stk")))
    for i, f in enumerate(cells):
        lag = drift.get((f.service, f.ring))
        cfr = "-" if f.change_failure_rate is None else f"{f.change_failure_rate * 100:.0f}%"
        behind = "-" if lag is None else (f"{lag.behind} ({dur(lag.behind_s)})" if lag.behind else "0")
        values = (
            ">" if i == pos else " ", clean(f.service, 24), clean(f.ring, 14), str(f.deployments),
            f"{f.deploys_per_day:.1f}", dur(f.lead_time_median_s), dur(f.lead_time_p90_s),
            dur(f.lead_time_to_sync_median_s), cfr,
            dur(f.time_to_restore_median_s), behind, str(stuck.get((f.service, f.ring), 0)),
        )
        table.add_row(*map(Text, values), style="reverse" if i == pos else "")
    return table


def chart_caption(f: Dora | None) -> Text:
    if f is None:
        return Text("No service × ring with deployments in the window.", style="dim")
    if not f.lead_times:
        return Text(f"{clean(f.service, 40)} → {clean(f.ring, 20)}: no succeeded deployment with a lead time "
                    "in the window", style="dim")
    values = [s for _, s in f.lead_times]
    return Text(f"Lead time of {clean(f.service, 40)} → {clean(f.ring, 20)}, oldest to newest "
                f"({len(values)} deployments; min {dur(min(values))}, max {dur(max(values))})")


def cluster_line(f: Dora | None) -> Text:
    """The selected cell's lead time to each cluster's sync (median, p90)."""
    if f is None or not f.clusters:
        return Text("")
    parts = [f"{clean(c.cluster, 20)} {dur(c.lead_time_median_s)}/{dur(c.lead_time_p90_s)}" for c in f.clusters]
    return Text("To sync (p50/p90): " + " · ".join(parts))


LEGEND = Text("Runs: deployments in the window · /day: succeeded per day · Lead: median and p90 of "
              "image build to the ring · Sync: median of image build to each cluster's sync · Fail: change failure rate · Fix: median time to restore · "
              "Behind: images behind the first ring (time) · Stk: stuck now", style="dim")


class InsightsView(VerticalScroll):
    """The DORA table and the lead-time chart of the selected cell."""

    DEFAULT_CSS = """
    InsightsView { padding: 0 1; background: $surface; }
    InsightsView > Static { width: 100%; }
    InsightsView > Sparkline { height: 3; margin: 0 0 1 0; }
    InsightsView > #insights-caption { height: 1; text-wrap: nowrap; text-overflow: ellipsis; }
    InsightsView > #insights-clusters { height: auto; max-height: 2; }
    InsightsView > #insights-legend { margin-top: 1; }
    """

    BINDINGS = bindings_for("insights")

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, can_focus=True)
        self.cells: list[Dora] = []
        self.drift: dict[tuple[str, str], Drift] = {}
        self.stuck: dict[tuple[str, str], int] = {}
        self.pos = 0

    def compose(self) -> ComposeResult:
        yield Static(Text("Loading…", style="dim"), id="insights-caption")
        yield Sparkline([], id="insights-chart")
        yield Static(Text(""), id="insights-body")
        yield Static(Text(""), id="insights-clusters")
        yield Static(LEGEND, id="insights-legend")

    def show(self, cells: list[Dora], drift: list[Drift], stuck: dict[tuple[str, str], int]) -> None:
        self.cells, self.stuck = cells, stuck
        self.drift = {(x.service, x.ring): x for x in drift}
        self._draw()

    def show_computing(self) -> None:
        """The figures are being computed (a big history's first load runs as a worker)."""
        self.query_one("#insights-caption", Static).update(Text("Computing insights…", style="dim"))
        self.query_one(Sparkline).data = []
        self.query_one("#insights-body", Static).update(Text(""))
        self.query_one("#insights-clusters", Static).update(Text(""))

    @property
    def selected(self) -> Dora | None:
        return self.cells[self.pos] if self.cells else None

    def _draw(self) -> None:
        self.pos = max(0, min(self.pos, len(self.cells) - 1))
        f = self.selected
        self.query_one("#insights-caption", Static).update(chart_caption(f))
        self.query_one(Sparkline).data = [s for _, s in f.lead_times] if f is not None else []
        self.query_one("#insights-body", Static).update(render_cells(self.cells, self.drift, self.stuck, self.pos))
        self.query_one("#insights-clusters", Static).update(cluster_line(f))

    def action_move(self, rows: int) -> None:
        self.pos += rows
        self._draw()
