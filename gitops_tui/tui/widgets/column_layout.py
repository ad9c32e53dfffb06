"""The deployments table's columns: which fit the width, how wide each is, and text cut
to a width. Pure (no Textual), measured in terminal cells."""

from __future__ import annotations

from rich.cells import cell_len, set_cell_size

from gitops_tui.present import COLUMNS, fit_columns

HEADERS = dict((key, header) for header, key in COLUMNS)
WIDE_COLUMNS = tuple(key for _, key in COLUMNS)
# (min, max) width of each column; widths start from the content on screen.
WIDTHS: dict[str, tuple[int, int]] = {
    "state": (13, 13), "service": (7, 22), "ring": (6, 14), "author": (6, 18),
    "image": (8, 22), "metadata": (16, 40), "pr": (6, 14), "merged_by": (6, 16),
    "manifest": (8, 32), "updated": (8, 20), "clusters": (7, 30),
    "eta": (5, 22),
}


# Cells kept free at the header's right end for what says columns are hidden.
MARKER_ROOM = 16
# Always shown, whatever the horizontal scroll: what says which deployment a row is.
PINNED = ("state", "service")


def columns_for(width: int) -> tuple[str, ...]:
    """The columns shown in a table ``width`` cells wide, left to right."""
    return visible_columns(width)[0]


def visible_columns(width: int, offset: int = 0, wide: bool = False) -> tuple[tuple[str, ...], int, int]:
    """``(columns, hidden_left, hidden_right)`` for a table ``width`` cells wide.

    At ``offset`` 0 the columns are chosen by ``present.COLUMN_PRIORITY`` at their
    minimum widths (``wide``: at their full widths, in screen order). Scrolled right by
    ``offset`` (``l``), the :data:`PINNED` columns stay and the others start ``offset``
    columns further right, in screen order."""
    rest = [c for c in WIDE_COLUMNS if c not in PINNED]
    offset = max(0, min(offset, len(rest) - 1))
    # Chosen at a readable width (a third of the way to the widest), laid out by the content.
    need = {c: WIDTHS[c][1] if wide else WIDTHS[c][0] + (WIDTHS[c][1] - WIDTHS[c][0]) // 3 for c in WIDE_COLUMNS}
    if offset == 0 and not wide:
        shown = fit_columns(need, width)
        shown_rest = [c for c in shown if c not in PINNED]
        hidden = [c for c in rest if c not in shown_rest]
        return shown, 0, len(hidden)
    candidates = {c: need[c] for c in (*PINNED, *rest[offset:])}
    shown = fit_columns(candidates, width, order=(*PINNED, *rest[offset:]))
    right = len([c for c in rest[offset:] if c not in shown])
    return shown, offset, right


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
