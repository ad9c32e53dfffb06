"""Import-sized writes: insert-or-replace in transactions of 100 rows of one partition.

A transaction is all or nothing. One the service refuses for what a row holds (too
large, a bad key) is split, around the operation the service names or else in halves,
until every good row is written and each refused one was tried alone; then
PartialWriteError names those. Any other error (no answer, access denied) ends the
write at once, as a StoreError.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from gitops_tui.domain.rows import Row
from gitops_tui.stores.azure.entities import key_problem, row_to_entity
from gitops_tui.stores.azure.errors import ErrorMapper, is_rejection
from gitops_tui.stores.base import StoreError
from gitops_tui.stores.bulk import PartialWriteError, RowFailure

BATCH = 100  # the service's limit of operations per transaction

Numbered = tuple[int, dict[str, Any]]  # an entity and its position in the input


def batches(rows: Iterable[Row], failures: list[RowFailure]) -> list[list[Numbered]]:
    """Transactions for ``rows``; rows that cannot be sent at all go to ``failures``."""
    by_partition: dict[str, dict[str, Numbered]] = {}
    for index, row in enumerate(rows):
        try:
            entity = row_to_entity(row)
        except StoreError as exc:
            failures.append(RowFailure.of(index, row, str(exc)))
            continue
        problem = key_problem(entity)
        if problem is not None:
            failures.append(RowFailure.of(index, entity, problem))
            continue
        # A transaction may not touch one key twice: the last write of a key wins.
        by_partition.setdefault(entity["PartitionKey"], {})[entity["RowKey"]] = (index, entity)
    out = []
    for entities in by_partition.values():
        values = list(entities.values())
        out.extend(values[start : start + BATCH] for start in range(0, len(values), BATCH))
    return out


async def upsert_all(
    rows: Iterable[Row],
    submit: Callable[[list[Any]], Awaitable[Any]],
    errors: ErrorMapper,
    fatal: Callable[[BaseException], StoreError],
    workers: int,
) -> int:
    """``rows`` in transactions through ``submit`` (``workers`` at once); ``fatal`` maps
    an error that is not about a row. Returns how many rows were written."""
    from azure.data.tables import TableTransactionError, UpdateMode

    mode = {"mode": UpdateMode.REPLACE}
    failures: list[RowFailure] = []
    gate = asyncio.Semaphore(workers)
    written = 0

    async def write(batch: list[Numbered]) -> None:
        nonlocal written
        async with gate:
            try:
                await submit([("upsert", entity, mode) for _, entity in batch])
            except Exception as exc:
                if not is_rejection(exc):
                    raise fatal(exc) from None
                refused = exc
            else:
                written += len(batch)
                return
        if len(batch) == 1:
            index, entity = batch[0]
            failures.append(RowFailure.of(index, entity, errors.rejection(refused)))
            return
        at = getattr(refused, "index", None) if isinstance(refused, TableTransactionError) else None
        if getattr(refused, "status_code", None) == 400 and isinstance(at, int) and 0 <= at < len(batch):
            parts = [batch[:at], batch[at : at + 1], batch[at + 1 :]]
        else:  # no operation named (a body over 4 MiB): halve it
            parts = [batch[: len(batch) // 2], batch[len(batch) // 2 :]]
        await asyncio.gather(*(write(part) for part in parts if part))

    await asyncio.gather(*(write(batch) for batch in batches(rows, failures)))
    if failures:
        raise PartialWriteError(errors.description, written, failures)
    return written
