"""Config discovery, interpolation and one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_tui.config import ConfigError, find_config, load_config, parse_duration
from helpers import ROOT, run_cli


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_example_config_is_valid_and_documents_every_key():
    config = load_config(ROOT / "config.example.yaml", env={})
    assert config.store.kind == "sqlite"
    assert config.poll_interval == 5.0
    text = (ROOT / "config.example.yaml").read_text()
    for key in ("kind", "path", "connection_string", "account_name", "account_key", "sas_token",
                "endpoint", "table", "partition", "timeout", "poll_interval", "theme", "keymap", "ring_lag_grace"):
        assert f"{key}:" in text
    assert config.ring_lag_grace_s == 3600.0


def test_ring_lag_grace_is_a_validated_duration(tmp_path):
    assert load_config(write(tmp_path / "a.yaml", "ring_lag_grace: 30m\n"), env={}).ring_lag_grace_s == 1800.0
    assert load_config(write(tmp_path / "b.yaml", "theme: dark\n"), env={}).ring_lag_grace_s == 3600.0
    with pytest.raises(ConfigError, match=r"b.yaml: ring_lag_grace: must be a positive duration"):
        load_config(write(tmp_path / "b.yaml", "ring_lag_grace: soon\n"), env={})


def test_discovery_order(tmp_path):
    explicit = write(tmp_path / "explicit.yaml", "poll_interval: 1s\n")
    from_env = write(tmp_path / "env.yaml", "poll_interval: 2s\n")
    local = write(tmp_path / "gitops-tui.yaml", "poll_interval: 3s\n")
    user = write(tmp_path / "user.yaml", "poll_interval: 4s\n")
    env = {"GITOPS_TUI_CONFIG": str(from_env)}
    assert find_config(explicit, env, tmp_path, user) == explicit
    assert find_config(None, env, tmp_path, user) == from_env
    assert find_config(None, {}, tmp_path, user) == local
    local.unlink()
    assert find_config(None, {}, tmp_path, user) == user
    assert load_config(None, {}, tmp_path, user).poll_interval == 4.0
    user.unlink()
    config = load_config(None, {}, tmp_path, tmp_path / "none.yaml")
    assert config.source is None and config.store.path == tmp_path / "telemetry.db"


def test_env_interpolation_and_secrets_stay_out_of_repr(tmp_path):
    cfg = write(tmp_path / "c.yaml", """
store:
  kind: azure
  account_name: acct
  account_key: ${env:KEY}
  table: deployments
  partition: hello-${env:PART}
