"""Each insight computed from hand-built histories whose answers are known by
construction: fixed hop durations, a known failure and restore, a ring held back by
two images; and the clock edge cases that must give "unknown", never a made-up number."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from gitops_tui.domain.model import Deployment, Stage
from gitops_tui.insights.dora import dora_of
from gitops_tui.insights.drift import ring_drift, ring_order
from gitops_tui.insights.engine import InsightsEngine
from gitops_tui.insights.eta import eta_of
from gitops_tui.insights.hops import build_model, hop_durations
from gitops_tui.insights.settings import InsightSettings, SettingsError, parse_window
from gitops_tui.insights.stuck import stuck_reasons

T0 = datetime(2026, 11, 1, tzinfo=UTC)
NOW = T0 + timedelta(days=10)
M = 60.0


def done(i, service="svc", ring="dev", at=T0, image=10 * M, hld=2 * M, wait=30 * M, manifest=3 * M,
         status="succeeded", tag=None, failed_stage=None):
    """A whole journey starting at ``at`` with the given hop durations (seconds)."""
    t1 = at + timedelta(seconds=image)
    t2 = t1 + timedelta(seconds=hld)
    t3 = t2 + timedelta(seconds=wait)
    t4 = t3 + timedelta(seconds=manifest)
    st = ["succeeded"] * 3
    if failed_stage is not None:
        st[failed_stage] = "failed"
    stages = (Stage("image", st[0], f"b{i}", started_at=at, finished_at=t1),
              Stage("hld", st[1], f"r{i}", started_at=t1, finished_at=t2),
              Stage("manifest", st[2], f"m{i}", started_at=t3, finished_at=t4))
    return Deployment(id=f"d{i}", partition="p", status=status, stages=stages, updated_at=t4,
                      started_at=at, finished_at=t4, service=service, ring=ring, image_tag=tag or f"svc-{i}")


def running_image(i, since, service="svc", ring="dev"):
    return Deployment(id=f"d{i}", partition="p", status="in_progress",
                      stages=(Stage("image", "in_progress", f"b{i}", started_at=since),),
                      updated_at=since, started_at=since, service=service, ring=ring, author="ann",
                      merged_by="bob")


def history(n=6, **kw):
    return [done(i, at=T0 + timedelta(hours=i), **kw) for i in range(n)]


def test_hop_durations_and_model_medians():
    d = done(1)
    assert hop_durations(d) == {"image": 600.0, "metadata": 120.0, "approval": 1800.0, "manifest": 180.0}
    rows = [done(i, image=(i + 1) * M) for i in range(10)] + [done(99, image=999 * M, status="failed")]
    model = build_model(rows)
    stats = model.stats("svc", "dev", "image")
    assert stats.samples == 10  # the failed run is out of the model
    assert stats.median_s == 5.5 * M
    assert stats.p90_s == 9 * M
    assert stats.p95_s == 10 * M


def test_stage_finished_before_it_started_is_unknown():
    bad = done(1, image=-5 * M)
    assert "image" not in hop_durations(bad)
    assert build_model([bad]).stats("svc", "dev", "image").samples == 0
    assert build_model([]).stats("svc", "dev", "image").median_s is None


def test_eta_sums_remaining_hops_and_falls_back_to_service_then_all():
    rows = history(6)
    model = build_model(rows)
    flying = running_image(50, NOW - timedelta(minutes=4))
    eta = eta_of(flying, model, NOW, min_samples=5)
    assert [h.hop for h in eta.hops] == ["image", "metadata", "approval", "manifest"]
    assert eta.seconds == (10 - 4 + 2 + 30 + 3) * M
    assert eta.samples == 6
    assert eta.hops[0].scope == ("svc", "dev")
    assert eta.at(NOW) == NOW + timedelta(seconds=41 * M)
    # prod has no history: service-wide samples, then all services when service has too few.
    prod = running_image(51, NOW - timedelta(minutes=4), ring="prod")
    assert eta_of(prod, model, NOW).hops[0].scope == ("svc", None)
    other = running_image(52, NOW - timedelta(minutes=4), service="new")
    assert eta_of(other, model, NOW).hops[0].scope == (None, None)
    # Zero samples: unknown, not zero.
    assert eta_of(flying, build_model([]), NOW).seconds is None
    # A start in the future: unknown.
    assert eta_of(running_image(53, NOW + timedelta(hours=1)), model, NOW).seconds is None
    # Overrunning the median: zero left for that hop, never negative.
    late = eta_of(running_image(54, NOW - timedelta(hours=2)), model, NOW)
    assert late.hops[0].seconds == 0.0
    assert eta_of(done(1), model, NOW) is None  # not in flight


def test_stuck_past_p95_with_reason_and_min_samples():
    model = build_model(history(57, image=12 * M))
    settings = InsightSettings(min_samples=5)
    slow = running_image(60, NOW - timedelta(minutes=41))
    assert stuck_reasons(slow, model, NOW, settings) == ["image build running 41m, p95 12m over 57 runs"]
    assert stuck_reasons(running_image(61, NOW - timedelta(minutes=5)), model, NOW, settings) == []
    # Too few samples: never stuck on p95.
    assert stuck_reasons(slow, model, NOW, InsightSettings(min_samples=100)) == []


def test_stuck_pr_waiting_and_cluster_not_synced():
    settings = InsightSettings(pr_wait_limit_s=3600, sync_limit_s=1800)
    at = NOW - timedelta(hours=3)
    t1 = at + timedelta(minutes=10)
    waiting = Deployment(id="w", partition="p", status="waiting", pr="42", pr_state="open",
                         stages=(Stage("image", "succeeded", "b", started_at=at, finished_at=t1),
                                 Stage("hld", "succeeded", "r", started_at=t1, finished_at=t1)),
                         updated_at=t1, service="svc", ring="dev")
    assert stuck_reasons(waiting, build_model([]), NOW, settings) == ["PR 42 waiting 2h50m, limit 1h"]
    pushed = NOW - timedelta(minutes=45)
    unsynced = Deployment(id="u", partition="p", status="succeeded", stages=(), updated_at=pushed,
                          pushed_at=pushed, pending_clusters=("east",), service="svc", ring="dev")
    assert stuck_reasons(unsynced, build_model([]), NOW, settings) == [
        "not synced on east 45m after its manifest commit, limit 30m"]


def test_dora_with_known_failure_and_restore():
    rows = history(4)  # 4 succeeded, 45 min lead time each
    failed_at = T0 + timedelta(hours=10)
    rows.append(done(10, at=failed_at, status="failed", failed_stage=0))
    rows.append(done(11, at=failed_at + timedelta(hours=2)))  # the restore
    rows.append(done(12, at=T0 - timedelta(days=60)))  # outside the window
    f = dora_of("svc", "dev", rows, NOW, 30 * 86400)
    assert f.deployments == 6
    assert f.deploys_per_day == 5 / 30
    assert f.lead_time_median_s == 45 * M
    assert f.lead_time_p90_s == 45 * M
    assert f.change_failure_rate == 1 / 6
    assert f.time_to_restore_median_s == 2 * 3600.0
    empty = dora_of("svc", "dev", [], NOW, 86400)
    assert (empty.deployments, empty.change_failure_rate, empty.lead_time_median_s) == (0, None, None)


def test_a_ring_held_back_by_two_images():
    dev = [done(i, ring="dev", at=T0 + timedelta(hours=i), tag=f"svc-{i}") for i in range(4)]
    prod = [done(20, ring="prod", at=T0 + timedelta(hours=1, minutes=30), tag="svc-1")]
    drift = ring_drift(dev + prod)
    assert len(drift) == 1
    x = drift[0]
    assert (x.ring, x.first_ring, x.first_image, x.image, x.behind) == ("prod", "dev", "svc-3", "svc-1", 2)
    assert x.behind_s == 2 * 3600.0
    assert ring_order(["prod", "qa", "dev", "feature-x"]) == ["dev", "qa", "prod"]
    assert ring_order(["prod", "blue", "green"], ["green", "blue", "prod"]) == ["green", "blue", "prod"]


def test_engine_incremental_update_matches_full_compute():
    rows = history(20) + [done(30 + i, ring="prod", at=T0 + timedelta(hours=i)) for i in range(5)]
    engine = InsightsEngine()
    engine.load(rows, NOW)
    before = engine.dora(NOW)
    changed = [done(1, at=T0 + timedelta(hours=1), status="failed", failed_stage=2), running_image(99, NOW)]
    engine.update(changed, removed=[("p", "d2")], now=NOW)
    fresh = InsightsEngine()
    fresh.load([r for r in rows if r.id not in ("d1", "d2")] + changed, NOW)
    assert engine.dora(NOW) == fresh.dora(NOW)
    assert engine.dora(NOW) != before
    assert engine.model.stats("svc", "dev", "image").samples == 18
    assert [d.id for d in engine.in_flight()] == ["d99"]
    stats = engine.stats(NOW, ring="dev")
    assert [s["ring"] for s in stats] == ["dev"]
    assert stats[0]["eta"] == {"d99": (10 + 2 + 30 + 3) * M}


@pytest.mark.parametrize("text,seconds", [("30d", 30 * 86400.0), ("12h", 43200.0), ("90m", 5400.0)])
def test_parse_window(text, seconds):
    assert parse_window(text) == seconds


@pytest.mark.parametrize("text", ["bad", "-3d", "0", ""])
def test_parse_window_bad(text):
    with pytest.raises(SettingsError):
        parse_window(text)
