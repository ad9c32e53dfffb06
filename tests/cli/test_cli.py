"""`get`, `import`, `export` and `check` through the real entry point."""

from __future__ import annotations

import json

import pytest

from helpers import SPEKTATE, get_json, run_cli, sqlite_config

JSON_KEYS = ["id", "partition", "service", "ring", "status", "author", "commit", "image_tag", "pr",
             "pr_state", "merged_by", "hld_commit", "manifest_commit", "synced_clusters",
             "manual_hld_edit", "started_at", "updated_at", "duration_s", "stages"]
STAGE_KEYS = ["name", "status", "run_id", "url", "started_at", "finished_at", "source", "error"]


@pytest.fixture
def fixture_store(tmp_path):
    cfg = sqlite_config(tmp_path, partition=None)
    result = run_cli("--config", str(cfg), "import", str(SPEKTATE / "deployments.json"))
    assert result.returncode == 0, result.stderr
    assert "imported 92 entities" in result.stdout
    return cfg


def test_get_json_shape(fixture_store):
    deployments = get_json(fixture_store)
    assert len(deployments) == 89
    for d in deployments:
        assert list(d)[: len(JSON_KEYS)] == JSON_KEYS
        assert d["status"] in {"succeeded", "in_progress", "waiting", "failed", "canceled", "unknown"}
        assert isinstance(d["synced_clusters"], list)
        for stage in d["stages"]:
            assert list(stage) == STAGE_KEYS and stage["name"] in {"image", "hld", "manifest"}
        assert "None" not in json.dumps(d)
    first = deployments[0]
    assert first["id"] == "91304e7b61a7"
    assert first["updated_at"] == "2019-11-06T18:37:44.881000Z"
    assert first["ring"] is None and first["started_at"] is None and first["duration_s"] is None
    assert sum(d["manual_hld_edit"] for d in deployments) == 4


def test_get_filters_and_top(fixture_store):
    spektate = get_json(fixture_store, "--service", "hello-spektate")
    assert spektate and {d["service"] for d in spektate} == {"hello-spektate"}
    assert len(get_json(fixture_store, "--service", "hello-spektate", "--top", "3")) == 3
    assert get_json(fixture_store, "--ring", "DEV", "--top", "1")[0]["ring"] == "dev"
    assert get_json(fixture_store, "--status", "succeeded") == []
    assert len(get_json(fixture_store, "--status", "unknown")) == 89
    assert get_json(fixture_store, "--since", "1h") == []  # the fixture rows are from 2019
    since = get_json(fixture_store, "--since", "2019-10-31T00:00:00Z")
    assert since and all(d["updated_at"] >= "2019-10-31" for d in since)
    manual = get_json(fixture_store, "--filter", "manual !service:hello-bedrock")
    assert len(manual) == 4


def test_get_table_and_wide(fixture_store):
    table = run_cli("--config", str(fixture_store), "get", "--top", "2")
    lines = table.stdout.splitlines()
    assert lines[0].split()[:3] == ["State", "Service", "Ring"]
    assert "Ready to Deploy" in lines[0] and len(lines) == 3
    wide = run_cli("--config", str(fixture_store), "get", "-o", "wide", "--ring", "dev", "--top", "1")
    assert "Merged By" in wide.stdout and "ID" in wide.stdout
    assert "DEV" in wide.stdout.splitlines()[1]


def test_get_never_prints_escapes_from_table_values(tmp_path):
    cfg = sqlite_config(tmp_path)
    evil = "\x1b]0;pwned\x07\x1b[31mMallory\x1b[0m [bold]x[/bold]"
    result = run_cli("--config", str(cfg), "record", "--p1", "1", "--image-tag", "t\x1b[2J", "--commit-id",
                     "abc1234", "--service", "svc", "--author", evil)
    assert result.returncode == 0, result.stderr
    for output in ("table", "wide"):
        out = run_cli("--config", str(cfg), "get", "-o", output).stdout
        assert "\x1b" not in out and "\x07" not in out
        assert "Mallory" in out


