"""Painting the deployments table's lines: cell texts → one ``Strip`` a line, in styles
shared by the whole frame, with each row's cells and Strip cached.

Textual asks for each line on screen in turn; whatever is the same for all lines
(width, column layout, styles) is kept in a :class:`Frame`, rebuilt only when the
size, focus, CSS/theme, data or clock changes, and each row's Strip is cached by its
entry until then. Scrolling or an update that shifts rows draws from cache.

Every cell text comes from :func:`gitops_tui.present.cells` (already cleaned of
escape sequences and control characters) and goes out as a plain ``Segment``: it is
never parsed as markup.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from gitops_tui.domain.model import Deployment
from gitops_tui.present import cells
from gitops_tui.tui.widgets.column_layout import HEADERS, fit, layout_columns
from gitops_tui.domain.vocab import CANCELED, FAILED, IN_PROGRESS, SUCCEEDED, SUPERSEDED, UNKNOWN, WAITING

STATUS_CLASSES = {
    SUCCEEDED: "deployment-table--succeeded",
    IN_PROGRESS: "deployment-table--in-progress",
    WAITING: "deployment-table--waiting",
    FAILED: "deployment-table--failed",
    CANCELED: "deployment-table--canceled",
    UNKNOWN: "deployment-table--unknown",
    SUPERSEDED: "deployment-table--canceled",  # ended without running: drawn as canceled
}


# Rows whose cells are kept for the current second: a frame samples the rows on screen
# and the first 60 (the column widths), so a few screens' worth.
MAX_CELLS = 1000


@dataclass(slots=True)
class Frame:
    """What every line of one rendering shares."""

    width: int
    layout: list[tuple[str, int]]
    version: int  # of the index the layout was made for
    now: datetime
    base: Style
    header: Style
    sorted: Style
    empty: Style
    cursor: Style
    status: dict[str, Style]


class RowPainter:
    """The table's lines for the current :class:`Frame`: the header, the empty-table
    line and the rows, each row's cells cached until the clock moves and its Strip
    until the frame or its layout changes."""

    __slots__ = ("frame", "_cells", "_cells_now", "_strips", "extra")

    def __init__(self) -> None:
        self.frame: Frame | None = None
        # Keyed by id() but holding the entry: an id reused by a new entry misses.
        # Only the cells of one clock second: older ones are never read again, and
        # kept they held ~2 KB a deployment (with the entry) for every row a live
        # table ever showed (issue 12's soak: 8 MB in 30 min before a bound cleared them).
        self._cells: dict[int, tuple[Deployment, dict[str, str]]] = {}
        self._cells_now: datetime | None = None
        self._strips: dict[tuple[int, bool], tuple[Deployment, Strip]] = {}
        # Cells drawn over present.cells' (the ETA and the stuck mark of in-flight rows).
        self.extra: Callable[[Deployment, datetime], dict[str, str]] | None = None

    def invalidate(self) -> None:
        """Size, focus or styles changed: the next line starts a new frame."""
        self.frame = None
        self._strips.clear()

    def begin(self, frame: Frame) -> Frame:
        """Paint in ``frame`` from now on."""
        self.frame = frame
        self._strips.clear()
        return frame

    def set_now(self, frame: Frame, now: datetime) -> None:
        """The clock moved: every row's relative times are drawn again."""
        frame.now = now
        self._strips.clear()

    def cells_of(self, entry: Deployment, now: datetime) -> dict[str, str]:
        """Every column's text for ``entry`` at ``now``."""
        if now != self._cells_now:
            self._cells.clear()
            self._cells_now = now
        found = self._cells.get(id(entry))
        if found is not None and found[0] is entry:
            return found[1]
        if len(self._cells) > MAX_CELLS:  # (a frozen clock: tests, a paused age)
            self._cells.clear()
        values = cells(entry, now)
        if self.extra is not None:
            values.update(self.extra(entry, now))
        self._cells[id(entry)] = (entry, values)
        return values

    def relayout(self, frame: Frame, columns: tuple[str, ...], sorted_on: str,
                 sample: list[Deployment], version: int, width: int | None = None) -> None:
        """Column widths from the content of ``sample`` (the rows on screen and the
        first rows) for ``version`` of the index; cached strips stay valid if the
        widths did not change. ``width``: the cells to lay out in (default: all)."""
        natural = {c: cell_len(HEADERS[c]) + (2 if c == sorted_on else 0) for c in columns}
        now = frame.now
        for entry in sample:
            values = self.cells_of(entry, now)
            for c in columns:
                length = cell_len(values[c])
                if length > natural[c]:
                    natural[c] = length
        layout = layout_columns(columns, natural, frame.width if width is None else width)
        if layout != frame.layout:
            frame.layout = layout
            self._strips.clear()
        frame.version = version

    def header(self, frame: Frame, column: str, descending: bool) -> Strip:
        """The header line, sorted on ``column``."""
        segments = []
        for key, w in frame.layout:
            title = HEADERS[key]
            if key == column:
                title += " ▼" if descending else " ▲"
            segments.append(Segment(fit(title, w), frame.sorted if key == column else frame.header))
            segments.append(Segment(" ", frame.header))
        return Strip(segments).adjust_cell_length(frame.width, frame.header)

    @staticmethod
    def empty(frame: Frame, message: str) -> Strip:
        """The line that says why there are no rows."""
        return Strip([Segment(fit(" " + message, frame.width), frame.empty)], frame.width)

    def row(self, entry: Deployment, selected: bool, frame: Frame) -> Strip:
        """The line of ``entry`` (under the cursor if ``selected``)."""
        key = (id(entry), selected)
        cached = self._strips.get(key)
        if cached is not None and cached[0] is entry:
            return cached[1]
        strip = self._paint(entry, selected, frame)
        if len(self._strips) > 600:
            self._strips.clear()
        self._strips[key] = (entry, strip)
        return strip

    def _paint(self, entry: Deployment, selected: bool, frame: Frame) -> Strip:
        values = self.cells_of(entry, frame.now)
        if selected:
            row_style = state_style = frame.cursor
        else:
            row_style = frame.base
            state_style = frame.status.get(entry.status, frame.status["unknown"])
        # One segment per run of one style (the state cell, the rest), not two per
        # column: every segment costs again in each of the compositor's passes.
        segments = []
        parts: list[str] = []
        used = -1  # one space between columns, none after the last
        for key, w in frame.layout:
            text = fit(values[key], w)
            if used >= 0:
                parts.append(" ")
            used += w + 1
            if key == "state":
                if parts:
                    segments.append(Segment("".join(parts), row_style))
                    parts = []
                segments.append(Segment(text, state_style))
            else:
                parts.append(text)
        if used < frame.width:
            parts.append(" " * (frame.width - used))
        if parts:
            segments.append(Segment("".join(parts), row_style))
        strip = Strip(segments, frame.width if used <= frame.width else used)
        # (Only a screen too narrow for the columns' minimum widths gets here: cutting
        # a line measures it grapheme by grapheme, 0.2 ms a row.)
        return strip if used <= frame.width else strip.adjust_cell_length(frame.width, row_style)
