"""A live table under churn holds a bounded number of deployments (issue 12, finding 11).

Each changed row is a new record, drawn at the top of the table; the caches that make a
frame cheap (plain deployments, decoded rows, each row's cells) kept every one they
ever saw up to a bound of thousands, ~2 KB each: the soak's growth over 30 minutes.
"""

from __future__ import annotations

import gc
from datetime import timedelta

from gitops_tui.domain.model import Deployment
from gitops_tui.domain.timefmt import to_iso
from gitops_tui.index import blocks
from gitops_tui.index.journey import JourneyIndex
from gitops_tui.index.records import PLAIN_CACHE
from gitops_tui.index.table import TableModel
from gitops_tui.tui.widgets.row_painter import MAX_CELLS, RowPainter

from helpers import FROZEN

SCREEN = 60  # rows a frame reads (the rows on screen and the first ones, for the widths)


def build(n: int, minutes: float) -> dict[str, str]:
    at = to_iso(FROZEN + timedelta(minutes=minutes))
    return {
        "PartitionKey": "p", "RowKey": f"{n:012x}", "p1": str(n), "imageTag": f"svc-{n}",
        "commitId": f"{n:07x}", "service": "svc", "p1Status": "succeeded", "p1StartedAt": at,
        "p1FinishedAt": at, "author": f"author {n % 7}",
    }


def live_deployments() -> int:
    gc.collect()
    return sum(1 for o in gc.get_objects() if isinstance(o, Deployment))


def test_a_table_drawn_under_churn_holds_a_bounded_number_of_deployments() -> None:
    index = JourneyIndex(compact=True)
    index.load([build(n, -n) for n in range(3000)])
    model, painter = TableModel(), RowPainter()
    model.update(index.snapshot())
    before = live_deployments()
    for second in range(1, 1500):  # a row a second moves on and is drawn at the top
        changed = index.apply([build(second % 3000, second)])
        model.update(index.snapshot(changed=changed))
        now = FROZEN + timedelta(minutes=second, seconds=1)
        for i in range(SCREEN):
            painter.cells_of(model.at(i), now)
    assert len(painter._cells) == SCREEN  # only the cells of the second drawn last
    assert len(blocks._rows) <= blocks._ROW_CACHE
    # (A bound of thousands held 1,500 here, one per change.)
    assert live_deployments() - before <= PLAIN_CACHE + SCREEN


def test_cells_of_a_frozen_clock_stay_bounded() -> None:
    index = JourneyIndex(compact=True)
    index.load([build(n, -n) for n in range(MAX_CELLS + 200)])
    model, painter = TableModel(), RowPainter()
    model.update(index.snapshot())
    for i in range(len(model)):
        painter.cells_of(model.at(i), FROZEN)
    assert 0 < len(painter._cells) <= MAX_CELLS + 1
