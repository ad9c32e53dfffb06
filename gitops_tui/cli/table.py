"""Plain-text tables: aligned columns, no colour and no escapes, so safe to pipe."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TextIO

from gitops_tui.domain.model import Deployment
from gitops_tui.domain.textsafe import clean
from gitops_tui.present import COLUMNS, cells

# `get`'s default columns; `--output wide` shows every column of COLUMNS and the id.
GET_COLUMNS = ("state", "service", "ring", "author", "image", "metadata", "pr", "manifest", "updated", "clusters")


def print_rows(table: Sequence[Sequence[str]], out: TextIO) -> None:
    """Print a header row and rows, each column as wide as its widest cell.

    Cells must already be terminal-safe (through :func:`clean` or :func:`cells`)."""
    widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
    for r in table:
        out.write("  ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip() + "\n")


def print_deployments(deployments: Sequence[Deployment], now: datetime, wide: bool, out: TextIO) -> None:
    """The deployments table of ``get`` (``wide``: every column and the id)."""
    keys = [k for _, k in COLUMNS] if wide else list(GET_COLUMNS)
    headers = {k: h for h, k in COLUMNS}
    table = [[headers[k] for k in keys] + (["ID"] if wide else [])]
    for d in deployments:
        row = cells(d, now)
        table.append([row[k] for k in keys] + ([clean(d.id, 64)] if wide else []))
    print_rows(table, out)
