"""``:rings``: the service × ring matrix — which image (and commit) each ring runs.

Each cell: the image tag the ring runs (its newest succeeded deployment), its commit,
status and age; the latest deployment when it is newer and not succeeded (moving,
stuck or failed); and ``⚠ behind <RING> since <when>`` when the ring has run an older
image than its upstream ring for longer than ``ring_lag_grace``. A cursor moves over the cells
(arrows, ``hjkl``); ``enter`` opens the journey of the deployment a cell shows (the rule is in :mod:`gitops_tui.domain.overview`). The view honours the
active filter. Wider than the screen, it scrolls sideways (←/→).
"""

from __future__ import annotations

from datetime import datetime

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.message import Message
from textual.containers import ScrollableContainer
from textual.widgets import Static

from gitops_tui.present import STATUS_ICONS, STATUS_WORDS
from gitops_tui.domain.textsafe import clean
from gitops_tui.domain.timefmt import relative
from gitops_tui.domain.overview import RingCell, RingMatrix
from gitops_tui.domain.vocab import SUCCEEDED
from gitops_tui.domain.model import Deployment
from gitops_tui.tui.bindings import bindings_for
from gitops_tui.tui.views.detail import STATUS_STYLES


def _cell(cell: RingCell | None, now: datetime, grace_s: float) -> Text:
    if cell is None:
        return Text("·", style="dim")
    text = Text()
    running = cell.running
    if running is not None:
        text.append(clean(running.image_tag or "(no image tag)", 60), style="bold")
        text.append("\n")
        text.append(clean((running.commit or "-")[:7], 10))
        text.append(f" {STATUS_ICONS[SUCCEEDED]} ", style=STATUS_STYLES[SUCCEEDED])
        text.append(relative(running.updated_at, now), style="dim")
    else:
        text.append("nothing succeeded yet", style="dim")
    latest = cell.latest
    if latest is not None and latest is not running:
        style = STATUS_STYLES.get(latest.status, "")
        text.append("\n")
        word = STATUS_WORDS.get(latest.status, latest.status)
        text.append(f"{STATUS_ICONS.get(latest.status, '?')} {word}", style=style)
        text.append(f" {relative(latest.updated_at, now)}", style="dim")
        text.append("\n")
        text.append(clean(latest.image_tag or latest.id, 60), style="dim")
    if cell.behind and cell.lagging(now, grace_s):
        text.append("\n")
        text.append(f"⚠ behind {clean(cell.behind.upper(), 30)}", style="bold yellow")
        text.append(f"\n  since {relative(cell.behind_since, now)}", style="yellow")
    elif cell.behind:  # within the grace: promotion under way, not a lag yet
        text.append("\n")
        text.append(f"{clean(cell.behind.upper(), 30)} newer {relative(cell.behind_since, now)}", style="dim")
    return text


def render_rings(matrix: RingMatrix, now: datetime, grace_s: float = 3600.0,
                 selected: tuple[int, int] | None = None) -> RenderableType:
    if not matrix.cells:
        return Text("No deployment with a service and a ring matches.", style="dim")
    table = Table(show_lines=True, header_style="bold", expand=False, padding=(0, 1))
    table.add_column("Service", style="bold", no_wrap=True)
    for ring in matrix.rings:
        label = clean(ring.upper(), 30)
        if not matrix.ordered(ring):
            label += " *"
        table.add_column(Text(label), no_wrap=True)
    for row, service in enumerate(matrix.services):
        cells = [_cell(matrix.cell(service, r), now, grace_s) for r in matrix.rings]
        if selected is not None and selected[0] == row and selected[1] < len(cells):
            cells[selected[1]].stylize("reverse")  # the cursor
        table.add_row(Text(clean(service, 40)), *cells)
    return table


LEGEND = (
    "Each cell: image the ring runs (newest succeeded) · commit · age; then the latest "
    "deployment if it differs; ⚠ behind X since T: has run an older image than upstream "
    "ring X since T, longer than ring_lag_grace (config, default 1h). "
    "Promotion order: {order}; "
    "* = ring outside that order (no upstream)."
)
BUILT_IN_ORDER = "dev < test/qa < master/main/staging < canary < prod"


def legend(order: tuple[str, ...]) -> Text:
    """The legend, with the configured ``rings:`` order if there is one."""
    shown = " < ".join(clean(r, 20) for r in order[:12]) + (" < …" if len(order) > 12 else "")
    return Text(LEGEND.format(order=f"{shown} (rings: in the config)" if order else BUILT_IN_ORDER),
                style="dim")


class RingsView(ScrollableContainer):
    """Scrollable (both ways) ring matrix."""

    DEFAULT_CSS = """
    RingsView { padding: 0 1; background: $surface; overflow-x: auto; overflow-y: auto; }
    RingsView > #rings-body { width: auto; min-width: 100%; }
    RingsView > #rings-legend { width: 100%; margin-top: 1; }
    """

    BINDINGS = bindings_for("rings")

    class Opened(Message):
        """``enter`` on a cell: drill into the deployment it shows."""

        def __init__(self, key: tuple[str, str]) -> None:
            super().__init__()
            self.key = key

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, can_focus=True)
        self.matrix: RingMatrix | None = None
        self.now: datetime | None = None
        self.grace_s = 3600.0
        self.pos = (0, 0)  # (service row, ring column) of the cursor

    def compose(self) -> ComposeResult:
        yield Static(Text("Loading…", style="dim"), id="rings-body")
        yield Static(legend(()), id="rings-legend")

    def show(self, matrix: RingMatrix, now: datetime, grace_s: float = 3600.0) -> None:
        self.matrix, self.now, self.grace_s = matrix, now, grace_s
        self._draw()

    def _draw(self) -> None:
        if self.matrix is None or self.now is None:
            return
        rows, cols = len(self.matrix.services), len(self.matrix.rings)
        self.pos = (max(0, min(self.pos[0], rows - 1)), max(0, min(self.pos[1], cols - 1)))
        self.query_one("#rings-body", Static).update(render_rings(self.matrix, self.now, self.grace_s, self.pos))
        self.query_one("#rings-legend", Static).update(legend(self.matrix.order))

    def action_move(self, rows: int, cols: int) -> None:
        self.pos = (self.pos[0] + rows, self.pos[1] + cols)
        self._draw()
        # Keep the cursor's cell roughly in view: rows of ~4 lines, columns of ~24 cells.
        self.scroll_to(x=max(0, self.pos[1] * 24 - 10), y=max(0, self.pos[0] * 4 - 4), animate=False)

    @property
    def selected(self) -> Deployment | None:
        """The deployment under the cursor: what the ring runs, else its latest."""
        if self.matrix is None or not self.matrix.services or not self.matrix.rings:
            return None
        cell = self.matrix.cell(self.matrix.services[self.pos[0]], self.matrix.rings[self.pos[1]])
        return None if cell is None else cell.running or cell.latest

    def action_open(self) -> None:
        found = self.selected
        if found is not None:
            self.post_message(self.Opened(found.key))
