"""The deployments table: a Line-API scroll view that renders only the rows on screen.

Textual's DataTable measures every cell of every row (seconds at 10k rows); this
widget draws row ``y`` from the in-memory :class:`~gitops_tui.index.table.TableModel`
when Textual asks for line ``y`` (``render_line``), so a frame costs O(rows on screen)
whatever the total, as toolong does for huge logs. Line 0 is the header; the virtual
height is ``rows + 1``.

Every cell text comes from :func:`gitops_tui.present.cells` (already cleaned of
escape sequences and control characters) and goes out as a plain ``Segment``: it is
never parsed as markup.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from gitops_tui.domain.model import Deployment
from gitops_tui.present import COLUMNS, NARROW, cells
from gitops_tui.domain.timefmt import utcnow
from gitops_tui.index.table import Key, TableModel
from gitops_tui.tui.bindings import bindings_for

HEADERS = dict((key, header) for header, key in COLUMNS)
WIDE_COLUMNS = tuple(key for _, key in COLUMNS)
NARROW_COLUMNS = tuple(key for _, key in COLUMNS if key in NARROW)
# Below this many columns (the table's content width) the table shows present.NARROW.
NARROW_BELOW = 140
# (min, max) width of each column; widths start from the content on screen.
WIDTHS: dict[str, tuple[int, int]] = {
    "state": (13, 13),
    "service": (7, 22),
    "ring": (6, 14),
    "author": (6, 18),
    "image": (8, 22),
    "metadata": (16, 40),
    "pr": (6, 14),
    "merged_by": (6, 16),
    "manifest": (8, 32),
    "updated": (8, 20),
    "clusters": (7, 30),
}
STATUS_CLASSES = {
    "succeeded": "deployment-table--succeeded",
    "in_progress": "deployment-table--in-progress",
    "waiting": "deployment-table--waiting",
    "failed": "deployment-table--failed",
    "canceled": "deployment-table--canceled",
    "unknown": "deployment-table--unknown",
}


def fit(text: str, width: int) -> str:
    """``text`` padded or cut (with an ellipsis) to exactly ``width`` cells."""
    length = cell_len(text)
    if length == width:
        return text
    if length < width:
        return text + " " * (width - length)
    if width <= 1:
        return set_cell_size(text, width)
    return set_cell_size(text, width - 1) + "…"


def layout_columns(columns: tuple[str, ...], natural: dict[str, int], width: int) -> list[tuple[str, int]]:
    """Column widths that fit ``width`` (one space between columns): each column gets
    its natural width within its (min, max); the widest give way first when short."""
    widths = {c: max(WIDTHS[c][0], min(WIDTHS[c][1], natural.get(c, 0))) for c in columns}
    excess = sum(widths.values()) + len(columns) - 1 - width
    while excess > 0:
        shrinkable = [c for c in columns if widths[c] > WIDTHS[c][0]]
        if not shrinkable:
            break
        widest = max(shrinkable, key=lambda c: widths[c] - WIDTHS[c][0])
        widths[widest] -= 1
        excess -= 1
    return [(c, widths[c]) for c in columns]


@dataclass(slots=True)
class _Frame:
    """What every line of one rendering shares (see the rendering notes below)."""

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


class DeploymentTable(ScrollView, can_focus=True, inherit_bindings=False):
    """Deployments, one per line, newest first by default; a cursor row; sortable."""

    BINDINGS = bindings_for("deployments")

    COMPONENT_CLASSES = {
        "deployment-table--header",
        "deployment-table--sorted",
        "deployment-table--cursor",
        "deployment-table--cursor-blurred",
        "deployment-table--empty",
        *STATUS_CLASSES.values(),
    }

    DEFAULT_CSS = """
    DeploymentTable {
        height: 1fr;
        overflow-x: hidden;
        overflow-y: auto;
        background: $surface;
        color: $foreground;
        scrollbar-size-vertical: 1;
    }
    DeploymentTable > .deployment-table--header { text-style: bold; color: $text-primary; }
    DeploymentTable > .deployment-table--sorted { text-style: bold underline; color: $text-accent; }
    DeploymentTable > .deployment-table--cursor {
        background: $block-cursor-background; color: $block-cursor-foreground; text-style: bold;
    }
    DeploymentTable > .deployment-table--cursor-blurred {
        background: $block-cursor-blurred-background; color: $block-cursor-blurred-foreground;
    }
    DeploymentTable > .deployment-table--empty { color: $text-muted; text-style: italic; }
    DeploymentTable > .deployment-table--succeeded { color: $text-success; }
    DeploymentTable > .deployment-table--in-progress { color: $text-accent; text-style: bold; }
    DeploymentTable > .deployment-table--waiting { color: $text-warning; }
    DeploymentTable > .deployment-table--failed { color: $text-error; text-style: bold; }
    DeploymentTable > .deployment-table--canceled { color: $text-muted; }
    DeploymentTable > .deployment-table--unknown { color: $text-muted; }
    """

    class Opened(Message):
        """``enter`` on a row: drill into this deployment."""

        def __init__(self, key: Key) -> None:
            super().__init__()
            self.key = key

    class SortChanged(Message):
        """The sort column or direction changed (the status bar shows it)."""

    def __init__(self, index: TableModel, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.index = index
        self.now: datetime = utcnow()
        self.cursor = 0
        self.empty_message = "Loading…"
        self._frame: _Frame | None = None
        self._cells: dict[int, tuple[Deployment, datetime, dict[str, str]]] = {}
        self._strips: dict[tuple[int, bool], tuple[Deployment, Strip]] = {}

    # -- geometry ------------------------------------------------------------------

    @property
    def page_rows(self) -> int:
        """How many data rows fit under the header."""
        return max(1, self.scrollable_content_region.height - 1)

    @property
    def top_row(self) -> int:
        return int(self.scroll_offset.y)

    def _content_width(self) -> int:
        return max(1, self.scrollable_content_region.width)

    def on_resize(self, event: events.Resize) -> None:
        self._frame = None
        self._sync_size()
        self._scroll_cursor_into_view()

    def _sync_size(self) -> None:
        size = Size(self._content_width(), len(self.index) + 1)
        old = self.virtual_size
        if old == size:
            return
        height = self.container_size.height
        if old.width == size.width and height and (old.height > height) == (size.height > height):
            # Only the row count changed and the scrollbar stays (or stays away): no
            # screen layout. Setting ``virtual_size`` lays out and repaints the whole
            # screen, scrollbar included: 20-70 ms a filter keystroke at 100k rows.
            self.set_reactive(DeploymentTable.virtual_size, size)
            if self.show_vertical_scrollbar:
                self.vertical_scrollbar.window_virtual_size = size.height
            self.scroll_y = self.validate_scroll_y(self.scroll_y)
            self.refresh()
        else:
            self.virtual_size = size

    # -- data changes ----------------------------------------------------------------

    @property
    def cursor_key(self) -> Key | None:
        if 0 <= self.cursor < len(self.index):
            return self.index.key_at(self.cursor)
        return None

    def capture(self) -> tuple[Key | None, int, int]:
        """Where the user is, before the index changes (see :meth:`restore`)."""
        return (self.cursor_key, self.cursor, self.top_row)

    def restore(self, anchor: tuple[Key | None, int, int], *, lost_to_top: bool = False) -> None:
        """After the index changed: the cursor back on the same deployment and the
        screen where it was. At the very top, newer rows appear above the cursor while
        it stays on screen; anywhere else the cursor row keeps its place on the screen
        (the scroll offset moves by the rows inserted above it). If the deployment is
        no longer shown, the cursor stays on the same row number (or goes to the top
        with ``lost_to_top``, as after a new filter)."""
        key, old_cursor, old_top = anchor
        n = len(self.index)
        row = self.index.row_of(key)
        if row is None:
            row = 0 if lost_to_top else min(old_cursor, n - 1)
            if lost_to_top:
                old_cursor = old_top = 0
        row = max(0, row)
        self.cursor = row
        self._sync_size()
        if old_top == 0 and row < self.page_rows:
            top = 0
        else:
            top = row - (old_cursor - old_top)
        top = max(0, min(top, max(0, n - self.page_rows)))
        if top != self.top_row:
            self.scroll_to(y=top, animate=False, immediate=True)
        self.refresh()

    def set_now(self, now: datetime) -> None:
        """The time relative times are drawn against (to the second: a new second
        redraws every row, a new microsecond should not)."""
        now = now.replace(microsecond=0)
        if now != self.now:
            self.now = now
            self.refresh()

    # -- cursor ----------------------------------------------------------------------

    def move_cursor(self, row: int) -> None:
        n = len(self.index)
        row = max(0, min(row, n - 1))
        if row == self.cursor:
            return
        self.cursor = row
        self._scroll_cursor_into_view()
        self.refresh()

    def _scroll_cursor_into_view(self) -> None:
        top, rows = self.top_row, self.page_rows
        if self.cursor < top:
            top = self.cursor
        elif self.cursor >= top + rows:
            top = self.cursor - rows + 1
        else:
            return
        self.scroll_to(y=max(0, top), animate=False, immediate=True)

    def action_cursor_up(self) -> None:
        self.move_cursor(self.cursor - 1)

    def action_cursor_down(self) -> None:
        self.move_cursor(self.cursor + 1)

    def action_page_up(self) -> None:
        self.move_cursor(self.cursor - self.page_rows)

    def action_page_down(self) -> None:
        self.move_cursor(self.cursor + self.page_rows)

    def action_first(self) -> None:
        self.move_cursor(0)

    def action_last(self) -> None:
        if self.index.finish():  # the last row of a filter still being searched
            self._sync_size()
        self.move_cursor(len(self.index) - 1)

    def action_open(self) -> None:
        key = self.cursor_key
        if key is not None:
            self.post_message(self.Opened(key))

    def _columns(self) -> tuple[str, ...]:
        return NARROW_COLUMNS if self._content_width() < NARROW_BELOW else WIDE_COLUMNS

    def action_sort_next(self) -> None:
        """Cycle the sort column: Last Updated (the default), then the columns on
        screen from the left."""
        columns = ["updated", *(c for c in self._columns() if c != "updated")]
        current = self.index.sort_column or "updated"
        nxt = columns[(columns.index(current) + 1) % len(columns)] if current in columns else columns[0]
        self.index.set_sort(nxt, descending=(nxt == "updated"))
        self._after_sort()

    def action_sort_reverse(self) -> None:
        self.index.set_sort(self.index.sort_column, not self.index.descending)
        self._after_sort()

    def _after_sort(self) -> None:
        key = self.cursor_key
        self._sync_size()
        row = self.index.row_of(key)
        self.cursor = 0
        self.scroll_to(y=0, animate=False, immediate=True)
        if row is not None:
            self.move_cursor(row)
        self.refresh()
        self.post_message(self.SortChanged())

    def on_click(self, event: events.Click) -> None:
        row = self.top_row + event.y - 1
        if event.y >= 1 and 0 <= row < len(self.index):
            self.move_cursor(row)
            if event.chain >= 2:
                self.action_open()

    def on_focus(self) -> None:
        self._invalidate()

    def on_blur(self) -> None:
        self._invalidate()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._invalidate()  # CSS or theme changed: styles of every line

    # -- rendering ---------------------------------------------------------------------
    #
    # Textual calls render_line once per line on screen; whatever is the same for all
    # lines (width, column layout, styles) is kept in a _Frame, rebuilt only when the
    # size, focus, CSS/theme, data or clock changes, and each row's Strip is cached by
    # its entry until then. Scrolling or an update that shifts rows draws from cache.

    def _invalidate(self) -> None:
        self._frame = None
        self._strips.clear()
        self.refresh()

    def cells_of(self, entry: Deployment) -> dict[str, str]:
        found = self._cells.get(id(entry))
        if found is not None and found[0] is entry and found[1] == self.now:
            return found[2]
        if len(self._cells) > 4000:
            self._cells.clear()
        values = cells(entry, self.now)
        self._cells[id(entry)] = (entry, self.now, values)
        return values

    def _make_frame(self) -> _Frame:
        width = self._content_width()
        base = self.rich_style
        style = self.get_component_rich_style
        cursor = "deployment-table--cursor" if self.has_focus else "deployment-table--cursor-blurred"
        frame = _Frame(
            width=width,
            layout=[],
            version=-1,
            now=self.now,
            base=base,
            header=base + style("deployment-table--header"),
            sorted=base + style("deployment-table--sorted"),
            empty=base + style("deployment-table--empty"),
            cursor=base + style(cursor),
            status={status: base + style(name) for status, name in STATUS_CLASSES.items()},
        )
        self._frame = frame
        self._strips.clear()
        return frame

    def _relayout(self, frame: _Frame) -> None:
        """Column widths from the content on screen (and the first rows), on each new
        version of the index; cached strips stay valid if the widths did not change."""
        columns = self._columns()
        sorted_on = self.index.sort_column or "updated"
        natural = {c: cell_len(HEADERS[c]) + (2 if c == sorted_on else 0) for c in columns}
        top, rows = self.top_row, self.page_rows
        sample = self.index.window(top, top + rows) + self.index.window(0, 60)
        for entry in sample:
            values = self.cells_of(entry)
            for c in columns:
                length = cell_len(values[c])
                if length > natural[c]:
                    natural[c] = length
        layout = layout_columns(columns, natural, frame.width)
        if layout != frame.layout:
            frame.layout = layout
            self._strips.clear()
        frame.version = self.index.version

    def render_line(self, y: int) -> Strip:
        frame = self._frame or self._make_frame()
        if frame.now != self.now:
            frame.now = self.now
            self._strips.clear()
        if frame.version != self.index.version:
            self._relayout(frame)
        width = frame.width
        if y == 0:
            return self._header(frame)
        row = self.top_row + y - 1
        n = len(self.index)
        if n == 0 and y == 1:
            return Strip([Segment(fit(" " + self.empty_message, width), frame.empty)], width)
        if row >= n:
            return Strip.blank(width, frame.base)
        entry = self.index.at(row)
        selected = row == self.cursor
        key = (id(entry), selected)
        cached = self._strips.get(key)
        if cached is not None and cached[0] is entry:
            return cached[1]
        strip = self._row(entry, selected, frame)
        if len(self._strips) > 600:
            self._strips.clear()
        self._strips[key] = (entry, strip)
        return strip

    def _header(self, frame: _Frame) -> Strip:
        column = self.index.sort_column or "updated"
        segments = []
        for key, w in frame.layout:
            title = HEADERS[key]
            if key == column:
                title += " ▼" if self.index.descending else " ▲"
            segments.append(Segment(fit(title, w), frame.sorted if key == column else frame.header))
            segments.append(Segment(" ", frame.header))
        return Strip(segments).adjust_cell_length(frame.width, frame.header)

    def _row(self, entry: Deployment, selected: bool, frame: _Frame) -> Strip:
        values = self.cells_of(entry)
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

    def visible_text(self) -> list[str]:
        """The rows on screen as plain text (for tests and the benchmark)."""
        return [
            "".join(segment.text for segment in self.render_line(y))
            for y in range(min(self.page_rows, len(self.index)) + 1)
        ]
