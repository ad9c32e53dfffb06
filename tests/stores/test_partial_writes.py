"""Bulk writes the store refuses in part, and filters built from user input.

``upsert_many`` must write every row the store will take (an Azure transaction is all or
nothing) and name the ones it refused (what every store shares is in
test_store_contract.py); a partition or a value with quotes in it must never widen an
Azure query (OData injection)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from gitops_tui.config import StoreConfig
from gitops_tui.stores.base import Store
from gitops_tui.stores.bulk import PartialWriteError

INJECTIONS = ("p' or PartitionKey ne '", "x' or 1 eq 1", "x') or (1 eq 1", "' or ''='")


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


# -- OData injection ------------------------------------------------------------------


async def test_azure_quotes_in_a_partition_or_value_never_widen_a_query(
    azure_config: Callable[..., StoreConfig],
) -> None:
    from gitops_tui.stores.azure import AzureTableStore

    config = azure_config()
    writer = AzureTableStore(config)
    await writer.open(create=True)
    scoped = [AzureTableStore(azure_config(table=config.table, partition=p)) for p in INJECTIONS]
    try:
        cursor_before = await writer.cursor_now()
        await writer.upsert_many([row(n, "p") for n in range(30)] + [row(n, "q") for n in range(30)])
        # One row whose partition and value really hold the quotes: only it may match.
        await writer.upsert_many([row(99, INJECTIONS[0], service=INJECTIONS[1])])
        for store, partition in zip(scoped, INJECTIONS, strict=True):
            expected = 1 if partition == INJECTIONS[0] else 0
            assert await store.count() == expected, partition
            assert len(await keys(store)) == expected, partition
            cursor = await store.cursor_now()
            changed, _ = await store.changed_since(cursor)
            assert changed == []
        for value in INJECTIONS:
            assert await writer.find("p", "service", value) == []
            assert await writer.find(value, "service", "svc0") == []
        (found,) = await writer.find(INJECTIONS[0], "service", INJECTIONS[1])
        assert found.row["RowKey"] == f"{99:012x}"
        assert await writer.get("p' or RowKey ne '", f"{1:012x}") is None
        changed, _ = await scoped[0].changed_since(cursor_before)
        assert [(r["PartitionKey"], r["RowKey"]) for r in changed] == [(INJECTIONS[0], f"{99:012x}")]
    finally:
        for store in (writer, *scoped):
            await store.close()
