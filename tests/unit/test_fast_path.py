"""The fast path equals the reference: generated tables, built both ways.

``domain.rules.build`` is the journey read straight through; ``index`` is what the
monitor runs (compact records, bulk load, incremental apply, the table model's filter
and overviews). Hypothesis generates tables with retried stages, manual HLD edits,
cluster-sync rows (short and full shas), PR states and odd spellings, and each
property asserts the same deployments, the same filter results, the same overviews.
"""

from __future__ import annotations

from datetime import timedelta, timezone

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gitops_tui.domain import overview, rules
from gitops_tui.domain.query import Query
from gitops_tui.domain.rows import row_key
from gitops_tui.domain.timefmt import to_iso
from gitops_tui.index.blocks import seal_all
from gitops_tui.index.journey import JourneyIndex
from gitops_tui.index.table import TableModel
from gitops_tui.stores.base import Page
from gitops_tui.stores.projection import projection

from helpers import FROZEN

COMMITS = ["aaaaaaa", "aaaaaaabbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", "ccccccc", "ddddddd"]
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def when(minutes: int) -> str:
    return to_iso(FROZEN - timedelta(minutes=minutes))


@st.composite
def any_time(draw: st.DrawFn) -> str:
    """A time as some writer spelled it: canonical, without fractions, with an offset,
    naive; or no time at all (the reference skips it, so must the fast path)."""
    t = FROZEN - timedelta(minutes=draw(minutes), seconds=draw(st.sampled_from([0, 0.5])))
    return draw(st.sampled_from([
        to_iso(t), t.strftime("%Y-%m-%dT%H:%M:%SZ"),
        t.astimezone(timezone(timedelta(hours=2))).isoformat(), t.replace(tzinfo=None).isoformat(),
        "n/a", " ",
    ]))


maybe = lambda values: st.one_of(st.none(), st.sampled_from(values))  # noqa: E731
minutes = st.integers(min_value=0, max_value=40)


@st.composite
def deployment_row(draw: st.DrawFn) -> dict:
    """An image build on its way to a ring, at any stage; few ids, so retried stages
    (the same build, ring and HLD commit under another key) come up often."""
    cols = {
        "p1": draw(maybe(["101", "102"])), "imageTag": draw(maybe(["svc-101", "svc-102"])),
        "commitId": draw(maybe(["c0ffee1", "Beef123"])), "service": draw(maybe(["svc", "org/api"])),
        "env": draw(maybe(["dev", "DEV", "prod", "feature-x"])),
        "p2": draw(maybe(["201", "202"])), "hldCommitId": draw(maybe(["h111111", "h222222"])),
        "pr": draw(maybe(["7", "8"])), "prState": draw(maybe(["open", "completed", "abandoned", "closed", "merged"])),
        "prTitle": draw(maybe(["Update svc", "Ünïcode [b]x[/b]"])), "mergedBy": draw(maybe(["Ann Lee", "bo"])),
        "author": draw(maybe(["Ann Lee", "Bo Z"])),
        "p3": draw(maybe(["301", "302"])), "manifestCommitId": draw(maybe(COMMITS)),
    }
    for n in ("1", "2", "3"):
        status = draw(maybe(["started", "succeeded", "failed", "canceled"]))
        if status:
            cols[f"p{n}Status"] = status
            start = draw(minutes)
            cols[f"p{n}StartedAt"] = when(start + 1)
            if status != "started" and draw(st.booleans()):
                cols[f"p{n}FinishedAt"] = when(start)
        # What enrichment adds: where a result came from, why a stage is unknown.
        cols[f"p{n}Source"] = draw(maybe(["azure_devops", "github", "gitlab"]))
        cols[f"p{n}Error"] = draw(maybe(["HTTP 404 Not Found", "timed out"]))
    return {k: v for k, v in cols.items() if v is not None}


@st.composite
def manual_edit_row(draw: st.DrawFn) -> dict:
    """A manifest built straight from an HLD edit (no image build)."""
    cols = {"p3": draw(st.sampled_from(["401", "402"])), "hldCommitId": draw(st.sampled_from(["e111111", "e222222"])),
            "manifestCommitId": draw(maybe(COMMITS))}
    if draw(st.booleans()):
        cols.update(p3Status="succeeded", p3FinishedAt=when(draw(minutes)))
    return cols


