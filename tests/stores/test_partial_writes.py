"""Bulk writes the store refuses in part.

``upsert_many`` must write every row the store will take (an Azure transaction is all or
nothing) and name the ones it refused (what every store shares is in
test_store_contract.py)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from gitops_tui.config import StoreConfig
from gitops_tui.stores.base import Store
from gitops_tui.stores.bulk import PartialWriteError


def row(n: int, partition: str = "p", **extra: str) -> dict[str, str]:
    return {"PartitionKey": partition, "RowKey": f"{n:012x}", "service": f"svc{n % 3}", **extra}


async def keys(store: Store) -> set[tuple[str, str]]:
    found = set()
    async for page in store.scan():
        found.update((r["PartitionKey"], r["RowKey"]) for r in page)
    return found


# -- partial writes ------------------------------------------------------------------


async def test_sqlite_row_it_cannot_encode_is_named(tmp_path: Path) -> None:
    """A lone surrogate (valid in JSON text, not in UTF-8) used to roll back the whole
    batch of 1,000 with a raw TypeError."""
    from gitops_tui.stores.sqlite import SqliteStore

    store = SqliteStore(StoreConfig(kind="sqlite", path=tmp_path / "s.db", partition=None))
    await store.open(create=True)
    try:
        rows = [row(n) for n in range(1500)]
        rows[700]["note"] = json.loads('"half \\ud800 a pair"')
        with pytest.raises(PartialWriteError) as caught:
            await store.upsert_many(rows)
        assert caught.value.written == 1499
        (failure,) = caught.value.failures
        assert (failure.index, failure.row_key) == (700, f"{700:012x}")
        assert "surrogates" in failure.reason
        assert await store.count() == 1499
    finally:
        await store.close()


async def test_azure_refused_entities_in_one_partition(
    azure_config: Callable[..., StoreConfig],
) -> None:
    """250 rows of one partition (three transactions): a property over 64 KiB, an
    entity over 1 MiB and a key Azure cannot hold, each in a different transaction."""
    from gitops_tui.stores.azure import AzureTableStore

    store = AzureTableStore(azure_config())
    await store.open(create=True)
    try:
        rows = [row(n) for n in range(250)]
        rows[40]["big"] = "x" * 70_000
        rows[150].update({f"c{i}": "y" * 30_000 for i in range(40)})
        rows[220]["RowKey"] = "bad/key"
        rows[249]["RowKey"] = "bad#key"
        with pytest.raises(PartialWriteError) as caught:
            await store.upsert_many(rows)
        error = caught.value
        assert error.written == 246
        assert [(f.index, f.row_key) for f in error.failures] == [
            (40, f"{40:012x}"), (150, f"{150:012x}"), (220, "bad/key"), (249, "bad#key")
        ]
        reasons = [f.reason for f in error.failures]
        assert reasons[0] == "property value too large (over 64 KiB)"
        assert reasons[1] == "entity too large (over 1 MiB)"
        assert all("table key cannot hold" in r for r in reasons[2:])
        assert "4 of 250 rows were not written" in str(error)
        assert await store.count() == 246
        refused = {rows[i]["RowKey"] for i in (40, 150, 220, 249)}
        assert await keys(store) == {("p", r["RowKey"]) for r in rows if r["RowKey"] not in refused}
    finally:
        await store.close()
