"""What a record keeps compactly still reads as the reference: duplicate groups kept
as a hash (collisions forced: every group, or half of them, on one hash) and push times
kept as µs since the epoch (cluster sync at the horizon's edge, any year)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gitops_tui.domain import rules
from gitops_tui.domain.timefmt import to_iso
from gitops_tui.index import building
from gitops_tui.index.journey import JourneyIndex
from gitops_tui.index.records import instant

from test_fast_path import SETTINGS, assert_same, assert_same_set, compact_load, odd_table, polled, table

HASHES = {
    "one hash for every group": lambda group: 7,
    "two hashes": lambda group: len(group) % 2,
    "the real one": building.group_hash,
}


@pytest.mark.parametrize("hashed", HASHES.values(), ids=HASHES)
@SETTINGS
@given(first=table(), later=table(), rng=st.randoms(use_true_random=False))
def test_groups_on_colliding_hashes_load_and_poll_as_the_reference(hashed, first, later, rng) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(building, "group_hash", hashed)
        reference = rules.build(first)
        plain = JourneyIndex()
        plain.load(first)
        assert_same(plain, reference)
        index = compact_load(first)
        assert_same(index, reference)
        assert_same(index, rules.build(polled(index, first, later, rng)))


@pytest.mark.parametrize("hashed", HASHES.values(), ids=HASHES)
@SETTINGS
@given(first=odd_table(), later=odd_table(), rng=st.randoms(use_true_random=False))
def test_odd_tables_on_colliding_hashes_poll_as_the_reference(hashed, first, later, rng) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(building, "group_hash", hashed)
        assert_same_set(compact_load(first), rules.build(first))
        index = JourneyIndex()
        index.load(first)
        assert_same_set(index, rules.build(polled(index, first, later, rng)))


def test_a_collision_is_not_a_duplicate() -> None:
    """Two image builds on one hash stay two deployments; a retry of one still collapses."""
    base = {"PartitionKey": "p", "Timestamp": to_iso(datetime(2026, 1, 1, tzinfo=UTC)), "p1Status": "succeeded"}
    rows = [{**base, "RowKey": "a", "p1": "1"}, {**base, "RowKey": "b", "p1": "2"},
            {**base, "RowKey": "c", "p1": "2", "p2": "9"}]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(building, "group_hash", lambda group: 0)
        for index in (JourneyIndex(), JourneyIndex(compact=True)):
            index.load(rows[:1])
            index.apply(rows[1:])
            got = {d.key[1]: d.duplicates for d in index.snapshot().deployments}
            assert got == {"a": (), "c": ("b",)}
            index.apply([{**rows[2], "p1": "3"}])  # c leaves b's group: b stands alone again
            assert {d.key[1] for d in index.snapshot().deployments} == {"a", "b", "c"}
            assert_same(index, rules.build([rows[0], rows[1], {**rows[2], "p1": "3"}]))


# (From year 1000: the index orders by its ISO strings, which sort as times only with
# four-digit years; instants of any year are checked below.)
YEARS = st.sampled_from([1000, 1969, 1970, 2026, 9998])


@st.composite
def pushed_table(draw: st.DrawFn) -> list[dict]:
    """Deployments pushed at, just before or just after their cluster's horizon, in
    far-apart years, spelled any way."""
    base = datetime(draw(YEARS), 6, 1, tzinfo=UTC)
    at = lambda us: base + timedelta(microseconds=us)  # noqa: E731
    spell = lambda t: draw(st.sampled_from([to_iso(t), t.isoformat(), to_iso(t).replace(".000000", "")]))  # noqa: E731
    offsets = st.sampled_from([-1, 0, 1, 60_000_000])
    rows = []
    for i in range(draw(st.integers(min_value=1, max_value=8))):
        row = {"PartitionKey": "p", "RowKey": f"{i:03d}", "Timestamp": spell(at(draw(offsets))), "p1": str(i),
               "p3": str(i), "p3Status": "succeeded", "manifestCommitId": draw(st.sampled_from(["aaaaaaa", "bbbbbbb"]))}
        if draw(st.booleans()):
            row["p3FinishedAt"] = spell(at(draw(offsets)))
        rows.append(row)
    for cluster, commit in (("east", "aaaaaaa"), ("west", "ccccccc")):
        rows.append({"PartitionKey": "p.clusters", "RowKey": cluster, "kind": "clusterSync", "cluster": cluster,
                     "manifestCommitId": commit, "syncedAt": spell(at(draw(offsets)))})
    return rows


@SETTINGS
@given(pushed_table(), pushed_table(), st.randoms(use_true_random=False))
def test_push_times_sync_clusters_as_the_reference(first, later, rng) -> None:
    assert_same_set(compact_load(first), rules.build(first))
    index = JourneyIndex()
    index.load(first)
    assert_same_set(index, rules.build(polled(index, first, later, rng)))


@given(st.lists(st.datetimes(timezones=st.just(UTC)), min_size=2, max_size=5))
def test_instants_order_as_the_times_and_read_back(times) -> None:
    # (any year: to_iso writes one under 1000 short, instant reads it)
    kept = [instant(to_iso(t)) for t in times]
    assert sorted(range(len(times)), key=kept.__getitem__) == sorted(range(len(times)), key=times.__getitem__)
    assert all((a == b) == (x == y) for a, x in zip(kept, times) for b, y in zip(kept, times))
    record = building.to_record({"PartitionKey": "p", "RowKey": "r", "p3": "1", "p3FinishedAt": times[0].isoformat()})
    assert record.pushed_us == kept[0] and record.pushed_iso == to_iso(times[0])
    assert instant("n/a") is None
