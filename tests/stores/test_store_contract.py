"""The Store contract, run against every store (SQLite and Azure Table via Azurite),
then the Azure-only behaviour: auth modes, error messages without secrets, deadlines."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import re
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from gitops_tui.config import StoreConfig
from gitops_tui.domain.rows import cluster_partition
from gitops_tui.stores.base import (
    ConflictError,
    Store,
    StoreError,
    TableMissingError,
    Versioned,
    load_all,
)
from gitops_tui.stores.bulk import PartialWriteError

from azurite import Azurite, free_port
from helpers import SPEKTATE

SPEKTATE_ROWS = SPEKTATE / "deployments.json"
SYSTEM = ("Timestamp",)

MakeStore = Callable[..., Awaitable[Store]]


# -- helpers -------------------------------------------------------------------------


def content(row: dict[str, Any]) -> dict[str, Any]:
    """A row without the store-set Timestamp and without absent (None) columns."""
    return {k: v for k, v in row.items() if k not in SYSTEM and v is not None}


def key(row: dict[str, Any]) -> tuple[str, str]:
    return (row["PartitionKey"], row["RowKey"])


def deployment(partition: str, n: int, **extra: str) -> dict[str, str]:
    return {
        "PartitionKey": partition,
        "RowKey": f"{n:012x}",
        "p1": str(6000 + n),
        "imageTag": f"{partition}-master-{6000 + n}",
        "commitId": f"{n:07x}",
        "service": partition,
        **extra,
    }


async def scan_all(store: Store, page_size: int = 1000) -> tuple[list[dict[str, Any]], int]:
    rows: list[dict[str, Any]] = []
    pages = 0
    async for page in store.scan(page_size):
        assert isinstance(page, Sequence) and all(isinstance(row, dict) for row in page)
        pages += 1
        rows.extend(page)
    return rows, pages


def spektate_rows() -> list[dict[str, str]]:
    """The 92 real rows published with Spektate, unwrapped from the old SDK's {"_": v}."""
    entries = json.loads(SPEKTATE_ROWS.read_text())["entries"]
    rows = []
    for entry in entries:
        rows.append(
            {k: v["_"] for k, v in entry.items() if k not in (".metadata", "Timestamp")}
        )
    return rows


# -- fixtures ------------------------------------------------------------------------