@st.composite
def table(draw: st.DrawFn) -> list[dict]:
    """Rows as a store holds them: one per key, deployments and cluster syncs."""
    rows = {}
    for i in range(draw(st.integers(min_value=0, max_value=24))):
        cols = draw(st.one_of(deployment_row(), deployment_row(), manual_edit_row()))
        key = f"{i:04d}"
        rows[("p", key)] = {"PartitionKey": "p", "RowKey": key, "Timestamp": when(draw(minutes)), **cols}
    for cluster in draw(st.lists(st.sampled_from(["east", "west", "north"]), unique=True, max_size=3)):
        sync = {"PartitionKey": "p.clusters", "RowKey": cluster, "cluster": cluster,
                "manifestCommitId": draw(st.sampled_from(COMMITS)), "Timestamp": when(draw(minutes))}
        if draw(st.booleans()):
            sync.update(kind="clusterSync", syncedAt=when(draw(minutes)))
        rows[("p.clusters", cluster)] = sync
    return list(rows.values())


def by_key(deployments) -> dict:
    return {d.key: d for d in deployments}


def compact_load(rows: list[dict]) -> JourneyIndex:
    """A load as the monitor does it from SQLite: pages of documents and projections."""
    index = JourneyIndex(compact=True)
    for start in range(0, len(rows), 7):
        page = rows[start:start + 7]
        index.add_page(Page(None, [orjson.dumps(r) for r in page], [projection(r) for r in page]))
    seal_all(index.take_open_blocks())
    index.finish_load()
    return index


def assert_same(index: JourneyIndex, reference: tuple) -> None:
    deployments, syncs = reference
    got = list(index.snapshot().deployments)
    assert by_key(got) == by_key(deployments)
    assert len(got) == len(deployments)
    times = [d.updated_at for d in got]
    assert times == sorted(times, reverse=True)  # newest first
    assert list(index.snapshot().clusters) == syncs


@SETTINGS
@given(table())
def test_a_load_equals_the_reference(rows: list[dict]) -> None:
    reference = rules.build(rows)
    plain = JourneyIndex()
    plain.load(rows)
    assert_same(plain, reference)
    assert_same(compact_load(rows), reference)


@SETTINGS
@given(table(), table(), st.randoms(use_true_random=False))
def test_incremental_polls_equal_the_reference(first: list[dict], later: list[dict], rng) -> None:
    # The table as loaded, then rewritten row by row in random batches (keys shared:
    # rows change kind, join and leave duplicate groups, clusters move on).
    index = compact_load(first)
    assert_same(index, rules.build(polled(index, first, later, rng)))


def polled(index: JourneyIndex, first: list[dict], later: list[dict], rng) -> list[dict]:
    """``later``'s rows applied to ``index`` (loaded with ``first``) in random batches of
    1-4; returns the table as it stands then (a key holds its last row)."""
    current = {row_key(r): r for r in first}
    pending = list(later)
    rng.shuffle(pending)
    while pending:
        n = rng.randint(1, 4)
        batch, pending = pending[:n], pending[n:]
        index.apply(batch)
        current.update({row_key(r): r for r in batch})
    return list(current.values())


EXPRESSIONS = [
    "", "svc", "api", "!svc", "service:sv", "service:=svc", "service:=sv", "ring:dev", "ring:=feature-x",
    "!ring:dev", "ring:-", "status:succeeded", "status:ok", "!status:unknown", "author:ann",
    'author:="ann lee"', "author:none", "merged_by:bo", "image:svc-1*", "image:=svc-10?", "pr:7",
    "commit:beef", "hld:h1", "manifest:aaaa", "cluster:east", "!cluster:east", "cluster:-",
    "id:000", "manual", "Ünïcode", "[b]", "301 ring:prod", "pr:=8 !status:canceled", "e111111",
]


@SETTINGS
@given(table(), st.sampled_from(EXPRESSIONS), st.sampled_from([None, "state", "service", "pr", "clusters"]))
def test_the_table_filter_equals_the_reference_query(rows: list[dict], text: str, sort: str | None) -> None:
    reference, _ = rules.build(rows)
    model = TableModel()
    model.set_sort(sort, descending=True)
    model.load(compact_load(rows).snapshot())
    model.set_query(text)
    shown = list(model.deployments())
    assert sorted(d.key for d in shown) == sorted(d.key for d in Query.parse(text).filter(reference))
    assert len(model) == len(shown)


@SETTINGS
@given(table(), st.sampled_from(EXPRESSIONS))
def test_the_fast_overviews_equal_the_reference(rows: list[dict], text: str) -> None:
    index = compact_load(rows)
    model = TableModel()
    model.load(index.snapshot())
    model.set_query(text)
    shown = list(model.deployments())  # the same deployments, in the same order
    assert model.ring_matrix() == overview.ring_matrix(shown)
    order = ("prod", "qa", "dev")  # a configured order (rings:), even an odd one
    assert model.ring_matrix(order) == overview.ring_matrix(shown, order)
    clusters = index.snapshot().clusters
    fast = model.cluster_summaries(clusters)
    slow = overview.cluster_summaries(clusters, shown)
    assert [(s.sync, s.running, list(s.deployments), list(s.pending)) for s in fast] == [
        (s.sync, s.running, list(s.deployments), list(s.pending)) for s in slow
    ]


