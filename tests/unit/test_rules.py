"""The journey rules: rows (real Spektate rows and our own) → deployments.

Each rule is checked on the reference (``domain.rules.build``) and on the fast path
(``index.journey.merge``, what the monitor and `get` use) alike."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from gitops_tui.domain import rules
from gitops_tui.index.journey import JourneyIndex, merge
from gitops_tui.domain.timefmt import to_iso

from helpers import FROZEN, spektate_rows


BUILDERS = {"reference": lambda rows: rules.build(rows)[0], "fast": merge}


@pytest.fixture(params=sorted(BUILDERS), scope="module")
def build(request):
    """Rows -> deployments, newest first: both ways."""
    return BUILDERS[request.param]


@pytest.fixture(scope="module")
def fixture_deployments(build):
    return {d.id: d for d in build(spektate_rows())}


def test_fixture_rows_merge_into_89_deployments(fixture_deployments):
    # 92 rows: three pairs are one deployment written twice by a re-run release.
    assert len(fixture_deployments) == 89
    collapsed = {d.id: d.duplicates for d in fixture_deployments.values() if d.duplicates}
    assert collapsed == {
        "a9423066ed34": ("5be9a4dc024a",),
        "9221f365b5d1": ("a7b1f02a7a9b",),
        "1f1478960bbb": ("ab389c795b40",),
    }


def test_fixture_manual_hld_edits_are_kept_and_flagged(fixture_deployments):
    manual = sorted(d.id for d in fixture_deployments.values() if d.manual_hld_edit)
    assert manual == ["7870cc2963ad", "971411f5d311", "cb832cc0b9f9", "ed62e535584d"]
    edit = fixture_deployments["ed62e535584d"]
    assert edit.hld_commit == "19a2ec7ec37deaf13e22ffc91f7e5b8f42698610"
    assert [s.name for s in edit.stages] == ["manifest"]
    assert edit.service is None and edit.commit is None


def test_fixture_row_fields(fixture_deployments):
    d = fixture_deployments["01514bd376d3"]
    assert (d.service, d.ring, d.commit, d.image_tag) == ("hello-bedrock", "dev", "5b54eb4", "hello-bedrock-master-6872")
    assert (d.hld_commit, d.manifest_commit) == ("d7c9e6a", "49bcd78")
    assert [(s.name, s.run_id, s.status) for s in d.stages] == [
        ("image", "6872", "unknown"), ("hld", "246", "unknown"), ("manifest", "6876", "unknown")
    ]
    # A legacy row records no results: unknown, never guessed; its only time is the Timestamp.
    assert d.status == "unknown"
    assert d.started_at is None and d.elapsed_s(FROZEN) is None
    assert to_iso(d.updated_at) == "2019-10-24T21:28:43.902000Z"


def test_fixture_owner_repo_service_is_reduced_to_repo(fixture_deployments):
    assert fixture_deployments["03f1e8bc7bab"].service == "hello-spektate"
    assert fixture_deployments["91304e7b61a7"].service == "spartan-app"
    assert "samiyaakhtar/hello-spektate" not in {d.service for d in fixture_deployments.values()}


def test_fixture_orphan_stage2_row_is_not_a_manual_edit(fixture_deployments):
    orphan = fixture_deployments["236ee1988925"]  # p2 + image tag, p1 lost
    assert not orphan.manual_hld_edit
    assert [s.name for s in orphan.stages] == ["hld", "manifest"]


def test_fixture_order_is_newest_first(build):
    deployments = build(spektate_rows())
    times = [d.updated_at for d in deployments]
    assert times == sorted(times, reverse=True)
    assert deployments[0].id == "91304e7b61a7"


def row(**cols):
    base = {"PartitionKey": "p", "RowKey": "000000000001", "Timestamp": to_iso(FROZEN)}
    base.update({k: v for k, v in cols.items() if v is not None})
    return base


def t(minutes: float) -> str:
    return to_iso(FROZEN - timedelta(minutes=minutes))


@pytest.mark.parametrize(
    "cols, expected",
    [
        (dict(p1="1", p1Status="started", p1StartedAt=t(3)), "in_progress"),
        (dict(p1="1", p1Status="failed", p1StartedAt=t(3), p1FinishedAt=t(1)), "failed"),
        (dict(p1="1", p1Status="canceled"), "canceled"),
        (dict(p1="1", p1Status="succeeded"), "waiting"),
        (dict(p1="1", p1Status="succeeded", p2="2", p2Status="succeeded", prState="open"), "waiting"),
        # A PR closed without merge ends the journey: the peers wait forever.
        (dict(p1="1", p1Status="succeeded", p2="2", p2Status="succeeded", prState="closed"), "canceled"),
        (dict(p1="1", p1Status="succeeded", p2="2", p2Status="succeeded", prState="abandoned"), "canceled"),
        (dict(p1="1", p1Status="succeeded", p2="2", p2Status="succeeded", p3="3", p3Status="succeeded"), "succeeded"),
        # GitHub calls merged PRs "closed": past the manifest stage the stages decide.
        (dict(p1="1", p1Status="succeeded", p2="2", p2Status="succeeded", prState="closed",
              p3="3", p3Status="succeeded"), "succeeded"),
        (dict(p1="1", p1Status="succeeded", p2="2", p2Status="succeeded", p3="3", p3Status="started"), "in_progress"),
        (dict(p1="1", p2="2", p3="3"), "unknown"),
        (dict(p1="1", p1Status="succeeded", p2="2"), "unknown"),
        (dict(p3="3", hldCommitId="abc1234", p3Status="succeeded"), "succeeded"),
    ],
)
def test_overall_status(build, cols, expected):
    (d,) = build([row(**cols)])
    assert d.status == expected


def test_overall_status_without_stages_is_unknown():
    assert rules.overall_status([], False, None) == "unknown"


def test_times_and_duration_from_recorded_stages(build):
    (d,) = build([row(p1="1", p1Status="succeeded", p1StartedAt=t(30), p1FinishedAt=t(25),
                      p2="2", p2Status="succeeded", p2StartedAt=t(20), p2FinishedAt=t(19),
                      p3="3", p3Status="succeeded", p3StartedAt=t(10), p3FinishedAt=t(5))])
    assert d.started_at == FROZEN - timedelta(minutes=30)
    assert d.elapsed_s(FROZEN) == 25 * 60  # ended: the clock does not count
    (running,) = build([row(p1="1", p1Status="started", p1StartedAt=t(4))])
    assert running.elapsed_s(FROZEN) == 4 * 60  # measured to the clock while running
    assert running.elapsed_s(FROZEN + timedelta(minutes=1)) == 5 * 60


def test_cluster_sync_counts_ancestors_not_only_the_exact_commit(build):
    rows = [
        row(RowKey="a", p3="1", p3Status="succeeded", p3FinishedAt=t(30), manifestCommitId="aaaaaaa"),
        row(RowKey="b", p3="2", p3Status="succeeded", p3FinishedAt=t(20), manifestCommitId="bbbbbbb"),
        row(RowKey="c", p3="3", p3Status="succeeded", p3FinishedAt=t(10), manifestCommitId="ccccccc"),
        {"PartitionKey": "p.clusters", "RowKey": "east", "kind": "clusterSync", "cluster": "east",
         "manifestCommitId": "bbbbbbbffffffffffffffffffffffffffffffff", "syncedAt": t(15)},
        {"PartitionKey": "p.clusters", "RowKey": "west", "kind": "clusterSync", "cluster": "west",
         "manifestCommitId": "ccccccc", "syncedAt": t(1)},
    ]
    synced = {d.id: d.synced_clusters for d in build(rows)}
    # east applied b (full sha of the short one): a is its ancestor, c is newer.
    assert synced == {"a": ("east", "west"), "b": ("east", "west"), "c": ("west",)}


COMMITS = ["aaaaaaa", "bbbbbbb", "ccccccc"]


@pytest.mark.parametrize("seed", range(25))
def test_incremental_apply_matches_a_full_merge(seed):
    # Random batches over few keys and few identities: rows join, leave and switch
    # duplicate groups, become manual edits or plain rows, several times per batch.
    rng = random.Random(seed)
    rows = {}
    index = JourneyIndex()
    index.load([])
    for step in range(150):
        batch = []
        for _ in range(rng.choice([1, 1, 2, 5])):
            key = f"{rng.randrange(25):012x}"
            roll = rng.random()
            if roll < 0.08:  # a cluster reports the manifest commit it applied
                cluster = rng.choice(["east", "west"])
                sync = {"PartitionKey": "p.clusters", "RowKey": cluster, "kind": "clusterSync",
                        "cluster": cluster, "manifestCommitId": rng.choice(COMMITS), "syncedAt": t(400 - step)}
                rows[cluster] = sync
                batch.append(sync)
                continue
            if roll < 0.2:
                cols = dict(RowKey=key, p3=str(rng.randrange(2)), hldCommitId="fff0000")
            elif roll < 0.3:
                cols = dict(RowKey=key, service="x")
            else:
                cols = dict(RowKey=key, p1=str(rng.randrange(4)), imageTag=f"img-{rng.randrange(2)}",
                            env=rng.choice(["dev", "prod", None]), hldCommitId=rng.choice(["abc1234", None]),
                            p1Status=rng.choice(["started", "succeeded", None]),
                            manifestCommitId=rng.choice([*COMMITS, None]),
                            p3FinishedAt=rng.choice([t(400 - step), None]))
            new = row(Timestamp=t(400 - step), **cols)
            rows[key] = new
            batch.append(new)
        index.apply(batch)
    def seen(deployments):
        return [(d.id, d.status, d.duplicates, d.updated_at, d.synced_clusters) for d in deployments]

    expected = seen(rules.build(rows.values())[0])
    got = seen(index.snapshot().deployments)
    assert sorted(got) == sorted(expected)
    assert [d[3] for d in got] == sorted((d[3] for d in got), reverse=True)
    assert index.row_count == len(rows)


def test_apply_reports_only_what_changed():
    index = JourneyIndex()
    index.load([row(RowKey=f"{i:012x}", p1=str(i), imageTag=f"i{i}") for i in range(100)])
    changed = index.apply([row(RowKey=f"{5:012x}", p1="5", imageTag="i5", p1Status="failed", Timestamp=t(-1))])
    assert changed == {("p", f"{5:012x}")}
    first = index.snapshot().deployments[0]
    assert (first.id, first.status) == (f"{5:012x}", "failed")


def test_values_that_are_not_text_merge_as_their_text(build):
    """Rows built in code may hold numbers, times and None: they read as the stores'
    text rows would (a store always hands over text)."""
    when = FROZEN - timedelta(minutes=5)
    odd = [
        {"PartitionKey": "p", "RowKey": 7, "p1": 1001, "imageTag": "svc-1", "service": "svc",
         "p1Status": "succeeded", "p1FinishedAt": when, "prTitle": None},
        {"PartitionKey": "p", "RowKey": "m1", "p3": 0, "hldCommitId": "abc1234", "manifestCommitId": "def5678"},
    ]
    as_text = [{k: (to_iso(v) if k.endswith("At") else str(v)) for k, v in r.items() if v is not None} for r in odd]
    got, want = build(odd), build(as_text)
    assert got == want
    assert {d.key for d in got} == {("p", "7"), ("p", "m1")}
    assert next(d for d in got if d.id == "m1").manual_hld_edit


def loaded_and_applied(rows: list[dict]) -> tuple[JourneyIndex, JourneyIndex]:
    """``rows`` taken as one full load, and one by one as incremental polls."""
    loaded = JourneyIndex()
    loaded.load(rows)
    applied = JourneyIndex()
    applied.load([])
    for r in rows:
        applied.apply([r])
    return loaded, applied


def test_a_key_holds_one_row_the_last_written_whatever_its_kind():
    """A table keeps one row per key: a sync rewritten as a deployment (or back) is
    that and nothing else, taken in one load, one by one, or by the reference."""
    cluster = {"PartitionKey": "p", "RowKey": "x", "kind": "clusterSync", "cluster": "c1",
               "manifestCommitId": "aaaaaaa", "syncedAt": t(1)}
    deployment = row(RowKey="x", p1="5", imageTag="svc-5", Timestamp=t(2))
    for rows, kind in (([cluster, deployment], "deployment"), ([deployment, cluster], "sync")):
        loaded, applied = loaded_and_applied(rows)
        reference, syncs = rules.build(rows)
        for index in (loaded, applied):
            assert set(index.deployments) == {d.key for d in reference}
            assert list(index.clusters.values()) == syncs
        assert (len(reference), len(syncs)) == ((1, 0) if kind == "deployment" else (0, 1))
    # A valid sync rewritten as a row of the partition that is no sync at all: no sync.
    broken = {"PartitionKey": "p.clusters", "RowKey": "east", "kind": "clusterSync"}
    synced = dict(broken, cluster="east", manifestCommitId="bbbbbbb")
    loaded, applied = loaded_and_applied([synced, broken])
    assert not loaded.clusters and not applied.clusters and not loaded.deployments
    # A row of a cluster partition is a sync with or without kind, wherever it comes.
    loaded, applied = loaded_and_applied([
        synced, {"PartitionKey": "p.clusters", "RowKey": "east", "cluster": "east", "manifestCommitId": "ccccccc"},
    ])
    assert [c.manifest_commit for c in loaded.clusters.values()] == ["ccccccc"]
    assert loaded.clusters == applied.clusters and not loaded.deployments


def test_times_in_other_spellings_order_and_sync_as_the_times_they_are(build):
    # 12:00+02:00 is 10:00Z: older than 11:00Z; a time without fractions; no time at all.
    rows = [row(RowKey="a", p1="1", Timestamp="2026-11-23T12:00:00+02:00"),
            row(RowKey="b", p1="2", Timestamp="2026-11-23T11:00:00Z"),
            row(RowKey="c", p1="3", Timestamp="2026-11-23T11:00:00.500000Z"),
            row(RowKey="d", p1="4", Timestamp="n/a")]
    assert [d.id for d in build(rows)] == ["c", "b", "a", "d"]


def test_pr_states_and_recorded_statuses_read_in_any_case(build):
    (closed,) = build([row(p1="1", p1Status="Succeeded", p2="2", p2Status="SUCCEEDED", prState="Abandoned")])
    assert (closed.status, closed.pr_state) == ("canceled", "closed")


def test_a_duplicate_without_a_row_key_collapses_without_a_crash(build):
    rows = [row(RowKey="a", p1="1", imageTag="t"), {"PartitionKey": "p", "p1": "1", "imageTag": "t"}]
    assert len(build(rows)) == 1


def test_a_row_key_that_is_a_number_is_one_deployment_when_rewritten():
    index = JourneyIndex()
    index.load([])
    for status in ("started", "succeeded"):
        index.apply([{"PartitionKey": "p", "RowKey": 7, "p1": "1", "p1Status": status}])
    assert [(d.id, d.status) for d in index.snapshot().deployments] == [("7", "waiting")]
