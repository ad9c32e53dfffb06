"""Store writes with optimistic concurrency: conditional replaces on the ETag, retried.

Racing pipelines lose no field: every update is a replace ``If-Match`` the ETag read,
and a conflict re-reads the row and applies the change again. An insert that collides
on its key (another pipeline inserted the same deployment first) becomes an update.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable

from gitops_tui.domain.rows import Row
from gitops_tui.stores.base import ConflictError, Store, StoreError, Versioned

MAX_ATTEMPTS = 25


class Reroute(Exception):
    """The row changed under us so that it no longer fits: redo the lookup."""


def apply_changes(old: Row, changes: Row) -> Row:
    """``old`` with ``changes`` laid over it; a None change removes the column."""
    row = {k: v for k, v in old.items() if v is not None and v != ""}
    for key, value in changes.items():
        if value is None:
            row.pop(key, None)
        else:
            row[key] = value
    # Our write makes the store's Timestamp meaningful again.
    row.pop("originalTimestamp", None)
    row.pop("Timestamp", None)
    return row


async def update(
    store: Store,
    current: Versioned,
    change: Callable[[Row], Row],
    fits: Callable[[Row], bool] | None = None,
) -> Row:
    """Replace ``current`` with ``change(current.row)``, re-reading and retrying on
    conflict; if the re-read row no longer ``fits`` (another pipeline took it), the
    whole lookup is redone instead (:class:`Reroute`)."""
    for attempt in range(MAX_ATTEMPTS):
        new_row = apply_changes(current.row, change(current.row))
        try:
            await store.replace(new_row, current.etag)
            return new_row
        except ConflictError:
            await pause(attempt)
            fresh = await store.get(current.row["PartitionKey"], current.row["RowKey"])
            if fresh is None or (fits is not None and not fits(fresh.row)):
                raise Reroute from None
            current = fresh
    raise StoreError(f"row {current.row['RowKey']}: still conflicting after {MAX_ATTEMPTS} attempts")


async def insert_or_update(store: Store, row: Row, change: Callable[[Row], Row]) -> Row:
    """Insert ``row`` (keyed by its identity); if the key exists, update it instead."""
    for attempt in range(MAX_ATTEMPTS):
        try:
            new_row = apply_changes({}, {**row, **change(row)})
            await store.insert(new_row)
            return new_row
        except ConflictError:
            existing = await store.get(row["PartitionKey"], row["RowKey"])
            if existing is not None:
                return await update(store, existing, change)
            await pause(attempt)
    raise StoreError(f"row {row['RowKey']}: could not insert after {MAX_ATTEMPTS} attempts")


async def pause(attempt: int) -> None:
    """Wait a random, growing while (capped at half a second) before retry ``attempt``."""
    await asyncio.sleep(random.uniform(0, min(0.5, 0.01 * 2**attempt)))
