"""``get``'s JSON fast path (``index.jsonout``) equals the reference, ``present.to_json``
of the plain deployment: the same objects, the same bytes, the same selection, on
generated tables, hostile times and the golden fixtures."""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gitops_tui.domain.query import Query
from gitops_tui.index.journey import JourneyIndex
from gitops_tui.index.jsonout import selected_json
from gitops_tui.present import to_json

from helpers import FROZEN
from test_fast_path import SETTINGS, compact_load, odd_table, table

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "cli"))
import golden_get  # noqa: E402

QUERIES = [None, "!status:succeeded", "service:svc", "ring:dev ann", "pr:7", "status:unknown", "east"]


def counted(calls: list[int]):
    def reference(d, now):
        calls.append(1)
        return to_json(d, now)
    return reference


def reference_selection(deployments, query, since, top):
    out = []
    for d in deployments:
        if query and not query.matches(d):
            continue
        if since is not None and (d.updated_at is None or d.updated_at < since):
            continue
        out.append(to_json(d, FROZEN))
    return out if top is None else out[:top]


def assert_same_json(index: JourneyIndex, query: Query | None = None, since=None, top=None) -> list[dict]:
    deployments = index.snapshot().deployments
    want = reference_selection(deployments, query, since, top)
    got = list(selected_json(deployments, FROZEN, to_json, query, since, top))
    assert got == want
    assert orjson.dumps(got, option=orjson.OPT_INDENT_2) == orjson.dumps(want, option=orjson.OPT_INDENT_2)
    return got


def loads(rows: list[dict]) -> list[JourneyIndex]:
    plain = JourneyIndex()
    plain.load(rows)
    return [compact_load(rows), plain]


@SETTINGS
@given(table(), st.sampled_from(QUERIES), st.sampled_from([None, 5, 30]), st.sampled_from([None, 0, 3]))
def test_generated_tables_give_the_reference_objects(rows, text, since_min, top) -> None:
    since = None if since_min is None else FROZEN - timedelta(minutes=since_min)
    for index in loads(rows):
        assert_same_json(index, Query.parse(text) if text else None, since, top)


@SETTINGS
@given(odd_table(), st.sampled_from(QUERIES))
def test_odd_tables_give_the_reference_objects(rows, text) -> None:
    for index in loads(rows):
        assert_same_json(index, Query.parse(text) if text else None)


# Times shaped as the canonical form (27 characters, the separators in place) that are
# not all canonical times: the fast path must read each exactly as parse_iso/iso_or_none do.
_CHARS = st.sampled_from("0123456789") | st.sampled_from("٣x +-:.TZ")
shaped = st.tuples(*[_CHARS] * 4, st.just("-"), _CHARS, _CHARS, st.just("-"), _CHARS, _CHARS,
                   st.sampled_from("T T"), _CHARS, _CHARS, st.just(":"), _CHARS, _CHARS, st.just(":"),
                   _CHARS, _CHARS, st.sampled_from(".,"), *[_CHARS] * 6, st.sampled_from("ZZz")).map("".join)
real = st.datetimes(timezones=st.just(FROZEN.tzinfo)).map(
    lambda t: t.strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
odd = st.sampled_from(["2024-02-30T00:00:00.000000Z", "2024-01-01T24:00:00.000000Z", "0000-01-01T00:00:00.000000Z",
                       "2024-01-01T00:00:60.000000Z", "2024-01-01T00:00:00.000000Z", "2024-01-01T00:00:00Z", ""])
any_time = st.one_of(shaped, real, odd)


@SETTINGS
@given(st.lists(st.fixed_dictionaries({
    "originalTimestamp": any_time, "Timestamp": any_time, "p1StartedAt": any_time, "p1FinishedAt": any_time,
    "p2StartedAt": any_time, "p3FinishedAt": any_time, "p3StartedAt": any_time,
    "p1Status": st.sampled_from(["", "succeeded", "started", "failed"]),
    "p3Status": st.sampled_from(["", "succeeded", "canceled"]), "p1": st.sampled_from(["", "9"]),
}), min_size=1, max_size=6))
def test_hostile_times_are_read_as_the_reference_reads_them(cols) -> None:
    rows = [{"PartitionKey": "p", "RowKey": f"k{i}", **c} for i, c in enumerate(cols)]
    for index in loads(rows):
        assert_same_json(index)


@pytest.mark.parametrize("text", [None, "!status:succeeded", "hello"])
def test_the_golden_fixtures_give_the_reference_objects_mostly_without_it(text) -> None:
    rows = golden_get.fixture_rows()
    for index in loads(rows):
        assert_same_json(index, Query.parse(text) if text else None)
    calls: list[int] = []
    deployments = compact_load(rows).snapshot().deployments
    got = list(selected_json(deployments, FROZEN, counted(calls)))
    assert len(got) == len(deployments) > 300
    assert len(calls) < len(got) // 3  # (the 300 generated rows take the fast path)


def test_sync_facts_and_non_text_values_go_to_the_reference() -> None:
    base = {"PartitionKey": "p", "Timestamp": "2024-01-01T00:00:00.000000Z", "p3": "1", "p3Status": "succeeded"}
    rows = [{**base, "RowKey": "a", "rollout": "partial", "syncedClusters": "east", "pendingClusters": "west"},
            {**base, "RowKey": "b", "pr": 7}, {**base, "RowKey": "c"}]
    calls: list[int] = []
    index = JourneyIndex()
    index.load(rows)
    got = list(selected_json(index.snapshot().deployments, FROZEN, counted(calls)))
    assert len(calls) == 2  # (a, b: c is read off its row)
    assert got == [to_json(d, FROZEN) for d in index.snapshot().deployments]
    assert_same_json(compact_load(rows))