@pytest.fixture(params=["sqlite", "azure"])
async def make_store(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[MakeStore]:
    """``await make_store(partition=None)``: an open store; every store a test makes
    shares one table (or one database file)."""
    opened: list[Store] = []
    if request.param == "sqlite":
        from gitops_tui.stores.sqlite import SqliteStore

        db = tmp_path / "t.db"

        def build(partition: str | None) -> Store:
            return SqliteStore(StoreConfig(kind="sqlite", path=db, partition=partition))

    else:
        azure_config = request.getfixturevalue("azure_config")
        table = azure_config().table
        from gitops_tui.stores.azure import AzureTableStore

        def build(partition: str | None) -> Store:
            return AzureTableStore(azure_config(table=table, partition=partition))

    async def make(partition: str | None = None) -> Store:
        store = build(partition)
        await store.open(create=True)
        opened.append(store)
        return store

    yield make
    for store in opened:
        await store.close()


# -- the contract --------------------------------------------------------------------


async def test_store_satisfies_protocol(make_store: MakeStore) -> None:
    store = await make_store("app")
    assert isinstance(store, Store)
    assert store.partition == "app"
    assert store.description and ":" in store.description


async def test_full_scan_crosses_pages_without_losing_or_repeating_rows(
    make_store: MakeStore,
) -> None:
    store = await make_store()
    rows = [deployment(f"svc{n % 3}", n) for n in range(2500)]
    assert await store.upsert_many(rows) == 2500

    scanned, pages = await scan_all(store, page_size=300)
    assert pages >= 9  # 2,500 rows in pages of 300: the continuation was followed
    assert len(scanned) == 2500  # nothing repeated ...
    assert {key(r) for r in scanned} == {key(r) for r in rows}  # ... nothing lost
    by_key = {key(r): r for r in scanned}
    for row in rows[::250]:
        assert content(by_key[key(row)]) == row
    iso = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z")  # timefmt.to_iso's form
    assert all(iso.fullmatch(r["Timestamp"]) for r in scanned)
    assert await store.count() == 2500

    loaded, _cursor = await load_all(store)
    assert len(loaded) == 2500


async def test_partition_scope_includes_cluster_partition_only(make_store: MakeStore) -> None:
    writer = await make_store()
    partitions = ["app", cluster_partition("app"), "app2", "ap", "app.clustersx", "other", "o'brien"]
    rows = [deployment(p, n) for p in partitions for n in range(3)]
    await writer.upsert_many(rows)

    scoped = await make_store("app")
    scanned, _ = await scan_all(scoped)
    assert {r["PartitionKey"] for r in scanned} == {"app", "app.clusters"}
    assert len(scanned) == 6
    assert await scoped.count() == 6
    assert await writer.count() == len(rows)

    # A quote in the partition is a value, not OData syntax.
    quoted = await make_store("o'brien")
    scanned, _ = await scan_all(quoted)
    assert {key(r) for r in scanned} == {key(r) for r in rows if r["PartitionKey"] == "o'brien"}

    # Incremental polls are scoped too.
    cursor = await scoped.cursor_now()
    await writer.upsert_many([deployment("other", 99), deployment("app.clusters", 99)])
    changed, _ = await scoped.changed_since(cursor)
    assert [key(r) for r in changed] == [("app.clusters", f"{99:012x}")]


async def test_legacy_bedrock_rows_read_unchanged(make_store: MakeStore) -> None:
    legacy = spektate_rows()
    assert any("isMultiStage" in r for r in legacy) and any("etag" in r for r in legacy)
    store = await make_store("hello-bedrock")
    await store.upsert_many(legacy)

    scanned, _ = await scan_all(store)
    assert len(scanned) == len(legacy)
    by_key = {key(r): r for r in scanned}
    for row in legacy:
        assert content(by_key[key(row)]) == row  # stray etag/isMultiStage included
    got = await store.get("hello-bedrock", legacy[0]["RowKey"])
    assert got is not None and content(got.row) == legacy[0]


async def test_insert_conflict(make_store: MakeStore) -> None:
    store = await make_store()
    row = deployment("app", 1)
    etag = await store.insert(row)
    assert isinstance(etag, str) and etag
    with pytest.raises(ConflictError):
        await store.insert(dict(row, imageTag="clobbered"))
    got = await store.get("app", row["RowKey"])
    assert got is not None
    assert content(got.row) == row
    assert got.etag == etag
    assert await store.get("app", "nosuchrow") is None


async def test_replace_with_stale_etag_conflicts_and_keeps_row(make_store: MakeStore) -> None:
    store = await make_store()
    row = deployment("app", 2)
    first = await store.insert(row)
    updated = dict(row, env="dev", p2="300")
    second = await store.replace(updated, first)
    assert second and second != first

    with pytest.raises(ConflictError):
        await store.replace(dict(row, env="prod"), first)  # stale
    got = await store.get("app", row["RowKey"])
    assert got is not None
    assert content(got.row) == updated
    assert got.etag == second

    # A row read back (with its Timestamp) can be written back with its etag.
    third = await store.replace(dict(got.row, p3="9"), got.etag)
    assert third != second
    after = await store.get("app", row["RowKey"])
    assert after is not None and after.row["p3"] == "9"


async def test_find_by_column(make_store: MakeStore) -> None:
    store = await make_store()
    rows = [
        deployment("app", 1, hldCommitId="aaa1111"),
        deployment("app", 2, hldCommitId="bbb2222"),
        deployment("app", 3, hldCommitId="aaa1111", isMultiStage="true"),
        deployment("other", 4, hldCommitId="aaa1111"),
    ]
    await store.upsert_many(rows)

    found = await store.find("app", "hldCommitId", "aaa1111")
    assert all(isinstance(v, Versioned) and v.etag for v in found)
    assert sorted(key(v.row) for v in found) == [key(rows[0]), key(rows[2])]
    assert await store.find("app", "hldCommitId", "nothing") == []
    assert await store.find("app", "imageTag", "it's-quoted") == []
    stray = await store.find("app", "isMultiStage", "true")
    assert [key(v.row) for v in stray] == [key(rows[2])]

    # The etag from find is good for an optimistic replace.
    target = found[0]
    await store.replace(dict(target.row, manifestCommitId="ccc3333"), target.etag)


async def test_incremental_returns_exactly_the_changed_rows(make_store: MakeStore) -> None:
    store = await make_store()
    base = [deployment("app", n) for n in range(40)]
    await store.upsert_many(base)
    loaded, cursor = await load_all(store)
    assert len(loaded) == 40

    changed = [dict(r, env="prod", p2="7") for r in base[:6]] + [
        deployment("app", 100 + n) for n in range(3)
    ]
    await store.upsert_many(changed)
    await store.insert(deployment("app", 200))
    expected = {key(r) for r in changed} | {("app", f"{200:012x}")}

    got, cursor = await store.changed_since(cursor)
    assert len(got) == 10
    assert {key(r) for r in got} == expected
    by_key = {key(r): r for r in got}
    assert by_key[key(base[0])]["env"] == "prod"

    again, cursor = await store.changed_since(cursor)
    assert again == []

    # And the next write after that is seen once.
    etag = (await store.get("app", base[10]["RowKey"])).etag  # type: ignore[union-attr]
    await store.replace(dict(base[10], env="qa"), etag)
    got, cursor = await store.changed_since(cursor)
    assert [key(r) for r in got] == [key(base[10])]
    assert got[0]["env"] == "qa"
    again, cursor = await store.changed_since(cursor)
    assert again == []


async def test_upsert_many_inserts_and_replaces(make_store: MakeStore) -> None:
    store = await make_store()
    rows = [deployment(f"p{n % 2}", n, env="dev") for n in range(250)]
    assert await store.upsert_many(rows) == 250
    assert await store.count() == 250

    # Replace semantics: the new version is the whole row (env is gone).
    newer = [deployment(f"p{n % 2}", n, p3="42") for n in range(0, 20)]
    newer += [deployment("p9", 1000 + n) for n in range(5)]
    assert await store.upsert_many(newer) == 25
    assert await store.count() == 255
    got = await store.get("p0", f"{0:012x}")
    assert got is not None
    assert content(got.row) == newer[0]
    assert await store.upsert_many([]) == 0


async def test_a_refused_row_costs_no_other_row(make_store: MakeStore) -> None:
    """A row no store can hold (no RowKey) amid 250: the others are written, it is named."""
    store = await make_store()
    rows: list[dict[str, Any]] = [deployment("p", n) for n in range(250)]
    rows[130] = {"PartitionKey": "p", "service": "keyless"}
    with pytest.raises(PartialWriteError) as caught:
        await store.upsert_many(rows)
    assert caught.value.written == 249
    assert [f.index for f in caught.value.failures] == [130]
    assert "RowKey" in caught.value.failures[0].reason
    assert await store.count() == 249


# -- Azure only ----------------------------------------------------------------------


@pytest.fixture
async def azure_stores(azure_config: Callable[..., StoreConfig]) -> AsyncIterator[Callable[..., Any]]:
    """``make(config)``: an AzureTableStore, closed after the test."""
    from gitops_tui.stores.azure import AzureTableStore

    made: list[AzureTableStore] = []

    def make(config: StoreConfig) -> AzureTableStore:
        store = AzureTableStore(config)
        made.append(store)
        return store

    yield make
    for store in made:
        await store.close()


async def _roundtrip(store: Any, n: int = 1) -> None:
    row = deployment("app", n)
    etag = await store.insert(row)
    got = await store.get("app", row["RowKey"])
    assert got is not None and got.etag == etag and content(got.row) == row
    scanned, _ = await scan_all(store)
    assert key(row) in {key(r) for r in scanned}


def _wrong_key() -> str:
    return base64.b64encode(os.urandom(64)).decode()


def _assert_secret_free(message: str, *secrets: str) -> None:
    for secret in secrets:
        assert secret not in message
    # Only redacted pairs may remain: "sig=***", never "sig=<value>".
    assert not re.search(r"(?i)\b(sig|accountkey|sharedaccesssignature)=(?!\*\*\*)", message)


async def test_azure_auth_connection_string(
    azurite: Azurite, azure_config: Callable[..., StoreConfig], azure_stores: Any
) -> None:
    config = StoreConfig(
        kind="azure", connection_string=azurite.connection_string, table=azure_config().table
    )
    store = azure_stores(config)
    assert store.description == f"azure:devstoreaccount1/{config.table}"
    await store.open(create=True)
    await _roundtrip(store)


async def test_azure_auth_account_key(
    azure_config: Callable[..., StoreConfig], azure_stores: Any
) -> None:
    store = azure_stores(azure_config())
    await store.open(create=True)
    await _roundtrip(store)


async def test_azure_auth_sas_tokens(
    azurite: Azurite, azure_config: Callable[..., StoreConfig], azure_stores: Any
) -> None:
    from azure.core.credentials import AzureNamedKeyCredential
    from azure.data.tables import (
        AccountSasPermissions,
        ResourceTypes,
        TableSasPermissions,
        generate_account_sas,
        generate_table_sas,
    )

    owner_config = azure_config()
    owner = azure_stores(owner_config)
    await owner.open(create=True)
    await owner.insert(deployment("app", 1))
    credential = AzureNamedKeyCredential(azurite.account_name, azurite.account_key)
    expiry = datetime.now(UTC) + timedelta(hours=1)

    table_sas = generate_table_sas(
        credential,
        owner_config.table,
        permission=TableSasPermissions(read=True, add=True, update=True),
        expiry=expiry,
    )
    store = azure_stores(
        StoreConfig(kind="azure", endpoint=azurite.endpoint, account_name=azurite.account_name,
                    sas_token=table_sas, table=owner_config.table)
    )
    await _roundtrip(store, 2)

    account_sas = generate_account_sas(
        credential,
        resource_types=ResourceTypes(service=True, container=True, object=True),
        permission=AccountSasPermissions(read=True, write=True, list=True, add=True, update=True),
        expiry=expiry,
    )
    store = azure_stores(
        StoreConfig(kind="azure", endpoint=azurite.endpoint, sas_token="?" + account_sas,
                    table=owner_config.table)
    )
    await _roundtrip(store, 3)

    # Least privilege: a read-only SAS reads, and a write is refused without leaking it.
    read_only = generate_table_sas(
        credential, owner_config.table, permission=TableSasPermissions(read=True), expiry=expiry
    )
    reader = azure_stores(
        StoreConfig(kind="azure", endpoint=azurite.endpoint, account_name=azurite.account_name,
                    sas_token=read_only, table=owner_config.table)
    )
    assert await reader.count() == 3
    with pytest.raises(StoreError) as info:
        await reader.insert(deployment("app", 4))
    assert "access denied" in str(info.value)
    signature = dict(p.split("=", 1) for p in read_only.split("&"))["sig"]
    _assert_secret_free(str(info.value), read_only, signature)


async def test_azure_tampered_sas_message_has_no_signature(
    azurite: Azurite, azure_config: Callable[..., StoreConfig], azure_stores: Any
) -> None:
    from urllib.parse import quote

    from azure.core.credentials import AzureNamedKeyCredential
    from azure.data.tables import TableSasPermissions, generate_table_sas

    config = azure_config()
    await azure_stores(config).open(create=True)
    sas = generate_table_sas(
        AzureNamedKeyCredential(azurite.account_name, _wrong_key()),  # signed with a wrong key
        config.table,
        permission=TableSasPermissions(read=True),
        expiry=datetime.now(UTC) + timedelta(hours=1),
    )
    signature = dict(p.split("=", 1) for p in sas.split("&"))["sig"]
    store = azure_stores(
        StoreConfig(kind="azure", endpoint=azurite.endpoint, account_name=azurite.account_name,
                    sas_token=sas, table=config.table)
    )
    for operation in (store.count, store.cursor_now, lambda: store.get("app", "x")):
        with pytest.raises(StoreError) as info:
            await operation()
        message = str(info.value)
        assert "access denied" in message
        _assert_secret_free(message, sas, signature, quote(signature, safe=""))


async def test_azure_wrong_key_is_access_denied_without_the_key(
    azurite: Azurite, azure_config: Callable[..., StoreConfig], azure_stores: Any
) -> None:
    good = azure_config()
    await azure_stores(good).open(create=True)
    wrong = _wrong_key()
    store = azure_stores(azure_config(table=good.table, account_key=wrong))
    with pytest.raises(StoreError) as info:
        await store.count()
    message = str(info.value)
    assert message.startswith(f"azure:devstoreaccount1/{good.table}: ")
    assert "access denied" in message
    _assert_secret_free(message, wrong)
    assert info.value.__cause__ is None and info.value.__suppress_context__

    conn = azurite.connection_string.replace(azurite.account_key, wrong)
    by_conn = azure_stores(StoreConfig(kind="azure", connection_string=conn, table=good.table))
    with pytest.raises(StoreError) as info:
        await by_conn.insert(deployment("app", 1))
    message = str(info.value)
    assert "access denied" in message
    _assert_secret_free(message, wrong, conn)


async def test_azure_missing_table(
    azure_config: Callable[..., StoreConfig], azure_stores: Any
) -> None:
    store = azure_stores(azure_config())
    await store.open()  # no create: the first access reports it
    for operation in (
        lambda: scan_all(store),
        store.cursor_now,
        lambda: store.get("app", "x"),
        lambda: store.insert(deployment("app", 1)),
        lambda: store.upsert_many([deployment("app", 1)]),
    ):
        with pytest.raises(TableMissingError):
            await operation()
    await store.open(create=True)
    await store.open(create=True)  # idempotent
    assert await store.count() == 0


async def test_azure_non_string_properties_come_back_as_strings(
    azurite: Azurite, azure_config: Callable[..., StoreConfig], azure_stores: Any
) -> None:
    from uuid import UUID

    from azure.data.tables import EdmType, EntityProperty, TableClient

    config = azure_config()
    store = azure_stores(config)
    await store.open(create=True)
    with TableClient.from_connection_string(azurite.connection_string, config.table) as client:
        client.create_entity(
            {
                "PartitionKey": "app",
                "RowKey": "typed",
                "p1": "6872",
                "build": 6872,
                "big": EntityProperty(2**40, EdmType.INT64),
                "ratio": 0.5,
                "ok": True,
                "when": datetime(2019, 10, 24, 21, 28, 43, 902000, tzinfo=UTC),
                "guid": UUID("12345678-1234-5678-1234-567812345678"),
            }
        )
    (row,), _ = await scan_all(store)
    assert row["p1"] == "6872"
    assert row["build"] == "6872"
    assert row["big"] == str(2**40)
    assert row["ratio"] == "0.5"
    assert row["ok"] == "true"
    assert row["when"] == "2019-10-24T21:28:43.902000Z"
    assert row["guid"] == "12345678-1234-5678-1234-567812345678"
    assert all(isinstance(v, str) for v in row.values())


async def test_azure_hung_server_fails_within_deadline(azure_stores: Any) -> None:
    held: list[asyncio.StreamWriter] = []

    async def never_answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)  # accept, read nothing, answer nothing

    server = await asyncio.start_server(never_answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        config = StoreConfig(
            kind="azure", endpoint=f"http://127.0.0.1:{port}/devstoreaccount1",
            account_name="devstoreaccount1", account_key=_wrong_key(), table="hung", timeout_s=1,
        )
        store = azure_stores(config)
        for operation in (store.count, lambda: store.get("app", "x")):
            start = time.monotonic()
            with pytest.raises(StoreError) as info:
                await operation()
            elapsed = time.monotonic() - start
            assert elapsed < 3.0, f"took {elapsed:.1f}s with timeout_s=1"
            assert f"127.0.0.1:{port}" in str(info.value)
            assert "no answer" in str(info.value)
        assert held  # the requests did reach the server
    finally:
        for writer in held:
            writer.close()
        server.close()
        await server.wait_closed()


async def test_azure_connection_refused_is_a_short_store_error(azure_stores: Any) -> None:
    port = free_port()  # nothing listens there
    store = azure_stores(
        StoreConfig(kind="azure", endpoint=f"http://127.0.0.1:{port}/devstoreaccount1",
                    account_name="devstoreaccount1", account_key=_wrong_key(), table="gone",
                    timeout_s=1)
    )
    start = time.monotonic()
    with pytest.raises(StoreError) as info:
        await store.cursor_now()
    assert time.monotonic() - start < 3.0
    assert str(info.value) == (
        f"azure:devstoreaccount1/gone: cannot connect to 127.0.0.1:{port} (connection refused)"
    )


async def test_azure_default_credential_needs_identity_extra(
    monkeypatch: pytest.MonkeyPatch, azure_stores: Any
) -> None:
    monkeypatch.setitem(sys.modules, "azure.identity", None)  # as if not installed
    store = azure_stores(StoreConfig(kind="azure", account_name="acct", table="deployments"))
    with pytest.raises(StoreError) as info:
        await store.open()
    message = str(info.value)
    assert "\n" not in message
    assert "pip install 'gitops-tui[identity]'" in message


def test_azure_messages_are_sanitized() -> None:
    from gitops_tui.stores.azure import AzureTableStore

    key_ = _wrong_key()
    conn = f"DefaultEndpointsProtocol=https;AccountName=acct;AccountKey={key_};EndpointSuffix=core.windows.net"
    store = AzureTableStore(StoreConfig(kind="azure", connection_string=conn, table="deployments"))
    assert store.description == "azure:acct/deployments"
    text = (
        f"GET https://acct.table.core.windows.net/deployments()?sv=2019-02-02&sig=abc%2Fdef "
        f"failed; conn={conn}; AccountKey={key_[:20]}; SharedAccessSignature=sv=1&sig=zz"
    )
    clean = store._errors.sanitize(text)
    assert "https://acct.table.core.windows.net/deployments()" in clean
    _assert_secret_free(clean, key_, key_[:20], conn, "abc%2Fdef", "sig=zz")

    # An endpoint pasted with its SAS: the SAS never reaches a message.
    sas = "sv=2019-02-02&ss=t&srt=sco&sp=rl&sig=SECRETSIGNATURE"
    store = AzureTableStore(
        StoreConfig(kind="azure", endpoint=f"https://acct.table.core.windows.net?{sas}",
                    account_name="acct", account_key=key_, table="deployments")
    )
    store._connect()
    error = store._map_error(ValueError(f"bad url https://acct.table.core.windows.net?{sas}"))
    _assert_secret_free(str(error), "SECRETSIGNATURE", key_)
    assert "SECRETSIGNATURE" not in store._client.url


async def test_azure_page_deadline_not_whole_scan(
    azure_config: Callable[..., StoreConfig], azure_stores: Any
) -> None:
    """A scan longer than the deadline is fine as long as every page is quick."""
    store = azure_stores(azure_config(timeout_s=0.5))
    await store.open(create=True)
    await store.upsert_many([deployment("app", n) for n in range(300)])
    start = time.monotonic()
    rows = []
    async for page in store.scan(page_size=20):
        rows.extend(page)
        await asyncio.sleep(0.08)  # a slow consumer: 15 pages x 80 ms > 1 s deadline
    assert time.monotonic() - start > store.deadline_s
    assert len(rows) == 300


async def test_azure_cursor_ignores_a_wrong_client_clock(
    monkeypatch: pytest.MonkeyPatch, azure_config: Callable[..., StoreConfig], azure_stores: Any
) -> None:
    import gitops_tui.stores.azure.store as azure_store

    store = azure_stores(azure_config())
    await store.open(create=True)
    await store.upsert_many([deployment("app", n) for n in range(20)])
    for skew in (timedelta(hours=-2), timedelta(hours=3)):
        monkeypatch.setattr(azure_store, "utcnow", lambda skew=skew: datetime.now(UTC) + skew)
        cursor = await store.cursor_now()
        row = deployment("app", 100 + skew.days)
        await store.upsert_many([row])
        got, cursor = await store.changed_since(cursor)
        assert [key(r) for r in got] == [key(row)]


async def test_azure_steady_poll_reads_only_the_changed_rows(
    azure_config: Callable[..., StoreConfig], azure_stores: Any
) -> None:
    """Once the overlap window has passed, a poll fetches the changes, not the table."""
    store = azure_stores(azure_config())
    store.OVERLAP_S, store.SERVER_MARGIN_S = 0.3, 1.0  # shrink the window to keep this quick
    await store.open(create=True)
    rows = [deployment(f"svc{n % 4}", n) for n in range(400)]
    await store.upsert_many(rows)
    await asyncio.sleep(2.5)  # > margin + the Date header's 1 s resolution
    cursor = await store.cursor_now()
    assert store.last_fetched == 0
    changed = [dict(r, env="prod") for r in rows[::40]]
    await store.upsert_many(changed)
    got, cursor = await store.changed_since(cursor)
    assert {key(r) for r in got} == {key(r) for r in changed}
    assert store.last_fetched == 10
    again, cursor = await store.changed_since(cursor)
    assert again == [] and store.last_fetched <= 10
