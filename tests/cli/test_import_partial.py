"""`import` when the store refuses some entities, and `get` filters with quotes in them."""

from __future__ import annotations

import asyncio
import json

from gitops_tui.config import StoreConfig

from helpers import run_cli, sqlite_config


def azure_yaml(tmp_path, azurite, table):
    cfg = tmp_path / f"{table}.yaml"
    cfg.write_text(f"store:\n  kind: azure\n  account_name: {azurite.account_name}\n"
                   f"  endpoint: {azurite.endpoint}\n  table: {table}\n  account_key: ${{env:KEY}}\n")
    return cfg


def entity(n, partition="app", **extra):
    return {"PartitionKey": partition, "RowKey": f"{n:012x}", "p1": str(n), "service": "svc", **extra}


def count_rows(azurite, table):
    from gitops_tui.stores.azure import AzureTableStore

    async def go():
        store = AzureTableStore(StoreConfig(kind="azure", endpoint=azurite.endpoint, table=table,
                                            account_name=azurite.account_name,
                                            account_key=azurite.account_key))
        try:
            return await store.count()
        finally:
            await store.close()

    return asyncio.run(go())


def test_import_into_azure_names_refused_entities_and_writes_the_rest(azurite, tmp_path):
    cfg = azure_yaml(tmp_path, azurite, "partial")
    rows = [entity(n) for n in range(250)]  # one partition: three all-or-nothing transactions
    rows[59]["big"] = "x" * 70_000  # line 60: one property over 64 KiB
    rows[125].update({f"c{i}": "y" * 30_000 for i in range(40)})  # line 126: over 1 MiB
    rows[199]["RowKey"] = "bad?key"  # line 200: skipped before it reaches the store
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    result = run_cli("--config", str(cfg), "import", str(path), env={"KEY": azurite.account_key})
    assert result.returncode == 1, result.stderr
    assert result.stdout.splitlines() == [
        "imported 247 of 249 entities into azure:devstoreaccount1/partial, skipped 1 bad lines; 2 failed:"
    ]
    errors = result.stderr.splitlines()
    assert errors[0].startswith(f"{path}:200: skipped: RowKey 'bad?key'")
    assert errors[1:] == [
        f"{path}:60: failed: RowKey '{59:012x}': property value too large (over 64 KiB)",
        f"{path}:126: failed: RowKey '{125:012x}': entity too large (over 1 MiB)",
    ]
    assert azurite.account_key not in result.stdout + result.stderr
    assert count_rows(azurite, "partial") == 247


def test_import_into_sqlite_names_the_entity_it_cannot_store(tmp_path):
    """A JSON document (entry numbers, not lines): an entry with a lone surrogate used to
    lose the whole batch and end in a traceback."""
    cfg = sqlite_config(tmp_path, partition=None)
    entries = [entity(n) for n in range(30)]
    entries.insert(5, "not an entity")  # entry 6: skipped
    path = tmp_path / "dump.json"
    text = json.dumps(entries, indent=1)
    bad = json.dumps(entries[20]["p1"])
    path.write_text(text.replace(f'"p1": {bad}', '"p1": "half \\ud800 a pair"', 1))
    result = run_cli("--config", str(cfg), "import", str(path))
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert result.stdout.splitlines() == [
        f"imported 29 of 30 entities into sqlite:{tmp_path / 't.db'}, skipped 1 bad lines; 1 failed:"
    ]
    errors = result.stderr.splitlines()
    assert errors[0].startswith(f"{path}:6: skipped:")
    assert errors[1].startswith(f"{path}:21: failed: RowKey '{19:012x}': cannot be stored (")
    check = run_cli("--config", str(cfg), "check")
    assert "rows:      29" in check.stdout


def test_get_filters_with_quotes_match_nothing_in_azure(azurite, tmp_path):
    cfg = azure_yaml(tmp_path, azurite, "quoted")
    env = {"KEY": azurite.account_key}
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps(entity(n, f"app{n % 2}")) + "\n" for n in range(20)))
    assert run_cli("--config", str(cfg), "import", str(path), env=env).returncode == 0

    def get(*args):
        result = run_cli("--config", str(cfg), "get", "-o", "json", *args, env=env)
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    assert len(get()) == 20
    assert get("--service", "x' or 1 eq 1") == []
    assert get("--partition", "app0' or PartitionKey ne '") == []
    assert get("--partition", "x') or (1 eq 1") == []
    assert len(get("--partition", "app0")) == 10
