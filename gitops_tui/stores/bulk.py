"""Bulk writes (``Store.upsert_many``) that the store refuses in part.

A refused row never costs the others: a store writes every row it can, then raises
PartialWriteError naming the refused ones by their position in the input.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

from gitops_tui.domain.rows import Row
from gitops_tui.stores.base import StoreError


@dataclass(frozen=True, slots=True)
class RowFailure:
    """One row ``upsert_many`` could not write: its position in the input, keys, why."""

    index: int
    partition: str
    row_key: str
    reason: str  # short, sanitised: safe to show

    @classmethod
    def of(cls, index: int, row: Row, reason: str) -> RowFailure:
        return cls(index, str(row.get("PartitionKey") or ""), str(row.get("RowKey") or ""), reason)


class PartialWriteError(StoreError):
    """``upsert_many`` wrote every row it could (``written``) and the store refused
    ``failures`` (sorted by input position)."""

    def __init__(self, description: str, written: int, failures: list[RowFailure]) -> None:
        failures = sorted(failures, key=lambda f: f.index)
        first = failures[0]
        super().__init__(
            f"{description}: {len(failures)} of {written + len(failures)} rows were not written"
            f" (RowKey {first.row_key[:60]!r}: {first.reason})"
        )
        self.written = written
        self.failures = failures


class Refused(StoreError):
    """Row ``at`` of a batch cannot be stored (``reason``); nothing of the batch was."""

    def __init__(self, description: str, at: int, reason: str) -> None:
        super().__init__(f"{description}: {reason}")
        self.at, self.reason = at, reason


async def write_batches(
    rows: Iterable[Row], write: Callable[[list[Row]], Awaitable[object]], size: int, description: str
) -> int:
    """``rows`` through ``write``, ``size`` at a time; a batch it refuses (Refused) is
    written again without that row. Returns how many were written; PartialWriteError
    (raised once all are through) names the refused."""
    written = 0
    failures: list[RowFailure] = []

    async def flush(batch: list[tuple[int, Row]]) -> None:
        nonlocal written
        while batch:
            try:
                await write([row for _, row in batch])
            except Refused as exc:
                index, row = batch.pop(exc.at)
                failures.append(RowFailure.of(index, row, exc.reason))
                continue
            written += len(batch)
            return

    batch: list[tuple[int, Row]] = []
    for item in enumerate(rows):
        batch.append(item)
        if len(batch) >= size:
            await flush(batch)
            batch = []
    await flush(batch)
    if failures:
        raise PartialWriteError(description, written, failures)
    return written
