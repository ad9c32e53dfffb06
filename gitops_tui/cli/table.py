"""Plain-text tables: aligned columns, no colour and no escapes, so safe to pipe.

Widths are display cells (a wide character takes two), and the deployments table fits
a width by dropping columns as the TUI does (:func:`gitops_tui.present.fit_columns`).
"""

from __future__ import annotations

import os
import sys
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TextIO

from gitops_tui.domain.model import Deployment
from gitops_tui.domain.textsafe import clean
from gitops_tui.present import COLUMNS, cells, fit_columns

# `get`'s default columns; `--output wide` shows every column of COLUMNS and the id.
GET_COLUMNS = ("state", "service", "ring", "author", "image", "metadata", "pr", "manifest", "updated", "clusters")
# ... but not ETA: `get` computes no insights (`stats` does), so it would be "-" on every row.
WIDE_COLUMNS = tuple(k for _, k in COLUMNS if k != "eta")
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
    deployments: Iterable[Deployment], now: datetime, wide: bool, out: TextIO, width: int | None = None,
) -> None:
    """The deployments table of ``get`` (``wide``: every column and the id; else the
    columns that fit ``width``, in priority order).

    The table needs every row's widths before its first line, so each row's cells are
    kept, joined in one string (a tenth of the deployment it was made from), not the
    deployments."""
    keys = list(WIDE_COLUMNS if wide else GET_COLUMNS)
    headers = {k: h for h, k in COLUMNS}
    if wide:
        keys.append("id")
        headers["id"] = "ID"
    widths = [cell_width(headers[k]) for k in keys]
    kept: list[str] = []
    for d in deployments:
        row = cells(d, now)
        if wide:
            row["id"] = clean(d.id, 64)
        values = [row[k] for k in keys]
        for i, value in enumerate(values):
            if (w := cell_width(value)) > widths[i]:
                widths[i] = w
        kept.append(_SEP.join(values))
    shown = list(range(len(keys)))
    if not wide and width is not None:
        # fit_columns counts one space between columns; the table has GAP.
        fitted = fit_columns({k: w + GAP - 1 for k, w in zip(keys, widths)}, width + GAP - 1)
        shown = [i for i, k in enumerate(keys) if k in fitted]
    gap = " " * GAP

    def line(values: list[str]) -> str:
        return gap.join(_pad(values[i], widths[i]) for i in shown).rstrip() + "\n"

    out.write(line([headers[k] for k in keys]))
    for text in kept:
        out.write(line(text.split(_SEP)))


_SEP = "\x00"  # (cells are clean: no control character in them)
