"""A corpus of broken configs, each run through the real CLI: exit 2, one line on stderr
naming the key (or, for a file that cannot be read as YAML, the file), no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import run_cli

HUGE = "1" * 5000  # more digits than Python converts to an int (4,300)
SECRET = "U2VjcmV0S2V5Rm9yVGVzdHM="
AZURE = "store:\n  kind: azure\n  table: deployments\n  account_key: a2V5\n"

# (id, file contents, what the one line must name)
CORPUS: list[tuple[str, str | bytes, str]] = [
    ("endpoint-ipv6", AZURE + '  endpoint: "http://[::1"\n', "store.endpoint"),
    ("endpoint-port", AZURE + "  endpoint: http://127.0.0.1:99999/x\n", "store.endpoint"),
    ("endpoint-port-text", AZURE + "  endpoint: http://127.0.0.1:ten/x\n", "store.endpoint"),
    ("endpoint-scheme", AZURE + "  endpoint: ftp://example.com\n", "store.endpoint"),
    ("endpoint-no-host", AZURE + '  endpoint: "http://"\n', "store.endpoint"),
    ("conn-endpoint", "store:\n  kind: azure\n  table: deployments\n  connection_string: "
     f'"AccountName=a;AccountKey={SECRET};TableEndpoint=http://[::1"\n', "store.connection_string"),
    ("conn-protocol", "store:\n  kind: azure\n  table: deployments\n  connection_string: "
     f'"DefaultEndpointsProtocol=gopher;AccountName=a;AccountKey={SECRET}"\n', "store.connection_string"),
    ("account-name", AZURE + '  account_name: "a/b@evil"\n', "store.account_name"),
    ("timeout-1e400", "store:\n  timeout: 1e400\n", "store.timeout"),
    ("timeout-float-overflow", "store:\n  timeout: 1.0e+400\n", "store.timeout"),
    ("timeout-huge-int", f"store:\n  timeout: {HUGE}\n", "store.timeout"),
    ("timeout-huge-string", f"store:\n  timeout: {HUGE}s\n", "store.timeout"),
    ("timeout-inf", "store:\n  timeout: .inf\n", "store.timeout"),
    ("timeout-nan", "store:\n  timeout: .nan\n", "store.timeout"),
    ("timeout-zero", "store:\n  timeout: 0\n", "store.timeout"),
    ("timeout-negative", "store:\n  timeout: -3\n", "store.timeout"),
    ("timeout-bool", "store:\n  timeout: yes\n", "store.timeout"),
    ("timeout-list", "store:\n  timeout: [1]\n", "store.timeout"),
    ("poll-zero", "poll_interval: 0\n", "poll_interval"),
    ("poll-negative", "poll_interval: -5s\n", "poll_interval"),
    ("poll-tiny", "poll_interval: 0.0000001\n", "poll_interval"),
    ("poll-below-floor", "poll_interval: 100ms\n", "poll_interval: 100ms is below the 250ms floor"),
    ("poll-inf", "poll_interval: .inf\n", "poll_interval"),
    ("poll-nan", "poll_interval: .NaN\n", "poll_interval"),
    ("poll-huge-int", f"poll_interval: {HUGE}\n", "poll_interval"),
    ("poll-above-ceiling", "poll_interval: 25h\n", "poll_interval"),
    ("poll-words", "poll_interval: soon\n", "poll_interval"),
    ("poll-bool", "poll_interval: true\n", "poll_interval"),
    ("poll-date", "poll_interval: 2001-02-30\n", "poll_interval"),
    ("poll-bad-tag", "poll_interval: !!float x\n", "poll_interval"),
    ("poll-env-missing", "poll_interval: ${env:GITOPS_TEST_NOT_SET}\n", "poll_interval"),
    ("theme-unknown", "theme: neon\n", "theme"),
    ("theme-number", "theme: .inf\n", "theme"),
    ("theme-list", "theme: [dark]\n", "theme"),
    ("theme-bool", "theme: no\n", "theme"),
    ("table-invalid", "store:\n  table: x\n", "store.table"),
    ("table-number", "store:\n  table: 123\n", "store.table"),
    ("table-mapping", "store:\n  table: {a: 1}\n", "store.table"),
    ("path-list", "store:\n  path: [1, 2]\n", "store.path"),
    ("path-nul", 'store:\n  path: "a\\0b.db"\n', "store.path"),
    ("path-huge-int-key", f"store:\n  partition: {HUGE}0\n  path: [x]\n", "store.path"),
    ("partition-env-missing", "store:\n  partition: ${env:GITOPS_TEST_NOT_SET}\n", "store.partition"),
    ("partition-newline", 'store:\n  partition: "a\\nb"\n', "store.partition"),
    ("partition-line-separator", 'store:\n  partition: "a\\u2028b"\n', "store.partition"),
    ("kind-unknown", "store:\n  kind: mongo\n", "store.kind"),
    ("kind-bool", "store:\n  kind: on\n", "store.kind"),
    ("account-key-list", AZURE.replace("a2V5", "[x]") + "  account_name: a\n", "store.account_key"),
    ("key-and-sas", AZURE + "  account_name: a\n  sas_token: sv=1\n", "store.sas_token"),
    ("keymap-list", "keymap: [filter]\n", "keymap"),
    ("keymap-number", "keymap:\n  filter: 3\n", "keymap.filter"),
    ("keymap-id-number", "keymap:\n  1: q\n", "keymap: binding ids are names"),
    ("keymap-mapping", "keymap:\n  filter: {a: b}\n", "keymap.filter"),
    ("store-not-mapping", "store: 3\n", "store"),
    ("unknown-key", "store:\n  colour: red\n", "store.colour"),
    ("unknown-top-key-number", f"? {HUGE}\n: 1\n", "unknown key"),
    ("unknown-top-key-int", "12: 1\n", "12: unknown key"),
    ("yaml-syntax", "store:\n  kind: sqlite\n   path: x\n", ".yaml:3: bad YAML"),
    ("yaml-two-documents", "theme: dark\n---\ntheme: light\n", "bad YAML"),
    ("yaml-too-deep", "a: " + "[" * 5000 + "]" * 5000 + "\n", "bad YAML"),
    ("not-a-mapping", "- a\n- b\n", "top level must be a mapping"),
    ("scalar-top-level", "just words\n", "top level must be a mapping"),
    ("not-utf8", b"theme: \xff\xfe dark\n", "not UTF-8"),
]


def _check_one_line(result, expected: str) -> str:
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert expected in lines[0], lines[0]
    return lines[0]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in CORPUS], ids=[c[0] for c in CORPUS])
def test_broken_config_is_one_line_exit_2_naming_the_key(tmp_path: Path, text: str | bytes, expected: str):
    cfg = tmp_path / "config.yaml"
    if isinstance(text, bytes):
        cfg.write_bytes(text)
    else:
        cfg.write_text(text, encoding="utf-8")
    line = _check_one_line(run_cli("--config", str(cfg), "check"), expected)
    assert line.startswith(f"gitops-tui: config error: {cfg}")
    assert SECRET not in line


@pytest.mark.parametrize("command", ["check", "get"])
def test_config_file_that_does_not_exist_or_is_a_directory(tmp_path: Path, command: str):
    missing = tmp_path / "nope.yaml"
    _check_one_line(run_cli("--config", str(missing), command), f"{missing}: cannot read config file")
    _check_one_line(run_cli("--config", str(tmp_path), command), f"{tmp_path}: cannot read config file")


def test_config_file_over_a_mebibyte(tmp_path: Path):
    cfg = tmp_path / "big.yaml"
    cfg.write_text("# " + "x" * (1 << 20) + "\n")
    _check_one_line(run_cli("--config", str(cfg), "get"), "larger than 1 MiB")


def test_poll_interval_at_the_floor_is_accepted(tmp_path: Path):
    cfg = tmp_path / "c.yaml"
    cfg.write_text(f"store:\n  path: {tmp_path / 't.db'}\npoll_interval: 250ms\n")
    result = run_cli("--config", str(cfg), "check")
    assert "config error" not in result.stderr and "poll_interval" not in result.stderr
