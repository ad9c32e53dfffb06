"""`get` streams: the same bytes as before it did, `--output jsonl`, the table that fits."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import golden_get  # noqa: E402
from helpers import run_cli, sqlite_config  # noqa: E402


@pytest.fixture(scope="module")
def golden_store(tmp_path_factory):
    return golden_get.make_store(tmp_path_factory.mktemp("golden"))


@pytest.fixture(params=["default pages", "small pages"])
def pages(request, monkeypatch):
    """Small pages too: the golden data is one default page; pages of 7 deployments
    (and store pages of 50 rows) cross every boundary."""
    if request.param == "small pages":
        monkeypatch.setattr("gitops_tui.cli.stream.PAGE", 7)
        monkeypatch.setattr("gitops_tui.cli.load.PAGE_ROWS", 50)


@pytest.mark.parametrize("name", sorted(golden_get.CASES))
def test_same_bytes_as_before_streaming(golden_store, name, pages):
    want = (golden_get.GOLDEN / f"{name}.out").read_bytes()
    assert golden_get.run_get(golden_store, golden_get.CASES[name]) == want


def test_jsonl_is_the_array_one_object_a_line(golden_store, pages):
    array = json.loads(golden_get.run_get(golden_store, ("-o", "json")))
    lines = golden_get.run_get(golden_store, ("-o", "jsonl")).decode("ascii").split("\n")
    assert lines[-1] == "" and len(lines) - 1 == len(array) == 389
    assert [json.loads(line) for line in lines[:-1]] == array


def test_non_ascii_and_controls_are_escaped_as_json_does():
    from gitops_tui.cli.stream import write_json_array, write_json_lines
    import io

    values = [{"a": "Ada \u00e9 \u009b[31m \u202e x", "n": [1, 2.5, None], "e": []}, {"b": "\ud800"}, {}]
    out = io.BytesIO()
    write_json_array(iter(values), out)
    assert out.getvalue() == (json.dumps(values, indent=2) + "\n").encode()
    out = io.BytesIO()
    write_json_lines(values, out)
    assert out.getvalue() == "".join(json.dumps(v, separators=(",", ":")) + "\n" for v in values).encode()
    out = io.BytesIO()
    write_json_array([], out)
    assert out.getvalue() == b"[]\n"


@pytest.fixture(scope="module")
def spektate_store(tmp_path_factory):
    from helpers import SPEKTATE

    cfg = sqlite_config(tmp_path_factory.mktemp("spk"), partition=None)
    assert run_cli("--config", str(cfg), "import", str(SPEKTATE / "deployments.json")).returncode == 0
    return cfg


@pytest.mark.parametrize("columns", [80, 120, 200])
def test_table_fits_columns(spektate_store, columns):
    result = run_cli("--config", str(spektate_store), "get", env={"COLUMNS": str(columns)})
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 90 and max(map(len, lines)) <= columns
    header = lines[0]
    for title in ("State", "Service", "Ring", "Last Updated"):  # the first of COLUMN_PRIORITY
        assert title in header
    if columns == 80:
        assert "Ready to Deploy" not in header


def test_table_without_a_width_and_wide_print_every_column(spektate_store):
    table = run_cli("--config", str(spektate_store), "get", env={"COLUMNS": ""}).stdout.splitlines()[0]
    assert "Synced Clusters" in table and "Merged By" not in table  # (a pipe: every get column)
    wide = run_cli("--config", str(spektate_store), "get", "-o", "wide", env={"COLUMNS": "80"})
    assert "Merged By" in wide.stdout.splitlines()[0] and max(map(len, wide.stdout.splitlines())) > 80


def test_wide_characters_count_two_cells():
    from gitops_tui.cli.table import cell_width, print_rows
    import io

    assert cell_width("日本") == 4 and cell_width("e\u0301") == 1 and cell_width("abc") == 3
    out = io.StringIO()
    print_rows([["A", "B"], ["日本", "x"], ["ab", "y"]], out)
    assert out.getvalue().splitlines() == ["A     B", "日本  x", "ab    y"]


@pytest.mark.parametrize("output", ["table", "wide", "json", "jsonl"])
def test_top_zero_prints_nothing(spektate_store, output):
    result = run_cli("--config", str(spektate_store), "get", "-o", output, "--top", "0")
    assert result.returncode == 0, result.stderr
    assert result.stdout == ("[]\n" if output == "json" else "")


def test_top_negative_is_a_usage_error(spektate_store):
    result = run_cli("--config", str(spektate_store), "get", "--top", "-1")
    assert result.returncode == 2 and result.stdout == ""
    assert len(result.stderr.splitlines()) == 1 and "--top" in result.stderr


@pytest.mark.parametrize("args", [("--status", "bogus"), ("--filter", "status:bogus"), ("--status", "")])
def test_unknown_status_is_a_usage_error_naming_the_valid_ones(spektate_store, args):
    result = run_cli("--config", str(spektate_store), "get", *args)
    if args == ("--status", ""):  # (empty: no filter, as before)
        assert result.returncode == 0
        return
    assert result.returncode == 2 and result.stdout == ""
    line, = result.stderr.splitlines()
    assert "bogus" in line and "succeeded, in_progress, waiting, failed, canceled, unknown" in line


@pytest.mark.parametrize("args", [("--status", "FAIL"), ("--status", "in_progress"), ("--filter", "status:succ"),
                                  ("--filter", "!status:=succeeded")])
def test_known_status_spellings_still_work(spektate_store, args):
    assert run_cli("--config", str(spektate_store), "get", *args).returncode == 0
