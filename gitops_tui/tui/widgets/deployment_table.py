"""The deployments table: a Line-API scroll view that renders only the rows on screen.

Textual's DataTable measures every cell of every row (seconds at 10k rows); this
widget draws row ``y`` from the in-memory :class:`~gitops_tui.index.table.TableModel`
when Textual asks for line ``y`` (``render_line``), so a frame costs O(rows on screen)
whatever the total, as toolong does for huge logs. Line 0 is the header; the virtual
height is ``rows + 1``. Which columns fit is :mod:`.column_layout`; painting a line,
and the caches that make a frame cheap, is :mod:`.row_painter`.
"""

from __future__ import annotations

from datetime import datetime

from rich.cells import cell_len
from rich.segment import Segment
from textual import events
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from gitops_tui.domain.timefmt import utcnow
from gitops_tui.domain.rows import Key
from gitops_tui.index.table import TableModel
from gitops_tui.tui.bindings import bindings_for
from gitops_tui.tui.widgets.column_layout import MARKER_ROOM, visible_columns
from gitops_tui.tui.widgets.row_painter import STATUS_CLASSES, Frame, RowPainter


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
        self._lines = RowPainter()
        self._cycled_to_updated = False
        self.follow = False  # f: the cursor stays on the newest row as rows arrive
        self.h_offset = 0  # h/l: columns scrolled past (see column_layout.visible_columns)
        self.wide = False  # w: every column at its full width, in screen order
        self.new_above = 0  # rows that arrived above the screen, not seen yet

    # -- geometry ------------------------------------------------------------------

    @property
    def page_rows(self) -> int:
        """How many data rows fit under the header."""
        return max(1, self.scrollable_content_region.height - 1)

    @property
    def top_row(self) -> int:
        """The data row drawn just under the header."""
        return int(self.scroll_offset.y)

    def _content_width(self) -> int:
        return max(1, self.scrollable_content_region.width)

    def on_resize(self, event: events.Resize) -> None:
        self._lines.invalidate()
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
        """The key of the deployment under the cursor (None if the table is empty)."""
        if 0 <= self.cursor < len(self.index):
            return self.index.key_at(self.cursor)
        return None

    def capture(self) -> tuple[Key | None, int, int]:
        """Where the user is, before the index changes (see :meth:`restore`)."""
        return (self.cursor_key, self.cursor, self.top_row)

    def restore(self, anchor: tuple[Key | None, int, int], *, lost_to_top: bool = False,
                live: bool = False) -> None:
        """After the index changed: the cursor back on the same deployment and the
        screen where it was. At the very top, newer rows appear above the cursor while
        it stays on screen; anywhere else the cursor row keeps its place on the screen
        (the scroll offset moves by the rows inserted above it). If the deployment is
        no longer shown, the cursor stays on the same row number (or goes to the top
        with ``lost_to_top``, as after a new filter). A ``live`` update (new data) with
        the cursor on the first row, or in follow mode, keeps the cursor on the first
        row, so the newest rows show; else the rows that arrived above the screen are
        counted for the header's ``↑ N new`` (``g`` goes to them)."""
        key, old_cursor, old_top = anchor
        n = len(self.index)
        row = self.index.row_of(key)
        if live and (self.follow or old_cursor == 0):
            row = 0
        elif live and row is not None and row > old_cursor and old_top > 0:
            self.new_above += row - old_cursor
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
        """The cursor to ``row`` (clamped to the table), scrolled into view."""
        n = len(self.index)
        row = max(0, min(row, n - 1))
        if row <= 0 and self.new_above:
            self.new_above = 0  # the new rows are on screen now
            self.refresh()
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

    def action_follow(self) -> None:
        """f: follow the newest rows (the cursor on the first row as rows arrive), or stop."""
        self.follow = not self.follow
        if self.follow:
            self.move_cursor(0)
        self.refresh()

    def columns(self) -> tuple[tuple[str, ...], int, int]:
        """``(columns shown, hidden left, hidden right)`` at this width and scroll; when
        some are hidden, in a width that leaves the header room to say so."""
        width = self._content_width()
        found = visible_columns(width, self.h_offset, self.wide)
        if found[1] or found[2]:
            found = visible_columns(width - MARKER_ROOM, self.h_offset, self.wide)
        return found

    def _layout_width(self) -> int:
        """The cells the columns get: all, less the marker's room when some are hidden."""
        _, left, right = self.columns()
        return self._content_width() - (MARKER_ROOM if left or right else 0)

    def _scroll_columns(self, step: int) -> None:
        _, left, right = self.columns()
        if (step < 0 and left) or (step > 0 and right):
            self.h_offset = left + step
            self._invalidate()

    def action_scroll_left(self) -> None:
        self._scroll_columns(-1)

    def action_scroll_right(self) -> None:
        self._scroll_columns(1)

    def action_toggle_wide(self) -> None:
        """w: every column at full width in screen order (h/l reach the rest), or back."""
        self.wide = not self.wide
        self.h_offset = 0
        self._invalidate()

    def marker(self) -> str:
        """What the header's right end says: hidden columns (``← 1 · 3 more → h/l``),
        rows arrived above (``↑ 12 new (g)``), ``follow``."""
        parts = []
        _, left, right = self.columns()
        if left or right:
            sides = ([f"← {left}"] if left else []) + ([f"{right} more →"] if right else [])
            parts.append(" · ".join(sides) + " h/l")
        if self.new_above and not self.follow:
            parts.append(f"↑ {self.new_above:,} new (g)")
        elif self.follow:
            parts.append("↓ follow (f)")
        return f" {' │ '.join(parts)} " if parts else ""

    def action_open(self) -> None:
        key = self.cursor_key
        if key is not None:
            self.post_message(self.Opened(key))

    def action_sort_next(self) -> None:
        """Cycle the sort column through the columns on screen, left to right from the
        default order (from the right end back to the first); the header marks it ▲/▼."""
        columns = list(self.columns()[0])
        # The default (Last Updated, unset) comes before the first column, unless the
        # cycle itself arrived at Last Updated.
        current = self.index.sort_column or ("updated" if self._cycled_to_updated else None)
        nxt = columns[(columns.index(current) + 1) % len(columns)] if current in columns else columns[0]
        self.index.set_sort(nxt, descending=(nxt == "updated"))
        self._cycled_to_updated = nxt == "updated"
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

    def _invalidate(self) -> None:
        self._lines.invalidate()
        self.refresh()

    def _make_frame(self) -> Frame:
        base = self.rich_style
        style = self.get_component_rich_style
        cursor = "deployment-table--cursor" if self.has_focus else "deployment-table--cursor-blurred"
        return self._lines.begin(Frame(
            width=self._content_width(),
            layout=[],
            version=-1,
            now=self.now,
            base=base,
            header=base + style("deployment-table--header"),
            sorted=base + style("deployment-table--sorted"),
            empty=base + style("deployment-table--empty"),
            cursor=base + style(cursor),
            status={status: base + style(name) for status, name in STATUS_CLASSES.items()},
        ))

    def _relayout(self, frame: Frame) -> None:
        top, rows = self.top_row, self.page_rows
        sample = self.index.window(top, top + rows) + self.index.window(0, 60)
        self._lines.relayout(frame, self.columns()[0], self.index.sort_column or "updated",
                             sample, self.index.version, self._layout_width())

    def render_line(self, y: int) -> Strip:
        lines = self._lines
        frame = lines.frame
        if frame is None or frame.width != self._content_width():
            # New rows brought the vertical scrollbar (or it went) without a resize:
            # lay out at the width left, or the scrollbar overdraws the last column.
            frame = self._make_frame()
        if frame.now != self.now:
            lines.set_now(frame, self.now)
        if frame.version != self.index.version:
            self._relayout(frame)
        if y == 0:
            header = lines.header(frame, self.index.sort_column or "updated", self.index.descending)
            marker = self.marker()
            if marker and cell_len(marker) < frame.width:
                header = Strip.join([header.crop(0, frame.width - cell_len(marker)),
                                     Strip([Segment(marker, frame.cursor)])])
            return header
        row = self.top_row + y - 1
        n = len(self.index)
        if n == 0 and y == 1:
            return lines.empty(frame, self.empty_message)
        if row >= n:
            return Strip.blank(frame.width, frame.base)
        return lines.row(self.index.at(row), row == self.cursor, frame)

    def visible_text(self) -> list[str]:
        """The rows on screen as plain text (for tests and the benchmark)."""
        return [
            "".join(segment.text for segment in self.render_line(y))
            for y in range(min(self.page_rows, len(self.index)) + 1)
        ]