@st.composite
def odd_row(draw: st.DrawFn) -> dict:
    """A row as other writers (or hand edits) leave them: any case, padding, numbers,
    times in any spelling, keys in a second partition, a cluster sync in any partition."""
    cols = {
        "p1": draw(maybe(["101", "102", 101])), "imageTag": draw(maybe(["svc-101", "SVC-101", ""])),
        "service": draw(maybe(["svc", "org/api", "Svc", " svc", "a/"])),
        "env": draw(maybe(["dev", "DEV", "prod", " dev"])), "hldCommitId": draw(maybe(["h111111", "H111111"])),
        "pr": draw(maybe(["7", "²", 7])), "prState": draw(maybe(["open", "Merged", "ABANDONED", "declined", "weird"])),
        "author": draw(maybe(["Ann Lee", "ann lee"])), "p3": draw(maybe(["301", "302"])),
        "manifestCommitId": draw(maybe(["aaaaaaa", "AAAAAAAbbbb", " ccccccc", "ccccccc"])),
        "cluster": draw(maybe(["east", "west"])), "kind": draw(st.sampled_from([None, None, None, "clusterSync"])),
        "syncedAt": draw(st.one_of(st.none(), any_time())),
    }
    for n in "123":
        status = draw(maybe(["started", "succeeded", "failed", "canceled", "Succeeded", "FAILED"]))
        if status:
            cols[f"p{n}Status"] = status
            if draw(st.booleans()):
                cols[f"p{n}StartedAt"] = draw(any_time())
            if draw(st.booleans()):
                cols[f"p{n}FinishedAt"] = draw(any_time())
    if draw(st.booleans()):
        cols["originalTimestamp"] = draw(any_time())
    return {k: v for k, v in cols.items() if v is not None}


@st.composite
def odd_table(draw: st.DrawFn) -> list[dict]:
    rows = {}
    for _ in range(draw(st.integers(min_value=0, max_value=16))):
        partition = draw(st.sampled_from(["p", "p", "q", "p.clusters"]))
        key = draw(st.sampled_from(["a", "b", "c", "d", "east", "west", 7]))
        rows[(partition, str(key))] = {"PartitionKey": partition, "RowKey": key, "Timestamp": draw(any_time()),
                                       **draw(odd_row())}
    return list(rows.values())


def assert_same_set(index: JourneyIndex, reference: tuple) -> None:
    """As assert_same; equally new deployments may come in any order."""
    deployments, syncs = reference
    got = list(index.snapshot().deployments)
    assert by_key(got) == by_key(deployments) and len(got) == len(deployments)
    times = [d.updated_at for d in got]
    assert times == sorted(times, key=lambda t: (t is not None, t), reverse=True)
    assert list(index.snapshot().clusters) == syncs


@SETTINGS
@given(odd_table(), odd_table(), st.randoms(use_true_random=False))
def test_odd_tables_load_and_poll_as_the_reference_reads_them(first: list[dict], later: list[dict], rng) -> None:
    assert_same_set(compact_load(first), rules.build(first))
    index = JourneyIndex()
    index.load(first)
    assert_same_set(index, rules.build(polled(index, first, later, rng)))


TYPED = ["ring:none", "author:none", "service:sv", "ring:dev", "!status:unknown", '"ann lee"', "pr:-", "svc"]


@SETTINGS
@given(odd_table(), st.lists(st.sampled_from(TYPED), min_size=1, max_size=2),
       st.sampled_from([None, "state", "pr", "image", "manifest"]))
def test_a_filter_typed_and_backspaced_key_by_key_equals_the_reference(rows, parts, sort) -> None:
    # Each keystroke filters the last result when the new text only narrows it: that
    # shortcut must never lose a deployment (ring:non -> ring:none also means "no ring").
    reference, _ = rules.build(rows)
    model = TableModel()
    model.set_sort(sort, descending=True)
    model.load(compact_load(rows).snapshot())
    text = " ".join(parts)
    for i in [*range(len(text) + 1), *range(len(text), -1, -1)]:
        model.set_query(text[:i])
        shown = sorted(d.key for d in model.deployments())
        assert shown == sorted(d.key for d in Query.parse(text[:i]).filter(reference)), text[:i]


