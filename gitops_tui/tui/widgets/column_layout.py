"""The deployments table's columns: which fit the width, how wide each is, and text cut
to a width. Pure (no Textual), measured in terminal cells."""

from __future__ import annotations

from rich.cells import cell_len, set_cell_size

from gitops_tui.present import COLUMNS, NARROW

HEADERS = dict((key, header) for header, key in COLUMNS)
WIDE_COLUMNS = tuple(key for _, key in COLUMNS)
NARROW_COLUMNS = tuple(key for _, key in COLUMNS if key in NARROW)
# Below this many columns (the table's content width) the table shows present.NARROW.
NARROW_BELOW = 140
# (min, max) width of each column; widths start from the content on screen.
WIDTHS: dict[str, tuple[int, int]] = {
    "state": (13, 13), "service": (7, 22), "ring": (6, 14), "author": (6, 18),
    "image": (8, 22), "metadata": (16, 40), "pr": (6, 14), "merged_by": (6, 16),
    "manifest": (8, 32), "updated": (8, 20), "clusters": (7, 30),
}


def columns_for(width: int) -> tuple[str, ...]:
    """The columns shown in a table ``width`` cells wide, left to right."""
    return NARROW_COLUMNS if width < NARROW_BELOW else WIDE_COLUMNS


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