def test_import_reports_bad_lines_and_imports_the_rest(tmp_path):
    cfg = sqlite_config(tmp_path, partition=None)
    lines = [
        json.dumps({"PartitionKey": "p", "RowKey": "aaaaaaaaaaa1", "p1": "1", "imageTag": "x"}),
        "{not json",
        json.dumps({"PartitionKey": {"_": "p"}, "RowKey": {"_": "aaaaaaaaaaa2"}, "p1": {"_": 7}}),
        json.dumps({"PartitionKey": "p"}),
        "",
        json.dumps(["a list"]),
        json.dumps({"PartitionKey": "p", "RowKey": "bad/key"}),
    ]
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(lines) + "\n")
    result = run_cli("--config", str(cfg), "import", str(path))
    assert result.returncode == 0
    assert "imported 2 entities" in result.stdout
    errors = result.stderr.strip().splitlines()
    assert [e.split(": skipped")[0] for e in errors] == [f"{path}:2", f"{path}:4", f"{path}:6", f"{path}:7"]
    assert "no RowKey" in errors[1]
    exported = run_cli("--config", str(cfg), "export", "-").stdout.splitlines()
    rows = {json.loads(line)["RowKey"]: json.loads(line) for line in exported}
    assert rows["aaaaaaaaaaa2"]["p1"] == "7"  # the Node SDK {"_": value} wrapping unwrapped


def test_export_then_import_round_trips(fixture_store, tmp_path):
    out = tmp_path / "dump.jsonl"
    result = run_cli("--config", str(fixture_store), "export", str(out))
    assert result.returncode == 0 and "exported 92 entities" in result.stdout
    lines = out.read_text().splitlines()
    assert len(lines) == 92
    entity = next(json.loads(line) for line in lines if json.loads(line)["RowKey"] == "6da30e7b4750")
    assert entity["isMultiStage"] == "true"  # stray columns survive
    # The embedded store kept the Spektate row's own Timestamp: no originalTimestamp.
    assert entity["Timestamp"] == "2019-10-28T22:00:22.297Z" and "originalTimestamp" not in entity
    other = sqlite_config(tmp_path, partition=None, name="copy.db")
    assert run_cli("--config", str(other), "import", str(out)).returncode == 0
    assert get_json(other) == get_json(fixture_store)
    again = tmp_path / "again.jsonl"
    assert run_cli("--config", str(other), "export", str(again)).returncode == 0
    assert again.read_bytes() == out.read_bytes()  # export → import → export: the same bytes


def test_round_trip_of_recorded_rows_and_repeated_keys(tmp_path):
    cfg = sqlite_config(tmp_path)
    for p1 in ("1", "2", "3"):
        assert run_cli("--config", str(cfg), "record", "-q", "--p1", p1, "--image-tag", f"t{p1}", "--commit-id", "abc",
                       "--service", "svc", "--status", "succeeded").returncode == 0
    assert run_cli("--config", str(cfg), "record", "-q", "--p2", "20", "--image-tag", "t2", "--env", "dev",
                   "--hld-commit-id", "h2", "--status", "failed").returncode == 0  # (a later write of t2's row)
    first = run_cli("--config", str(cfg), "export", "-").stdout
    copy = sqlite_config(tmp_path, name="copy.db")
    assert run_cli("--config", str(copy), "import", "-", input=first).returncode == 0
    assert run_cli("--config", str(copy), "export", "-").stdout == first
    # A file that names a key twice: the later line is what the store holds.
    line = json.loads(first.splitlines()[0])
    twice = first + json.dumps({**line, "p1Status": "canceled"}) + "\n"
    third = sqlite_config(tmp_path, name="third.db")
    assert run_cli("--config", str(third), "import", "-", input=twice).returncode == 0
    held = {json.loads(x)["RowKey"]: json.loads(x) for x in run_cli("--config", str(third), "export", "-").stdout.splitlines()}
    assert len(held) == 3 and held[line["RowKey"]]["p1Status"] == "canceled"


def test_check(fixture_store, tmp_path):
    result = run_cli("--config", str(fixture_store), "check")
    assert result.returncode == 0, result.stdout
    assert "rows:      92" in result.stdout
    assert "92 of 92 rows look like Bedrock deployment rows (100%)" in result.stdout
    missing = sqlite_config(tmp_path, name="never.db")
    result = run_cli("--config", str(missing), "check")
    assert result.returncode == 1
    assert "MISSING" in result.stdout


def test_get_on_a_missing_store_fails_in_one_line(tmp_path):
    result = run_cli("--config", str(sqlite_config(tmp_path, name="none.db")), "get")
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_azure_store_errors_never_show_the_key(azurite, tmp_path):
    secret = "bm90LXRoZS1yZWFsLWtleS1ub3QtdGhlLXJlYWwta2V5LW5vdC10aGUtcmVhbA=="
    cfg = tmp_path / "azure.yaml"
    cfg.write_text(f"store:\n  kind: azure\n  account_name: {azurite.account_name}\n"
                   f"  account_key: ${{env:THE_KEY}}\n  endpoint: {azurite.endpoint}\n"
                   "  table: deployments\n  timeout: 3s\n")
    for command in (["get"], ["check"], ["record", "-p", "x", "--cluster", "c", "--manifest-commit-id", "abc1234"]):
        result = run_cli("--config", str(cfg), *command, env={"THE_KEY": secret})
        assert result.returncode == 1, (command, result.stdout, result.stderr)
        assert secret not in result.stdout + result.stderr
        assert secret[:20] not in result.stdout + result.stderr
        assert "Traceback" not in result.stderr


