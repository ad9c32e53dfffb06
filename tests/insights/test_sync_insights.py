"""Commit-to-sync per cluster, lead time to each cluster's sync, the sync ETA and the
sliding hop window, on hand-built histories whose answers are known by construction:
every manifest commit is pushed 45 min after its image build starts, east syncs it 5
min after the push and west 20 min after."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from gitops_tui.domain.model import ClusterSync, Deployment, Stage
from gitops_tui.insights.dora import dora_of
from gitops_tui.insights.engine import InsightsEngine
from gitops_tui.insights.eta import eta_of
from gitops_tui.insights.hops import HopModel, hop_words
from gitops_tui.insights.settings import InsightSettings
from gitops_tui.insights.syncs import SyncLog, sync_durations

T0 = datetime(2026, 11, 1, tzinfo=UTC)
NOW = T0 + timedelta(days=10)
M = 60.0
PUBLIC = ["service", "ring", "deployments", "deploys_per_day", "lead_time_median_s", "lead_time_p90_s",
          "change_failure_rate", "time_to_restore_median_s", "stuck", "eta"]


def commit(i: int) -> str:
    return f"{i:07x}" + "f" * 33


def pushed(i, at, status="succeeded", ring="dev", pending=()):
    """A journey started at ``at``: image 10m, hld 2m, approval 30m, manifest 3m."""
    t1, t2 = at + timedelta(minutes=10), at + timedelta(minutes=12)
    t3, t4 = at + timedelta(minutes=42), at + timedelta(minutes=45)
    stages = (Stage("image", "succeeded", f"b{i}", started_at=at, finished_at=t1),
              Stage("hld", "succeeded", f"r{i}", started_at=t1, finished_at=t2),
              Stage("manifest", "succeeded", f"m{i}", started_at=t3, finished_at=t4))
    return Deployment(id=f"d{i}", partition="p", status=status, stages=stages, updated_at=t4, started_at=at,
                      finished_at=t4 if status == "succeeded" else None, pushed_at=t4, service="svc", ring=ring,
                      manifest_commit=commit(i), image_tag=f"svc-{i}", pending_clusters=pending)


def syncs_of(rows, east=5 * M, west=20 * M):
    out = []
    for d in rows:
        out.append(ClusterSync("east", "p", d.manifest_commit, d.pushed_at + timedelta(seconds=east)))
        out.append(ClusterSync("west", "p", d.manifest_commit, d.pushed_at + timedelta(seconds=west)))
    return out


def history(n=6, start=T0):
    return [pushed(i, start + timedelta(hours=i)) for i in range(n)]


def engine_of(rows, clusters, **kw):
    engine = InsightsEngine(InsightSettings(**kw))
    engine.load(rows, NOW, clusters)
    return engine


def test_commit_to_sync_per_cluster_as_a_hop():
    rows = history(6)
    engine = engine_of(rows, syncs_of(rows))
    east, west = (engine.model.stats("svc", "dev", f"sync:{c}") for c in ("east", "west"))
    assert (east.samples, east.median_s, east.p90_s) == (6, 5 * M, 5 * M)
    assert (west.samples, west.median_s, west.p90_s) == (6, 20 * M, 20 * M)
    pooled = engine.model.stats("svc", "dev", "sync")
    assert (pooled.samples, pooled.median_s, pooled.p90_s) == (12, 12.5 * M, 20 * M)
    assert engine.model.sync_clusters("svc", "dev") == ["east", "west"]
    assert hop_words("sync:west") == "sync on west"


def test_stats_keeps_public_keys_and_adds_sync_figures():
    rows = history(6)
    [f] = engine_of(rows, syncs_of(rows)).stats(NOW)
    assert list(f)[:len(PUBLIC)] == PUBLIC
    assert f["lead_time_median_s"] == 45 * M  # to the ring, as before
    assert f["lead_time_to_sync_median_s"] == 57.5 * M  # pooled: 50m east, 65m west
    assert f["lead_time_to_sync_p90_s"] == 65 * M
    assert f["commit_to_sync_median_s"] == 12.5 * M
    assert f["clusters"] == {
        "east": {"lead_time_median_s": 50 * M, "lead_time_p90_s": 50 * M,
                 "commit_to_sync_median_s": 5 * M, "commit_to_sync_p90_s": 5 * M, "samples": 6},
        "west": {"lead_time_median_s": 65 * M, "lead_time_p90_s": 65 * M,
                 "commit_to_sync_median_s": 20 * M, "commit_to_sync_p90_s": 20 * M, "samples": 6},
    }
    [bare] = engine_of(rows, []).stats(NOW)  # no sync recorded: honest unknowns
    assert (bare["lead_time_to_sync_median_s"], bare["commit_to_sync_median_s"], bare["clusters"]) == (None, None, {})


def test_eta_of_a_pushed_deployment_waits_for_its_slowest_cluster():
    rows = history(6)
    engine = engine_of(rows, syncs_of(rows))
    d = pushed(50, NOW - timedelta(minutes=53), status="in_progress", pending=("east", "west"))  # pushed 8m ago
    eta = eta_of(d, engine.model, NOW, 5)
    assert [(h.hop, h.seconds, h.samples, h.running_s) for h in eta.hops] == [
        ("sync:east", 0.0, 6, 8 * M), ("sync:west", 12 * M, 6, 8 * M)]
    assert eta.seconds == 12 * M  # clusters sync in parallel: the slowest, not the sum
    # A cluster with no samples of its own falls back to every cluster pooled.
    north = eta_of(replace(d, pending_clusters=("north",)), engine.model, NOW, 5)
    assert (north.hops[0].seconds, north.hops[0].samples) == (12.5 * M - 8 * M, 12)
    # Not pushed yet: the remaining hops, then one pooled sync hop.
    early = replace(d, stages=d.stages[:1], pushed_at=None, pending_clusters=(),
                    manifest_commit=None)
    early = replace(early, stages=(replace(early.stages[0], status="in_progress", finished_at=None),))
    before = eta_of(early, engine.model, NOW, 5)
    assert [h.hop for h in before.hops] == ["image", "metadata", "approval", "manifest", "sync"]
    assert before.seconds == (0 + 2 + 30 + 3 + 12.5) * M  # image overran its 10m median


def test_sync_eta_without_history_is_unknown():
    d = pushed(50, NOW - timedelta(minutes=53), status="in_progress", pending=("east",))
    eta = eta_of(d, HopModel(), NOW, 5)
    assert eta.seconds is None and eta.at(NOW) is None
    assert eta_of(replace(d, pending_clusters=()), HopModel(), NOW, 5) is None  # nothing left


def test_clock_edge_cases_give_no_sample():
    d = pushed(1, T0)
    synced = {"early": d.pushed_at - timedelta(minutes=1), "future": NOW + timedelta(hours=1),
              "ok": d.pushed_at + timedelta(minutes=7)}
    assert sync_durations(d, synced, NOW) == {"ok": 7 * M}
    assert sync_durations(replace(d, pushed_at=None), synced, NOW) == {}
    rows = [d]
    clusters = [ClusterSync("east", "p", d.manifest_commit, d.pushed_at - timedelta(minutes=1)),
                ClusterSync("west", "p", d.manifest_commit, None)]
    engine = engine_of(rows, clusters)
    assert engine.model.stats("svc", "dev", "sync").samples == 0
    [f] = engine.stats(NOW)
    assert f["lead_time_to_sync_median_s"] is None and f["clusters"] == {}
    failed = replace(pushed(2, T0), status="failed")  # failed runs stay out of the model
    assert engine_of([failed], syncs_of([failed])).model.stats("svc", "dev", "sync").samples == 0
    assert dora_of("svc", "dev", [], NOW, 86400, SyncLog().times).clusters == ()


def test_sync_log_keeps_syncs_the_table_overwrote():
    rows = history(2)
    engine = engine_of(rows, [ClusterSync("east", "p", rows[0].manifest_commit[:7],
                                          rows[0].pushed_at + timedelta(minutes=5))])
    assert engine.model.stats("svc", "dev", "sync:east").samples == 1
    # Next poll: east synced the later commit; its row no longer names the first one.
    engine.update([], now=NOW, clusters=[ClusterSync("east", "p", rows[1].manifest_commit,
                                                      rows[1].pushed_at + timedelta(minutes=9))])
    stats = engine.model.stats("svc", "dev", "sync:east")
    assert (stats.samples, stats.median_s) == (2, 7 * M)
    engine.load(rows, NOW, [])  # a reload keeps what the log saw
    assert engine.model.stats("svc", "dev", "sync:east").samples == 2


def test_hop_samples_slide_out_of_the_window_incrementally():
    old = history(3, start=NOW - timedelta(days=2))
    new = [pushed(10 + i, NOW - timedelta(hours=10 - i)) for i in range(2)]
    engine = InsightsEngine(InsightSettings(window_s=86400 * 3))
    engine.load(old + new, NOW, syncs_of(old + new))
    assert engine.model.stats("svc", "dev", "image").samples == 5
    assert engine.model.stats("svc", "dev", "sync:west").samples == 5
    later = NOW + timedelta(days=1, hours=4)  # the three old ones (last sync 3h05m in) are past 3 days
    assert engine.model.expire(later - timedelta(days=3)) == 3
    engine.update([], now=later)
    assert engine.model.stats("svc", "dev", "image").samples == 2
    assert engine.model.stats("svc", "dev", "sync:west").samples == 2
    assert engine.model.stats(None, None, "sync").samples == 4
    # A replaced deployment's old entry does not drop its new one.
    moved = replace(new[0], updated_at=later)
    engine.update([moved], now=later)
    assert engine.model.expire(later - timedelta(days=3)) == 0
    assert engine.model.stats("svc", "dev", "image").samples == 2


def test_cluster_not_synced_past_the_configured_limit_and_stuck_now_agrees():
    from types import SimpleNamespace

    from gitops_tui.insights.settings import insight_settings
    from gitops_tui.insights.stuck import stuck_now

    settings = insight_settings(SimpleNamespace(rings=None, insights={"sync_limit": "30m"}))
    assert settings.sync_limit_s == 1800
    rows = history(6)
    late = pushed(50, NOW - timedelta(minutes=45 + 120), status="in_progress", pending=("west",))  # pushed 2h ago
    soon = pushed(51, NOW - timedelta(minutes=45 + 10), status="in_progress", pending=("west",))
    future = pushed(52, NOW + timedelta(hours=1), status="in_progress", pending=("west",))  # a clock ahead
    engine = InsightsEngine(settings)
    engine.load(rows + [late, soon, future], NOW, syncs_of(rows))
    expected = {("p", "d50"): ["not synced on west 2h after its manifest commit, limit 30m"]}
    assert engine.stuck_ids(NOW) == expected
    assert stuck_now(rows + [late, soon, future], syncs_of(rows), NOW, settings) == expected
    assert engine.eta(late, NOW).seconds == 0.0  # past west's 20m median: any moment


def test_bulk_load_and_bulk_expiry_equal_one_by_one():
    # 300 journeys an hour apart with image builds of 1..300 minutes (some repeated).
    rows = [replace(pushed(i, T0 + timedelta(hours=i)), stages=(
        Stage("image", "succeeded", f"b{i}", started_at=T0 + timedelta(hours=i),
              finished_at=T0 + timedelta(hours=i, minutes=1 + i % 97)),)) for i in range(300)]
    deferred, single = HopModel(), HopModel()
    for d in rows:
        deferred.add(d, defer=True)
        single.add(d)
    since = T0 + timedelta(hours=200)
    assert deferred.expire(since) == 200  # past the one-pass rebuild threshold
    for d in rows[:200]:
        single.remove(d.key)
    fresh = HopModel()
    for d in rows[200:]:
        fresh.add(d)
    for model in (deferred, single):
        for scope in (("svc", "dev"), ("svc", None), (None, None)):
            assert model._samples[(*scope, "image")] == fresh._samples[(*scope, "image")]
    assert deferred.stats("svc", "dev", "image") == fresh.stats("svc", "dev", "image")


def test_a_deployment_without_a_service_counts_once_in_all_services():
    d = replace(pushed(1, T0), service=None)
    model = HopModel()
    model.add(d)
    assert model.stats(None, None, "image").samples == 1


def test_incremental_syncs_match_a_full_compute():
    rows = history(8)
    first = syncs_of(rows[:4])
    engine = engine_of(rows, first)
    later = syncs_of(rows[4:], east=3 * M, west=9 * M)
    changed = [replace(rows[1], status="failed"), pushed(20, T0 + timedelta(hours=20))]
    engine.update(changed, removed=[("p", "d2")], now=NOW, clusters=later)
    fresh = engine_of([r for r in rows if r.id not in ("d1", "d2")] + changed, first + later)
    assert engine.stats(NOW) == fresh.stats(NOW)
    [f] = engine.stats(NOW)
    assert f["clusters"]["east"]["samples"] == 2 + 4  # d0, d3 of the first syncs; d4..d7 of the later
    assert f["clusters"]["east"]["commit_to_sync_median_s"] == 3 * M


def test_a_fact_reads_as_its_deployment():
    from gitops_tui.insights.facts import fact_of, lead_time
    from gitops_tui.insights.hops import excluded, failed, hop_durations

    for d in (pushed(1, T0), replace(pushed(2, T0), status="failed"), replace(pushed(3, T0), status="canceled"),
              replace(pushed(4, T0), stages=())):
        f = fact_of(d)
        assert (f.key, f.failed, f.excluded, f.lead_s) == (d.key, failed(d), excluded(d), lead_time(d))
        assert f.hops == (() if excluded(d) else tuple(hop_durations(d).items()))
        assert fact_of(f) is f
