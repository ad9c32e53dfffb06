"""A vertical list of text rows with a cursor: each row is its own ``Static`` so the
view scrolls to the cursor's row and long rows wrap instead of being cut."""

from __future__ import annotations

from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static


class CursorList(VerticalScroll):
    """Rows (some selectable) with a cursor on a selectable one; ``move`` and the
    subclass's ``open`` act on it."""

    DEFAULT_CSS = """
    CursorList { padding: 0 1; background: $surface; }
    CursorList > Static { width: 100%; }
    CursorList > Static.-cursor { background: $accent 40%; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, can_focus=True)
        self.pos = 0  # index into the selectable rows
        self._selectable: list[int] = []  # row indexes that take the cursor
        self._rows: list[Static] = []

    def set_rows(self, rows: list[tuple[Text, bool]]) -> None:
        """Replace the rows (text, selectable); the cursor stays at its place."""
        if len(rows) != len(self._rows):
            self.remove_children()
            self._rows = [Static(text, markup=False) for text, _ in rows]
            self.mount_all(self._rows)
        else:
            for widget, (text, _) in zip(self._rows, rows):
                widget.update(text)
        self._selectable = [i for i, (_, selectable) in enumerate(rows) if selectable]
        self.pos = max(0, min(self.pos, len(self._selectable) - 1))
        self._mark()

    @property
    def cursor_row(self) -> int | None:
        """The row index under the cursor (None when nothing is selectable)."""
        return self._selectable[self.pos] if self._selectable else None

    def action_move(self, step: int) -> None:
        if self._selectable:
            self.pos = max(0, min(self.pos + step, len(self._selectable) - 1))
            self._mark()

    def _mark(self) -> None:
        current = self.cursor_row
        for i, widget in enumerate(self._rows):
            widget.set_class(i == current, "-cursor")
        if current is not None and self.is_mounted:
            self.call_after_refresh(self._scroll_to, current)

    def _scroll_to(self, row: int) -> None:
        if row < len(self._rows):
            self.scroll_to_widget(self._rows[row], animate=False)
