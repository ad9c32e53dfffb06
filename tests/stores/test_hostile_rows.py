"""Hostile rows, generated (issue 12, hypothesis): documents that are not objects, lack
their keys or have the wrong types, 1 MB values, control characters, ANSI/OSC/DCS
sequences, Rich markup, bidi and combining characters, invalid timestamps. Nothing
crashes, each bad row is counted, and what `get` prints (table, wide, json; the
deployments, rings and clusters views) holds not one escape, byte by byte."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path

import orjson
from hypothesis import HealthCheck, example, given, settings, strategies as st

from gitops_tui.cli import views
from gitops_tui.cli.table import print_deployments
from gitops_tui.index.journey import JourneyIndex
from gitops_tui.present import to_json
from gitops_tui.stores.sqlite import SqliteStore
from gitops_tui.config import StoreConfig
from gitops_tui.stores.sqlite_rows import entity_of
from helpers import run_cli
from test_sqlite_bad_rows import write_by_hand

NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
FRAGMENTS = [
    "\x1b]0;pwned\x07", "\x1b]52;c;cHduZWQ=\x07", "\x1b[31m", "\x1b[2J", "\x1bP1$r\x1b\\", "\x1b_apc\x1b\\",
    "\x9b2J", "\x9d0;t\x9c", "\x1b", "\x07", "\x00", "\x7f", "\x85", "\r", "\t", "\n",
    "[link=http://evil.example]x[/]", "[/]", "[bold red]", "[@click=app.quit]",
    "\u202e", "\u2066", "\u2069", "\u200f", "\u061c", "\u2028", "\u2029", "e\u0301\u0301\u0301",
    "\ufeff", "\U0001f525", "日本", "x",
]
TIMES = ["2026-13-45T99:99:99Z", "yesterday", "", "0000-00-00", "2026-11-23T03:00:00Z",
         "9999-12-31T23:59:59.9999999Z", "-1", "2026-11-23T03:00:00+25:00", "1e400", "NaN"]
BIG = "A" * 1_000_000 + "\x1b]0;big\x07[link=x]y[/]"
# Nothing of these may reach stdout: C0 (but newline), DEL, C1, bidi, separators.
FORBIDDEN = {*map(chr, range(0x20)), *map(chr, range(0x7f, 0xa0)), "\u061c", *map(chr, range(0x200b, 0x2010)),
             *map(chr, range(0x2028, 0x202f)), *map(chr, range(0x2066, 0x206a))} - {"\n"}

hostile_text = st.one_of(
    st.lists(st.sampled_from(FRAGMENTS), max_size=6).map("".join),
    st.text(max_size=30),
    st.sampled_from(TIMES),
)
value = st.one_of(
    hostile_text, hostile_text, st.integers(-2**63, 2**63 - 1), st.floats(), st.booleans(), st.none(),
    st.lists(hostile_text, max_size=3), st.dictionaries(hostile_text, hostile_text, max_size=2),
)
COLUMNS = ["service", "env", "author", "authorEmail", "imageTag", "commitId", "hldCommitId", "manifestCommitId",
           "p1", "p2", "p3", "pr", "prTitle", "prState", "mergedBy", "p1Status", "p2Status", "p3Status",
           "p1StartedAt", "p1FinishedAt", "p3FinishedAt", "p1Url", "sourceRepo", "cluster", "syncedAt", "kind"]
row_doc = st.fixed_dictionaries(
    {},
    optional={
        "PartitionKey": st.one_of(st.just("hello"), st.just("hello-clusters"), value),
        "RowKey": st.one_of(hostile_text.filter(bool), value),
        **{c: value for c in COLUMNS},
        "Timestamp": st.sampled_from(TIMES),
    },
)
document = st.one_of(
    row_doc, row_doc, row_doc,
    st.one_of(st.none(), st.integers(-2**63, 2**63 - 1), st.lists(st.integers(-9, 9), max_size=2), hostile_text).map(orjson.dumps),
    st.sampled_from([b"{not json", b"", b"{\"a\":", b"\xff\xfe"]),
)


def encoded(doc: object) -> bytes:
    return doc if isinstance(doc, bytes) else orjson.dumps(doc)


def is_entity(doc: object) -> bool:
    """The oracle, written apart from the store's reading of it, on the document as stored
    (orjson writes a non-finite float as null, so an inf key is a missing key there)."""
    if not isinstance(doc, bytes):
        doc = orjson.loads(orjson.dumps(doc))
    if not isinstance(doc, dict):
        return False
    key, partition = doc.get("RowKey"), doc.get("PartitionKey")
    return isinstance(key, str) and key != "" and (partition is None or isinstance(partition, str))


def assert_clean(out: str, as_json: bool) -> None:
    assert not FORBIDDEN & set(out), sorted(FORBIDDEN & set(out))
    if as_json:
        assert out.isascii()  # every other character as a \\u escape
        json.loads(out)


def render(rows: list[dict]) -> None:
    index = JourneyIndex()
    index.load(rows)
    snapshot = index.snapshot()
    chosen = list(snapshot.deployments)
    for wide in (False, True):
        out = io.StringIO()
        print_deployments(chosen, NOW, wide=wide, out=out)
        assert_clean(out.getvalue(), False)
    assert_clean(json.dumps([to_json(d, NOW) for d in chosen], indent=2), True)
    cells = views.ring_cells(chosen)
    out = io.StringIO()
    views.print_rings(cells, NOW, out)
    assert_clean(out.getvalue(), False)
    assert_clean(json.dumps(views.rings_json(cells, NOW), indent=2), True)
    found = views.summaries(snapshot.clusters, chosen)
    out = io.StringIO()
    views.print_clusters(found, NOW, out)
    assert_clean(out.getvalue(), False)
    assert_clean(json.dumps(views.clusters_json(found), indent=2), True)


@settings(max_examples=2500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(document, min_size=1, max_size=6))
@example([{"PartitionKey": float("inf"), "RowKey": "2026-13-45T99:99:99Z"}, {"RowKey": float("nan")}])
def test_any_documents_are_read_counted_and_printed_without_an_escape(docs: list[object]) -> None:
    read = [entity_of(encoded(doc)) for doc in docs]
    assert [type(r) is dict for r in read] == [is_entity(d) for d in docs]
    assert all(type(r) in (dict, str) for r in read)
    render([r for r in read if type(r) is dict])


def test_a_megabyte_value_in_every_column_prints_clean_and_short() -> None:
    rows = [{"PartitionKey": "hello", "RowKey": f"k{i}", **{c: BIG for c in COLUMNS}} for i in range(3)]
    rows.append({"PartitionKey": "hello-clusters", "RowKey": "c", "kind": "cluster-sync", "cluster": BIG,
                 "manifestCommitId": BIG, "syncedAt": BIG})
    render(rows)


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(document, min_size=40, max_size=80))
def test_get_and_check_on_a_file_of_hostile_rows(tmp_path_factory, docs: list[object]) -> None:
    tmp = tmp_path_factory.mktemp("hostile")
    db = tmp / "t.db"
    store = SqliteStore(StoreConfig(kind="sqlite", path=db))
    import asyncio

    asyncio.run(store.open(create=True))
    asyncio.run(store.close())
    # (keys of their own per row: the key columns are unique, the documents' keys need not be)
    texts = [encoded(doc).decode("utf-8", "replace") for doc in docs]
    write_by_hand(db, texts)
    cfg = tmp / "c.yaml"
    cfg.write_text(f"store:\n  kind: sqlite\n  path: {db}\n")
    bad = sum(not is_entity(doc) for doc in docs)
    for output in ("table", "wide", "json"):
        for view in (("deployments", "rings", "clusters") if output != "wide" else ("deployments",)):
            got = run_cli("--config", str(cfg), "get", "--view", view, "-o", output, "--no-enrich")
            assert got.returncode == 0 and "Traceback" not in got.stderr, got.stderr
            assert_clean(got.stdout, output == "json")
            assert_clean(got.stderr, False)
            if bad:
                assert f"gitops-tui: {bad} row" in got.stderr
    checked = run_cli("--config", str(cfg), "check")
    assert checked.returncode == (1 if bad else 0), checked.stdout
    assert_clean(checked.stdout + checked.stderr, False)
    if bad:
        assert f"bad rows:  {bad} " in checked.stdout