poll_interval: 500ms
""")
    config = load_config(cfg, env={"KEY": "s3cr3t-key==", "PART": "bedrock"})
    assert config.store.account_key == "s3cr3t-key=="
    assert config.store.partition == "hello-bedrock"
    assert config.poll_interval == 0.5
    assert "s3cr3t" not in repr(config)
    assert config.store.description == "azure:acct/deployments"


def test_sqlite_path_is_relative_to_the_config_file(tmp_path):
    cfg = write(tmp_path / "c.yaml", "store:\n  path: data/t.db\n")
    assert load_config(cfg, env={}).store.path == tmp_path / "data" / "t.db"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("store:\n  kind: mongo\n", "store.kind: unknown store 'mongo'"),
        ("store:\n  kind: azure\n  table: deployments\n", "store.account_name: missing"),
        ("store:\n  kind: azure\n  account_name: a\n", "store.table: missing"),
        ("store:\n  kind: azure\n  account_name: a\n  table: x\n", "store.table: 'x' is not a valid table name"),
        ("store:\n  path: [1, 2]\n", "store.path: must be a string, not a list"),
        ("store: 3\n", "store: must be a mapping"),
        ("poll_interval: soon\n", "poll_interval: must be a positive duration"),
        ("poll_interval: -1\n", "poll_interval: must be a positive duration"),
        ("store:\n  colour: red\n", "store.colour: unknown key"),
        ("theme: neon\n", "theme: unknown theme 'neon'"),
        ("store:\n  partition: ${env:NOPE}\n", "store.partition: environment variable NOPE is not set"),
        ("- a\n- b\n", "top level must be a mapping"),
        ("store:\n  kind: sqlite\n   path: x\n", ":3: bad YAML"),
    ],
)
def test_bad_config_names_file_and_key(tmp_path, text, expected):
    cfg = write(tmp_path / "bad.yaml", text)
    with pytest.raises(ConfigError) as info:
        load_config(cfg, env={})
    message = str(info.value)
    assert message.startswith(str(cfg))
    assert expected in message
    assert "\n" not in message


def test_unreadable_config(tmp_path):
    with pytest.raises(ConfigError, match="cannot read config file"):
        load_config(tmp_path / "missing.yaml", env={})


@pytest.mark.parametrize(
    "text", ["store:\n  kind: mongo\n", "store:\n  kind: sqlite\n   path: x\n", "poll_interval: []\n"]
)
def test_cli_reports_bad_config_in_one_line_with_status_2(tmp_path, text):
    cfg = write(tmp_path / "bad.yaml", text)
    result = run_cli("--config", str(cfg), "get")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and str(cfg) in lines[0]
    assert "Traceback" not in result.stderr


def test_cli_reports_missing_config_file(tmp_path):
    result = run_cli("--config", str(tmp_path / "nope.yaml"), "check")
    assert result.returncode == 2
    assert "nope.yaml: cannot read config file" in result.stderr


def test_parse_duration():
    assert parse_duration("5s") == 5 and parse_duration("250ms") == 0.25
    assert parse_duration("2m") == 120 and parse_duration(3) == 3.0
    assert parse_duration("often") is None and parse_duration(True) is None


def test_parse_duration_does_not_overflow():
    import math

    assert parse_duration(10**400) == math.inf and parse_duration(-(10**400)) == -math.inf
    assert math.isnan(parse_duration(float("nan")))
    assert parse_duration("9" * 400 + "ms") == math.inf


@pytest.mark.parametrize(
    "text, expected",
    [
        ("poll_interval: 100ms\n", "poll_interval: 100ms is below the 250ms floor"),
        ("poll_interval: 0.0000001\n", "poll_interval: 0.0001ms is below the 250ms floor"),
        ("poll_interval: .inf\n", "poll_interval: inf is above the 24h ceiling"),
        ("store:\n  timeout: .nan\n", "store.timeout: must be a positive duration like 5s or 500ms, not NaN"),
        ("store:\n  kind: azure\n  table: abc\n  account_name: a\n  endpoint: 'http://[::1'\n",
         "store.endpoint: not a valid URL"),
        ("keymap:\n  quit: [q]\n", "keymap.quit: must be keys as text"),
    ],
)
def test_range_and_shape_errors(tmp_path, text, expected):
    cfg = write(tmp_path / "bad.yaml", text)
    with pytest.raises(ConfigError) as info:
        load_config(cfg, env={})
    assert str(info.value).startswith(f"{cfg}: {expected}")


def test_connection_string_errors_never_echo_it(tmp_path):
    cfg = write(tmp_path / "bad.yaml", "store:\n  kind: azure\n  table: abc\n  connection_string: "
                "'AccountName=a;AccountKey=SECRET==;TableEndpoint=http://[::1'\n")
    with pytest.raises(ConfigError) as info:
        load_config(cfg, env={})
    assert "store.connection_string: TableEndpoint is not a valid URL" in str(info.value)
    assert "SECRET" not in str(info.value)


def test_poll_interval_floor_and_env_durations(tmp_path):
    cfg = write(tmp_path / "c.yaml", "poll_interval: ${env:POLL}\nstore:\n  timeout: ${env:T}\n")
    config = load_config(cfg, env={"POLL": "250ms", "T": "2m"})
    assert config.poll_interval == 0.25 and config.store.timeout_s == 120
