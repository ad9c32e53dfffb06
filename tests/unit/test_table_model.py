"""The table model on its own: filtering agrees with Query.matches, incremental updates
agree with full rebuilds, sorting, the haystacks."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from gitops_tui.index.journey import JourneyIndex
from gitops_tui.domain.query import Query, with_value
from gitops_tui.domain.timefmt import to_iso
from gitops_tui.index.matching import refines
from gitops_tui.index.records import to_plain
from gitops_tui.index.table import TableModel

from tui.fakes import NOW, T0, story_store

SERVICES = ("frontend", "backend", "payments", "search")
RINGS = ("dev", "qa", "master", "prod", "securitybugfix")
AUTHORS = ("Alice Ng", "Bob Ruiz", "Chen Li", None)
STATUSES = ("succeeded", "failed", "started", None)


def synthetic_rows(n: int, seed: int = 3) -> list[dict[str, str]]:
    rnd = random.Random(seed)
    rows = []
    for i in range(n):
        t = T0 + timedelta(minutes=i)
        row = {
            "PartitionKey": rnd.choice(("trivia", "shop")),
            "RowKey": f"{i:012x}",
            "Timestamp": to_iso(t),
            "p1": str(1000 + i),
            "imageTag": f"img-{i}",
            "commitId": f"{rnd.getrandbits(28):07x}",
            "service": rnd.choice(SERVICES),
        }
        if rnd.random() < 0.8:
            row.update(p2=str(2000 + i), env=rnd.choice(RINGS), hldCommitId=f"h{i:06d}", pr=str(i))
        status = rnd.choice(STATUSES)
        if status:
            row["p1Status"] = status
            row["p1StartedAt"] = to_iso(t - timedelta(minutes=3))
        author = rnd.choice(AUTHORS)
        if author:
            row["author"] = author
        if rnd.random() < 0.5:
            row.update(p3=str(3000 + i), manifestCommitId=f"m{i:06d}", p3Status="succeeded")
        rows.append(row)
    return rows


QUERIES = [
    "", "img-1", "front", "service:frontend", "!service:frontend", "ring:dev", "ring:DEV",
    "author:alice*", "author:\"alice ng\"", "\"author:alice ng\"", "status:failed", "status:running",
    "!status:succeeded ring:qa", "service:front*", "author:none", "ring:-", "cluster:east",
    "commit:a*", "pr:12", "manual", "m0000", "!m0000", "shop service:b?ckend", "1001",
]


def indexed(rows: list[dict]) -> tuple[JourneyIndex, TableModel]:
    """A journey loaded with ``rows`` and a TableModel of its snapshot."""
    journey = JourneyIndex()
    journey.load(rows)
    index = TableModel()
    index.load(journey.snapshot())
    return journey, index


@pytest.fixture(scope="module")
def snapshot():
    index = JourneyIndex()
    index.load(synthetic_rows(600))
    return index, index.snapshot()


@pytest.mark.parametrize("text", QUERIES)
def test_filter_matches_query_language(snapshot, text: str) -> None:
    _, snap = snapshot
    index = TableModel()
    index.load(snap)
    index.set_query(text)
    expected = Query.parse(text).filter(snap.deployments)
    assert [d.key for d in index.deployments()] == [d.key for d in expected]


def test_typing_a_filter_refines_and_stays_correct(snapshot) -> None:
    _, snap = snapshot
    index = TableModel()
    index.load(snap)
    typed = ""
    for ch in "front ring:qa":
        typed += ch
        index.set_query(typed)
        expected = Query.parse(typed).filter(snap.deployments)
        assert [d.key for d in index.deployments()] == [d.key for d in expected], typed
    for _ in range(len(typed)):  # backspacing widens again
        typed = typed[:-1]
        index.set_query(typed)
        assert len(index) == len(Query.parse(typed).filter(snap.deployments)), typed


def test_refines() -> None:
    assert refines(Query.parse("fron"), Query.parse("fro"))
    assert refines(Query.parse("fro ring:dev"), Query.parse("fro"))
    assert refines(Query.parse("service:fron"), Query.parse("service:fro"))  # a substring, typed further
    assert not refines(Query.parse("service:=fron"), Query.parse("service:=fro"))
    assert not refines(Query.parse("service:fr*n"), Query.parse("service:fro"))
    assert not refines(Query.parse("!fron"), Query.parse("!fro"))
    assert not refines(Query.parse("fro"), Query.parse("fro ring:dev"))


async def test_haystack_holds_every_searchable_field() -> None:
    store = await story_store()
    index = JourneyIndex()
    index.load([v[2] for v in store.rows.values()])
    for record in index.snapshot().deployments.records:
        d, hay = to_plain(record), record.haystack
        assert hay == hay.lower()
        for value in (d.id, d.service, d.ring, d.status, d.author, d.commit, d.image_tag, d.pr,
                      d.merged_by, d.hld_commit, d.manifest_commit, d.pr_title,
                      *(s.run_id for s in d.stages), *d.synced_clusters):
            if value:
                assert str(value).lower() in hay, (d.id, value)
        if d.manual_hld_edit:
            assert "manual" in hay


@pytest.mark.parametrize("sort", [None, "state", "service", "pr", "metadata", "clusters"])
@pytest.mark.parametrize("text", ["", "ring:dev", "front"])
def test_incremental_update_equals_full_rebuild(sort: str | None, text: str) -> None:
    rows = synthetic_rows(400, seed=9)
    journey = JourneyIndex()
    journey.load(rows)
    live = TableModel()
    live.set_sort(sort, descending=sort is None)
    live.set_query(text)
    live.load(journey.snapshot())
    rnd = random.Random(5)
    for step in range(6):
        changed = []
        for row in rnd.sample(rows, 7):
            row = dict(row)
            row["Timestamp"] = to_iso(NOW + timedelta(minutes=step))
            row["env"] = rnd.choice(RINGS)
            changed.append(row)
        changed.append({**synthetic_rows(1, seed=step)[0], "RowKey": f"new{step}",
                        "Timestamp": to_iso(NOW + timedelta(minutes=step, seconds=1))})
        keys = journey.apply(changed)
        snap = journey.snapshot(changed=keys)
        assert live.update(snap)
        fresh = TableModel()
        fresh.set_sort(sort, descending=sort is None)
        fresh.set_query(text)
        fresh.load(snap)
        assert [e.key for e in live.view] == [e.key for e in fresh.view]
        assert [e.key for e in live.base] == [e.key for e in fresh.base]
    assert live.update(snap) is False  # the same snapshot again: nothing to do


def test_the_table_finds_rows_in_the_snapshots_own_dict_which_no_later_poll_changes() -> None:
    rows = synthetic_rows(300, seed=4)
    journey, table = indexed(rows)
    first = table.snapshot
    assert table.entries is first.deployments.by_key is journey.deployments  # no second dict
    published = dict(first.deployments.by_key)
    moved = {**rows[10], "Timestamp": to_iso(T0 + timedelta(days=1)), "env": "prod"}
    gone = (rows[20]["PartitionKey"], rows[20]["RowKey"])
    fresh = {**rows[30], "RowKey": "brand-new", "p1": "99999", "imageTag": "img-fresh",
             "Timestamp": to_iso(T0 + timedelta(days=1, seconds=1))}
    keys = journey.apply([moved, fresh], deleted=[gone])
    # What was published stays as it was: same keys, the very same records.
    assert first.deployments.by_key.keys() == published.keys()
    assert all(first.deployments.by_key[k] is r for k, r in published.items())
    snap = journey.snapshot(changed=keys)
    assert table.update(snap)
    assert table.entries is snap.deployments.by_key
    assert set(table.entries) == {r.key for r in snap.deployments.records}
    assert table.get(gone) is None and table.row_of(gone) is None
    moved_key = (moved["PartitionKey"], moved["RowKey"])
    assert table.get(moved_key).ring == "prod" and table.row_of(moved_key) == 1
    assert table.row_of((fresh["PartitionKey"], "brand-new")) == 0


def test_sorting_orders_and_directions(snapshot) -> None:
    _, snap = snapshot
    index = TableModel()
    index.load(snap)
    assert [d.key for d in index.deployments()] == [d.key for d in snap.deployments]  # newest first
    index.set_sort("pr", descending=False)
    prs = [int(d.pr) for d in index.deployments() if d.pr]
    assert prs == sorted(prs)
    index.set_sort("pr", descending=True)
    assert [int(d.pr) for d in index.deployments() if d.pr] == sorted(prs, reverse=True)
    index.set_sort("state", descending=False)
    assert next(iter(index.deployments())).status == "failed"
    index.set_sort(None, descending=True)
    assert [d.key for d in index.deployments()] == [d.key for d in snap.deployments]


def test_row_of_and_at_agree(snapshot) -> None:
    _, snap = snapshot
    index = TableModel()
    index.load(snap)
    index.set_query("ring:dev")
    for row in (0, 5, len(index) - 1):
        assert index.row_of(index.at(row).key) == row
    assert index.row_of(("nope", "nope")) is None


def test_prime_computes_the_value_sets_ahead(snapshot) -> None:
    _, snap = snapshot
    index = TableModel()
    index.load(snap)
    assert not index.primed
    steps = 1
    while not index.prime(1):
        steps += 1
    assert index.primed and steps > 1  # one pass over the data per idle slice
    assert index.values("author") == sorted({d.author for d in snap.deployments if d.author}, key=str.lower)
    assert index.values("ring") == sorted({d.ring for d in snap.deployments if d.ring})


def test_a_picked_value_replaces_the_term_and_matches_exactly() -> None:
    assert with_value("front service:x", "service", "backend") == "front service:=backend"
    assert with_value("!service:x", "service", "api") == "!service:x service:=api"
    text = with_value("", "author", "Alice Ng")
    (term,) = Query.parse(text).terms
    assert (term.value, term.exact) == ("alice ng", True)


def test_remembered_filters_are_forgotten_when_the_data_changes() -> None:
    rows = synthetic_rows(300, seed=4)
    journey, index = indexed(rows)
    for text in ("img-2", "img-", "img-2"):  # backspace and retype: from memory
        index.set_query(text)
    before = len(index)
    changed = [{**rows[0], "RowKey": "brand-new", "imageTag": "img-2new",
                "Timestamp": to_iso(NOW + timedelta(minutes=1))}]
    index.update(journey.snapshot(changed=journey.apply(changed)))
    assert len(index) == before + 1  # the incremental update filtered the new row in
    index.set_query("img-")
    index.set_query("img-2")  # not the stale remembered result
    assert len(index) == before + 1
    assert [d.key for d in index.deployments()] == [
        d.key for d in Query.parse("img-2").filter(journey.snapshot().deployments)]


def test_free_text_after_priming_and_an_update_covers_the_changed_rows() -> None:
    # The demo crashed here: priming had finished, an update replaced deployments (new
    # entries, haystacks not built yet) and the first free-text filter hit None.
    rows = synthetic_rows(200, seed=5)
    journey, index = indexed(rows)
    while not index.prime(50):
        pass
    changed = [dict(row, author="Zed Fresh", Timestamp=to_iso(NOW)) for row in rows[:5]]
    journey.apply(changed)
    index.update(journey.snapshot(changed=[(r["PartitionKey"], r["RowKey"]) for r in changed]))
    index.set_query("zed fresh")
    assert sorted(e.id for e in index.deployments()) == sorted(r["RowKey"] for r in changed)
    index.set_query("!\"zed fresh\"")
    assert len(index.view) == len(index.base) - 5


@pytest.fixture
def progressive(monkeypatch):
    """Progressive filtering at a small scale: 600 rows behave as 100k do."""
    from gitops_tui.index import table as rowindex

    monkeypatch.setattr(rowindex, "_PROGRESSIVE_MIN", 100)
    monkeypatch.setattr(rowindex, "_FIRST_ROWS", 12)
    monkeypatch.setattr(rowindex, "_STEP", 40)
    monkeypatch.setattr(rowindex, "_HEAD_MAX", 120)


@pytest.mark.parametrize("descending", [True, False])
@pytest.mark.parametrize("text", ["img-1", "front", "!front ring:qa", "zzz", "m0000", "ring:qa", "!ring:qa",
                                  "service:front*", "ring:q", "status:failed author:*"])
def test_a_progressive_filter_shows_the_top_first_and_finishes_the_same(progressive, snapshot, text, descending):
    _, snap = snapshot
    index = TableModel()
    index.load(snap)
    index.set_sort(None, descending)
    index.set_query(text)
    expected = [d.key for d in Query.parse(text).filter(snap.deployments)]
    if not descending:
        expected.reverse()
    first = [index.at(i).key for i in range(len(index))]
    assert first == expected[:len(first)]  # the top of the final view, in place
    if not index.complete:
        assert len(first) <= len(expected)  # (fewer than a screen if the term is rare)
        steps = 0
        while not index.finish(25):  # in slices, as the app does it
            steps += 1
        assert steps > 0 and index.complete
    assert [index.at(i).key for i in range(len(index))] == expected
    assert index.finish() is False  # nothing left


def test_a_rare_term_shows_what_the_first_search_found_and_finishes_later(progressive, snapshot):
    _, snap = snapshot
    index = TableModel()
    index.load(snap)
    expected = [d.key for d in Query.parse("img-59").filter(snap.deployments)]
    assert 1 < len(expected) < 12  # fewer than a first screen in all 600
    index.set_query("img-59")
    assert not index.complete  # stopped after _HEAD_MAX deployments
    shown = [index.at(i).key for i in range(len(index))]
    assert shown == expected[:len(shown)] and len(shown) < len(expected)
    index.finish()
    assert [d.key for d in index.deployments()] == expected


def test_a_field_value_no_deployment_has_shows_nothing_at_once(progressive, snapshot):
    _, snap = snapshot
    index = TableModel()
    index.load(snap)
    index.set_query("ring:=q")  # typed halfway to ring:=qa
    assert len(index) == 0 and index.complete
    index.set_query("ring:qx")  # no ring holds it
    assert len(index) == 0 and index.complete
    index.set_query("!ring:=q")
    index.finish()
    assert len(index) == len(snap.deployments)
    index.set_query("ring:q")  # a substring: qa
    index.finish()
    assert len(index) == sum(1 for d in snap.deployments if d.ring and "q" in d.ring) > 0


def test_typing_over_an_unfinished_filter_refines_the_last_finished_one(progressive, snapshot):
    _, snap = snapshot
    index = TableModel()
    index.load(snap)
    typed = ""
    for ch in "img-1":  # each key begins a search that never finishes
        typed += ch
        index.set_query(typed)
    index.finish()
    assert [d.key for d in index.deployments()] == [d.key for d in Query.parse("img-1").filter(snap.deployments)]


def test_reading_past_the_first_rows_or_updating_finishes_the_search(progressive):
    rows = synthetic_rows(600, seed=7)
    journey, index = indexed(rows)
    index.set_query("img-")
    assert not index.complete
    shown = len(index)
    index.at(shown + 5)  # scrolling past what is found so far
    assert index.complete and len(index) == 600
    index.set_query("img-2")
    assert not index.complete
    # img-0 is not shown, and asking where it is does not finish the search
    assert index.row_of((rows[0]["PartitionKey"], rows[0]["RowKey"])) is None and not index.complete
    index.set_query("img-3")
    key = (rows[3]["PartitionKey"], rows[3]["RowKey"])  # img-3, the 4th oldest: found on demand
    assert index.row_of(key) == len(Query.parse("img-3").filter(journey.snapshot().deployments)) - 1
    assert index.complete
    index.set_query("img-4")
    changed = [dict(rows[-1], imageTag="img-4new", Timestamp=to_iso(NOW + timedelta(minutes=1)))]
    index.update(journey.snapshot(changed=journey.apply(changed)))  # finishes, then updates
    assert index.complete
    assert [d.key for d in index.deployments()] == [
        d.key for d in Query.parse("img-4").filter(journey.snapshot().deployments)]


def test_a_ring_first_seen_in_an_update_can_be_filtered_at_once():
    rows = synthetic_rows(200, seed=2)
    journey, index = indexed(rows)
    while not index.prime(1):  # the value sets are known (and remembered)...
        pass
    assert index.set_query("ring:canary") and len(index) == 0
    index.set_query("")
    new = [dict(rows[5], env="canary", author="Newt Comer", Timestamp=to_iso(NOW + timedelta(minutes=1)))]
    index.update(journey.snapshot(changed=journey.apply(new)))  # ...and an update brings a new one
    index.set_query("ring:canary")
    assert [d.id for d in index.deployments()] == [rows[5]["RowKey"]]
    index.set_query("author:\"newt comer\"")
    assert [d.id for d in index.deployments()] == [rows[5]["RowKey"]]
    assert "Newt Comer" in index.values("author")


def test_a_filter_that_shows_the_same_rows_reports_no_change(snapshot):
    _, snap = snapshot
    index = TableModel()
    index.load(snap)
    version = index.version
    assert index.set_query("!status:zz") is False  # no such status: every row, as before
    assert index.version == version and str(index.query) == "!status:zz" and len(index) == 600
    assert index.set_query("!status:failed") is True
    assert len(index) == len(Query.parse("!status:failed").filter(snap.deployments))


def test_typing_a_field_to_none_finds_the_deployments_without_it() -> None:
    rows = [{"PartitionKey": "p", "RowKey": "1", "env": "dev"}, {"PartitionKey": "p", "RowKey": "2"},
            {"PartitionKey": "p", "RowKey": "3", "env": "canary"}]
    journey = JourneyIndex()
    journey.load(rows)
    index = TableModel()
    index.load(journey.snapshot())
    for text in ("ring:n", "ring:no", "ring:non", "ring:none"):  # as the filter line sends it
        index.set_query(text)
    assert [d.id for d in index.deployments()] == ["2"]


def test_sorting_by_a_run_id_that_is_a_digit_but_no_number() -> None:
    rows = [{"PartitionKey": "p", "RowKey": str(i), "p1": value} for i, value in enumerate(["²", "10", "9"])]
    journey = JourneyIndex()
    journey.load(rows)
    index = TableModel()
    index.load(journey.snapshot())
    index.set_sort("image", descending=False)
    assert [index.at(i).id for i in range(3)] == ["2", "1", "0"]  # numbers first, then text


def test_a_picked_value_with_quotes_reads_back_as_that_value() -> None:
    text = with_value('"ann lee"', "author", "Ann \"Bo\" O'Brien")
    terms = Query.parse(text).terms
    assert [(t.field, t.value, t.exact) for t in terms] == [
        (None, "ann lee", False), ("author", "ann \"bo\" o'brien", True)
    ]
