"""`export` keeps hostile values exactly (a backup) but never writes them raw: no DEL,
C0/C1 control, U+2028/U+2029 or bidi/zero-width control appears as itself in the file
or on standard output, only as a JSON ``\\uXXXX`` escape; import gives the rows back."""

from __future__ import annotations

import json

import pytest

from gitops_tui.transfer import entity_line, read_entities
from helpers import run_cli, sqlite_config

CONTROL_CODES = [*range(0x00, 0x20), *range(0x7F, 0xA0)]
INVISIBLE = [0x061C, *range(0x200B, 0x2010), 0x2028, 0x2029, *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
FORBIDDEN = {chr(c) for c in CONTROL_CODES + INVISIBLE}
# Every forbidden character inside a value, one value a character (and all in one).
HOSTILE = {f"v{c:04x}": f"a{chr(c)}b" for c in CONTROL_CODES + INVISIBLE}
HOSTILE["all"] = "".join(sorted(FORBIDDEN)) + " \x1b]0;pwned\x07 \x1b]52;c;cHduZWQ=\x07 ü → 日"


def assert_terminal_safe(data: bytes, lines: int) -> None:
    """No forbidden character raw, byte by byte: only "\\n" ends a line."""
    assert data.endswith(b"\n") and data.count(b"\n") == lines
    for byte in data:
        assert byte == 0x0A or byte >= 0x20, f"raw control byte {byte:#04x}"
        assert byte != 0x7F, "raw DEL"
    text = data.decode("utf-8")  # C1 and the others are multi-byte in UTF-8: check characters
    raw = sorted(f"U+{ord(c):04X}" for c in set(text) & FORBIDDEN if c != "\n")
    assert not raw, f"written raw: {raw}"
    assert text.splitlines() == text.split("\n")[:-1]  # one line is one line to any reader


@pytest.fixture
def hostile_store(tmp_path):
    cfg = sqlite_config(tmp_path, partition=None, name="src.db")
    rows = [
        {"PartitionKey": "p", "RowKey": f"{n:012x}", "p1": str(n), "service": "svc", **{key: value}}
        for n, (key, value) in enumerate(HOSTILE.items(), start=1)
    ]
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in rows))  # (ASCII: escapes only)
    result = run_cli("--config", str(cfg), "import", str(source))
    assert result.returncode == 0 and f"imported {len(rows)} entities" in result.stdout, result.stderr
    # …and what a pipeline writes: `record --author $'a\e]0;pwned\a'` and friends.
    for n, author in enumerate(["a\x1b]0;pwned\x07", "b\x7f\x85\u2028\u202ez", "c\x9b31m\u2066d\u2069"]):
        result = run_cli("--config", str(cfg), "record", "--partition", "p", "--p1", str(900 + n),
                         "--image-tag", f"t{n}", "--commit-id", f"abc{n:04d}",
                         "--service", "svc", "--author", author)
        assert result.returncode == 0, result.stderr
    return cfg, len(rows) + 3


def rows_of(text: str) -> dict[str, dict[str, str]]:
    rows = [json.loads(line) for line in text.split("\n") if line]
    for row in rows:
        # Each store sets its own Timestamp on write, and import keeps the source's as
        # originalTimestamp (see transfer): the rest of a row must come back the same.
        row.pop("Timestamp", None)
        row.pop("originalTimestamp", None)
    return {row["RowKey"]: row for row in rows}


def test_export_to_a_file_escapes_every_control_and_round_trips(hostile_store, tmp_path):
    cfg, count = hostile_store
    out = tmp_path / "dump.jsonl"
    result = run_cli("--config", str(cfg), "export", str(out))
    assert result.returncode == 0 and f"exported {count} entities" in result.stdout
    data = out.read_bytes()
    assert_terminal_safe(data, count)
    exported = rows_of(data.decode("utf-8"))
    # The values are all there, exactly.
    values = {v for row in exported.values() for v in row.values()}
    assert set(HOSTILE.values()) <= values
    assert {"a\x1b]0;pwned\x07", "b\x7f\x85\u2028\u202ez", "c\x9b31m\u2066d\u2069"} <= {
        row.get("author") for row in exported.values()
    }
    # A copy made from the export gives back the identical rows.
    copy = sqlite_config(tmp_path, partition=None, name="copy.db")
    assert run_cli("--config", str(copy), "import", str(out)).returncode == 0
    again = tmp_path / "again.jsonl"
    assert run_cli("--config", str(copy), "export", str(again)).returncode == 0
    assert rows_of(again.read_text(encoding="utf-8")) == exported


def test_export_to_standard_output_is_as_safe(hostile_store, tmp_path):
    cfg, count = hostile_store
    result = run_cli("--config", str(cfg), "export", "-")
    assert result.returncode == 0
    data = result.stdout.encode("utf-8")
    assert_terminal_safe(data, count)
    assert set(HOSTILE.values()) <= {v for row in rows_of(result.stdout).values() for v in row.values()}


def test_entity_line_escapes_and_reads_back() -> None:
    row = {"PartitionKey": "p", "RowKey": "k", **HOSTILE, "lone": "x\ud800y", "plain": "ü → 日 [/]"}
    line = entity_line(row)
    assert_terminal_safe((line + "\n").encode("utf-8"), 1)
    assert "ü → 日 [/]" in line  # the rest is written as it is (ensure_ascii=False)
    assert json.loads(line) == row
    entities, problems = read_entities(line + "\n", None)
    assert not problems and entities == [{k: v for k, v in row.items()}]


def test_an_older_export_with_raw_separators_still_imports() -> None:
    # Written before these escapes: U+2028, U+0085 and \x1c raw inside JSON strings.
    old = json.dumps({"PartitionKey": "p", "RowKey": "k", "author": "a\u2028b\x85c\x1cd"}, ensure_ascii=False)
    entities, problems = read_entities(old + "\r\n" + old.replace('"k"', '"k2"') + "\n", None)
    assert not problems
    assert [e["author"] for e in entities] == ["a\u2028b\x85c\x1cd"] * 2
