"""Plain-text tables: aligned columns, no colour and no escapes, so safe to pipe.

Widths are display cells (a wide character takes two), and the deployments table fits
a width by dropping columns as the TUI does (:func:`gitops_tui.present.fit_columns`).
"""

from __future__ import annotations

import os
import sys
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import TextIO

from gitops_tui.domain.model import Deployment
from gitops_tui.domain.textsafe import clean
from gitops_tui.present import COLUMNS, cells, fit_columns

# `get`'s default columns; `--output wide` shows every column of COLUMNS and the id.
GET_COLUMNS = ("state", "service", "ring", "author", "image", "metadata", "pr", "manifest", "updated", "clusters")
GAP = 2  # spaces between columns


def cell_width(text: str) -> int:
    """Terminal cells ``text`` takes: East Asian wide/full-width characters two,
    combining marks none."""
    if text.isascii():
        return len(text)
    return sum(
        0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text
    )


def _pad(text: str, width: int) -> str:
    return text + " " * (width - cell_width(text))


def print_rows(table: Sequence[Sequence[str]], out: TextIO) -> None:
    """Print a header row and rows, each column as wide as its widest cell.

    Cells must already be terminal-safe (through :func:`clean` or :func:`cells`)."""
    widths = [max(cell_width(r[i]) for r in table) for i in range(len(table[0]))]
    for r in table:
        out.write((" " * GAP).join(_pad(v, w) for v, w in zip(r, widths)).rstrip() + "\n")


def table_width(environ: dict[str, str] | None = None, stream: TextIO | None = None) -> int | None:
    """The width to fit: ``$COLUMNS``, else the terminal's, else None (not a terminal,
    e.g. a pipe: every column)."""
    value = (os.environ if environ is None else environ).get("COLUMNS", "")
    if value.strip().isdigit() and int(value) > 0:
        return int(value)
    stream = sys.stdout if stream is None else stream
    try:
        if stream.isatty():
            return os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, OSError, ValueError):
        pass
    return None


def print_deployments(
    deployments: Callable[[], Iterable[Deployment]], now: datetime, wide: bool, out: TextIO,
    width: int | None = None,
) -> None:
    """The deployments table of ``get`` (``wide``: every column and the id; else the
    columns that fit ``width``, in priority order).

    ``deployments`` is called twice, to measure and to print, so no row is held: the
    table needs every row's width before its first line."""
    keys = [k for _, k in COLUMNS] if wide else list(GET_COLUMNS)
    headers = {k: h for h, k in COLUMNS}
    widths = {k: cell_width(headers[k]) for k in keys}
    id_width = 2
    for d in deployments():
        row = cells(d, now)
        for k in keys:
            if (w := cell_width(row[k])) > widths[k]:
                widths[k] = w
        if wide:
            id_width = max(id_width, cell_width(clean(d.id, 64)))
    if not wide and width is not None:
        # fit_columns counts one space between columns; the table has GAP.
        fitted = fit_columns({k: w + GAP - 1 for k, w in widths.items()}, width + GAP - 1)
        keys = [k for k in keys if k in fitted]
    sizes = [widths[k] for k in keys] + ([id_width] if wide else [])
    gap = " " * GAP

    def line(values: list[str]) -> str:
        return gap.join(_pad(v, w) for v, w in zip(values, sizes)).rstrip() + "\n"

    out.write(line([headers[k] for k in keys] + (["ID"] if wide else [])))
    for d in deployments():
        row = cells(d, now)
        out.write(line([row[k] for k in keys] + ([clean(d.id, 64)] if wide else [])))