def azure_yaml(tmp_path, azurite, table, key_line=""):
    cfg = tmp_path / f"{table}.yaml"
    cfg.write_text(f"store:\n  kind: azure\n  account_name: {azurite.account_name}\n"
                   f"  endpoint: {azurite.endpoint}\n  table: {table}\n{key_line}")
    return cfg


def test_import_into_azure_then_get(azurite, tmp_path):
    cfg = azure_yaml(tmp_path, azurite, "imported", "  account_key: ${env:KEY}\n")
    env = {"KEY": azurite.account_key}
    result = run_cli("--config", str(cfg), "import", str(SPEKTATE / "deployments.json"), env=env)
    assert result.returncode == 0, result.stderr
    assert "imported 92 entities into azure:devstoreaccount1/imported" in result.stdout
    out = run_cli("--config", str(cfg), "get", "-o", "json", env=env)
    deployments = json.loads(out.stdout)
    assert len(deployments) == 89
    assert sum(d["manual_hld_edit"] for d in deployments) == 4
    check = run_cli("--config", str(cfg), "check", env=env)
    assert check.returncode == 0 and "rows:      92" in check.stdout


def test_record_with_bedrock_storage_flags(azurite, tmp_path):
    # The key and table come from bedrock's -k/-t flags; the config supplies only the endpoint.
    cfg = azure_yaml(tmp_path, azurite, "unused")
    result = run_cli("--config", str(cfg), "record", "-k", azurite.account_key, "-t", "flagtable",
                     "-p", "hello", "--p1", "1", "--image-tag", "t-1", "--commit-id", "abc1234",
                     "--service", "svc", "--status", "success")
    assert result.returncode == 0, result.stderr
    got = run_cli("--config", str(cfg), "get", "-o", "json", "--partition", "hello")
    assert got.returncode == 1  # no key, no SAS and no azure-identity: a one-line refusal
    assert "azure-identity" in got.stderr or "identity" in got.stderr
    cfg2 = azure_yaml(tmp_path, azurite, "flagtable", "  account_key: ${env:KEY}\n")
    (d,) = json.loads(run_cli("--config", str(cfg2), "get", "-o", "json", env={"KEY": azurite.account_key}).stdout)
    assert (d["partition"], d["status"], d["stages"][0]["status"]) == ("hello", "waiting", "succeeded")


def test_get_since_far_back_and_import_with_a_bom(tmp_path):
    cfg = sqlite_config(tmp_path, partition=None)
    path = tmp_path / "bom.json"
    path.write_text("\ufeff" + (SPEKTATE / "deployments.json").read_text(), encoding="utf-8")
    result = run_cli("--config", str(cfg), "import", str(path))
    assert result.returncode == 0 and "imported 92 entities" in result.stdout, result.stderr
    far = run_cli("--config", str(cfg), "get", "--since", "100000000d")
    assert far.returncode == 2 and "Traceback" not in far.stderr


def test_sqlite_store_uses_the_configured_table(tmp_path):
    cfg = tmp_path / "t.yaml"
    cfg.write_text(f"store:\n  path: {tmp_path / 'x.db'}\n  table: mytelemetry\n  partition: p\n")
    assert run_cli("--config", str(cfg), "record", "--cluster", "east", "--manifest-commit-id", "abc1234").returncode == 0
    import sqlite3

    tables = {r[0] for r in sqlite3.connect(tmp_path / "x.db").execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert "mytelemetry" in tables and "deployments" not in tables
    bad = run_cli("--config", str(cfg), "record", "-t", "no-such;table", "--cluster", "e", "--manifest-commit-id", "a")
    assert bad.returncode == 2 and "--table-name" in bad.stderr


def test_a_time_with_no_utc_form_prints_as_written(tmp_path):
    from datetime import datetime, timedelta, timezone

    from gitops_tui.domain.timefmt import iso_or_none

    first = datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=1)))
    assert iso_or_none(first) == "0001-01-01T00:00:00+01:00"  # (no crash: get -o json printed it)