@SETTINGS
@given(odd_table(), st.sampled_from(EXPRESSIONS + TYPED))
def test_odd_tables_give_the_reference_overviews_in_any_order(rows: list[dict], text: str) -> None:
    reference, syncs = rules.build(rows)
    model = TableModel()
    model.load(compact_load(rows).snapshot())
    model.set_query(text)
    expected = Query.parse(text).filter(reference)  # the reference's order, not the model's
    assert model.ring_matrix() == overview.ring_matrix(expected)
    fast = model.cluster_summaries(syncs)
    slow = overview.cluster_summaries(syncs, expected)
    assert [(s.sync, s.running, sorted(d.key for d in s.deployments), sorted(d.key for d in s.pending))
            for s in fast] == [(s.sync, s.running, sorted(d.key for d in s.deployments),
                                sorted(d.key for d in s.pending)) for s in slow]


def test_non_text_values_read_as_their_text_on_both_paths() -> None:
    """A document written by hand may hold numbers, objects or lists where text is
    expected: the reference and the fast path both read them as ``str(value)``."""
    base = {"PartitionKey": "p", "Timestamp": when(0), "p1": "1", "p1Status": "succeeded"}
    rows = [
        {**base, "RowKey": "a", "p1StartedAt": 123, "service": {"x": 1}, "env": ["dev"]},
        {**base, "RowKey": "b", "imageTag": 7, "author": True, "prState": {}, "hldCommitId": [1]},
        {**base, "RowKey": "c", "p3": {"id": 3}, "p3Status": ["succeeded"], "manifestCommitId": 5},
    ]
    reference = rules.build(rows)
    plain = JourneyIndex()
    plain.load(rows)
    assert_same(plain, reference)
    assert_same(compact_load(rows), reference)
    assert by_key(reference[0])[("p", "a")].service == "{'x': 1}"


@st.composite
def sync_facts(draw: st.DrawFn, rows: list[dict]) -> dict:
    """What the sync layer adds to some rows: a rollout and the clusters on each side."""
    names = st.lists(st.sampled_from(["east", "west", "north"]), unique=True, max_size=3).map(",".join)
    facts = {}
    for row in rows:
        if row["PartitionKey"] == "p" and draw(st.booleans()):
            facts[(row["PartitionKey"], row["RowKey"])] = {
                "rollout": draw(st.sampled_from(["pending", "partial", "synced", "superseded", "bogus"])),
                "syncedClusters": draw(names), "pendingClusters": draw(names),
            }
    return facts


@SETTINGS
@given(st.data())
def test_sync_facts_on_a_load_and_after_it_equal_the_reference(data) -> None:
    rows = data.draw(table())
    facts = data.draw(sync_facts(rows))
    with_facts = [{**r, **facts.get((r["PartitionKey"], r["RowKey"]), {})} for r in rows]
    reference = rules.build(with_facts)
    plain = JourneyIndex()
    plain.load(with_facts)
    assert_same(plain, reference)
    # As the monitor does: a compact load of the stored rows, then the facts applied.
    index = compact_load(rows)
    index.apply([r for r in with_facts if (r["PartitionKey"], r["RowKey"]) in facts])
    assert_same(index, reference)
    # The records' own status (what filters and the State sort read) follows the facts.
    for text in ("status:succeeded", "status:in_progress", "status:superseded", "succeeded", "state:superseded"):
        model = TableModel()
        model.set_sort("state", descending=True)
        model.load(index.snapshot())
        model.set_query(text)
        expected = sorted(d.key for d in Query.parse(text).filter(reference[0]))
        assert sorted(d.key for d in model.deployments()) == expected


def test_the_order_is_by_time_even_for_years_written_short_and_other_offsets() -> None:
    """The index orders by the instant (µs), not by a time's text: ``to_iso`` writes a
    year before 1000 short ("999-…"), which sorted above 2019 as a string. (No time
    goes last, as ``assert_same_set`` has it; the reference counts it as 1970.)"""
    spelled = {"old": "0999-06-01T00:00:00Z", "new": "2019-10-24T21:28:43.902000Z",
               "offset": "2019-10-24T23:28:44+02:00", "none": "n/a"}
    rows = [{"PartitionKey": "p", "RowKey": k, "Timestamp": v, "p1": str(i), "imageTag": f"t{i}"}
            for i, (k, v) in enumerate(spelled.items())]
    reference, _ = rules.build(rows)
    for index in (compact_load(rows), compact_load(rows[::-1])):
        got = list(index.snapshot().deployments)
        assert [d.id for d in got] == ["offset", "new", "old", "none"]
        assert by_key(got) == by_key(reference)
