"""Least privilege and OData injection against Azurite (issue 12). A read-only SAS (query
only: a table SAS ``sp=r``, an account SAS ``sp=rl``) serves the monitor, `get`, `export`
and `check`; `record` and `import` fail in one line naming the permission they lack; a
table SAS that may add and update records without being able to create the table.
User input in a filter (--service, --partition, a record's ids) cannot change a query."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from azure.core.credentials import AzureNamedKeyCredential
from azure.data.tables import (
    AccountSasPermissions,
    ResourceTypes,
    TableSasPermissions,
    generate_account_sas,
    generate_table_sas,
)

from gitops_tui.config import StoreConfig
from gitops_tui.monitor import OK, Monitor
from gitops_tui.stores.azure import AzureTableStore
from gitops_tui.stores.base import load_all
from helpers import run_cli

TABLE = "leastpriv"
ROWS = [{"PartitionKey": part, "RowKey": f"{part}-{i}", "p1": str(i), "imageTag": f"{part}-img-{i}",
         "commitId": "abc1234", "service": f"svc-{part}"} for part in ("hello", "other") for i in range(3)]


def sas_for(azurite, kind: str) -> str:  # type: ignore[no-untyped-def]
    key = AzureNamedKeyCredential(azurite.account_name, azurite.account_key)
    expiry = datetime.now(UTC) + timedelta(hours=1)
    if kind == "table-read":
        return generate_table_sas(key, TABLE, permission=TableSasPermissions(read=True), expiry=expiry)
    if kind == "table-write":
        return generate_table_sas(key, TABLE, permission=TableSasPermissions(read=True, add=True, update=True),
                                  expiry=expiry)
    # (Azurite wants the container resource type for an entity query)
    return generate_account_sas(key, resource_types=ResourceTypes(container=True, object=True),
                                permission=AccountSasPermissions(read=True, list=True), expiry=expiry)


@pytest.fixture
def seeded(azurite):  # type: ignore[no-untyped-def]
    async def seed() -> None:
        store = AzureTableStore(StoreConfig(kind="azure", endpoint=azurite.endpoint, account_name=azurite.account_name,
                                            account_key=azurite.account_key, table=TABLE))
        await store.open(create=True)
        await store.upsert_many(ROWS)
        await store.close()

    asyncio.run(seed())
    return azurite


def sas_config(tmp_path: Path, azurite, partition: str = "hello") -> Path:  # type: ignore[no-untyped-def]
    cfg = tmp_path / "sas.yaml"
    cfg.write_text(f"store:\n  kind: azure\n  endpoint: {azurite.endpoint}\n  account_name: {azurite.account_name}\n"
                   f"  sas_token: ${{env:THE_SAS}}\n  table: {TABLE}\n  partition: {json.dumps(partition)}\n")
    return cfg


@pytest.mark.parametrize("kind", ["table-read", "account-read"])
def test_a_read_only_sas_serves_get_export_check(tmp_path: Path, seeded, kind: str) -> None:
    cfg, env = sas_config(tmp_path, seeded), {"THE_SAS": sas_for(seeded, kind)}
    got = run_cli("--config", str(cfg), "get", "-o", "json", env=env)
    assert got.returncode == 0, got.stderr
    assert sorted(d["id"] for d in json.loads(got.stdout)) == ["hello-0", "hello-1", "hello-2"]
    exported = run_cli("--config", str(cfg), "export", str(tmp_path / "out.jsonl"), env=env)
    assert exported.returncode == 0, exported.stderr
    assert len((tmp_path / "out.jsonl").read_text().splitlines()) == 3
    checked = run_cli("--config", str(cfg), "check", env=env)
    assert checked.returncode == 0 and "reachable: yes" in checked.stdout, checked.stdout


async def test_the_monitor_runs_on_a_read_only_sas(seeded) -> None:
    store = AzureTableStore(StoreConfig(kind="azure", endpoint=seeded.endpoint, account_name=seeded.account_name,
                                        sas_token=sas_for(seeded, "table-read"), table=TABLE, partition="hello"))
    monitor = Monitor(store, interval_s=0.5, deadline_s=10)
    loaded = await monitor.load()
    assert loaded.status.state == OK and len(loaded.snapshot.deployments) == 3
    for _ in range(4):  # polls (a reconcile's key listing among them) need nothing more
        assert (await monitor.poll()).status.state == OK
    await monitor.close()


def test_record_and_import_name_the_permission_they_lack(tmp_path: Path, seeded) -> None:
    cfg, env = sas_config(tmp_path, seeded), {"THE_SAS": sas_for(seeded, "table-read")}
    (tmp_path / "one.jsonl").write_text('{"PartitionKey": "hello", "RowKey": "new", "p1": "9"}\n')
    recorded = run_cli("--config", str(cfg), "record", "--p1", "9", "--image-tag", "img-9", "--commit-id",
                       "abc1234", "--service", "svc", env=env)
    imported = run_cli("--config", str(cfg), "import", str(tmp_path / "one.jsonl"), env=env)
    for result, permission, letters in ((recorded, "add", "'a'"), (imported, "add and update", "'au'")):
        assert result.returncode == 1
        lines = result.stderr.splitlines()
        assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
        assert f"needs the {permission} permission" in lines[0] and letters in lines[0], lines[0]
    # and an update of an existing row, refused, names update
    update = run_cli("--config", str(cfg), "record", "--p1", "0", "--image-tag", "hello-img-0", "--commit-id",
                     "abc1234", "--service", "svc-hello", "--author", "x", env=env)
    assert update.returncode == 1 and "needs the update permission" in update.stderr, update.stderr


def test_a_table_sas_that_may_write_records(tmp_path: Path, seeded) -> None:
    cfg, env = sas_config(tmp_path, seeded), {"THE_SAS": sas_for(seeded, "table-write")}
    for argv in (["--p1", "9", "--image-tag", "img-9", "--commit-id", "abc1234", "--service", "svc"],
                 ["--p1", "9", "--image-tag", "img-9", "--commit-id", "abc1234", "--service", "svc", "--author", "A"]):
        result = run_cli("--config", str(cfg), "record", *argv, env=env)
        assert result.returncode == 0, result.stderr  # (no table creation asked of it)


async def test_user_input_cannot_change_a_query(tmp_path: Path, seeded) -> None:
    cfg = sas_config(tmp_path, seeded)
    env = {"THE_SAS": sas_for(seeded, "table-read")}
    for service in ("x' or 1 eq 1", "x' or PartitionKey ne '", "svc-hello' or 'a' eq 'a"):
        got = run_cli("--config", str(cfg), "get", "-o", "json", "--service", service, env=env)
        assert got.returncode == 0 and json.loads(got.stdout) == [], (service, got.stdout)
    for partition in ("x' or PartitionKey ne '", "hello' or 1 eq 1 or 'a' eq '", "@p", "hello ) or ( true"):
        other = sas_config(tmp_path, seeded, partition=partition)
        got = run_cli("--config", str(other), "get", "-o", "json", env=env)
        assert got.returncode in (0, 2) and (got.returncode == 2 or json.loads(got.stdout) == []), (partition, got)
    # a record's ids go into the writer's lookup (find by imageTag): they find nothing
    key_cfg = tmp_path / "key.yaml"
    key_cfg.write_text(cfg.read_text().replace("sas_token: ${env:THE_SAS}", f"account_key: {seeded.account_key}"))
    hostile_tag = "x' or imageTag ne '"
    result = run_cli("--config", str(key_cfg), "record", "--p1", "0", "--image-tag", hostile_tag,
                     "--commit-id", "fff0000", "--service", "svc-hello", "--author", "Mallory")
    assert result.returncode == 0, result.stderr
    store = AzureTableStore(StoreConfig(kind="azure", endpoint=seeded.endpoint, account_name=seeded.account_name,
                                        account_key=seeded.account_key, table=TABLE))
    rows, _ = await load_all(store)
    await store.close()
    assert [r for r in rows if r.get("author") == "Mallory"] == [
        r for r in rows if r["imageTag"] == hostile_tag]  # only its own new row
    seeded_keys = {r["RowKey"] for r in ROWS}  # (the table is shared with the tests above)
    assert all(r.get("author") is None and r["commitId"] == "abc1234" for r in rows if r["RowKey"] in seeded_keys)
    assert len([r for r in rows if r["imageTag"] == hostile_tag]) == 1
