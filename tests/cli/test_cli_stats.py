"""`gitops-tui stats` through the real entry point on a small store written with
`record`: two succeeded deployments of svc to dev, one to prod, one in progress."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from helpers import record_ok, run_cli, sqlite_config

KEYS = ["service", "ring", "deployments", "deploys_per_day", "lead_time_median_s", "lead_time_p90_s",
        "change_failure_rate", "time_to_restore_median_s", "stuck", "eta"]


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    cfg = sqlite_config(tmp_path_factory.mktemp("stats"))
    base = datetime.now(UTC).replace(microsecond=0) - timedelta(days=2)

    def iso(minutes):
        return (base + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")

    for n, (ring, at) in enumerate((("dev", 0), ("dev", 600), ("prod", 1200))):
        b, r, m = str(10 + n), str(20 + n), str(30 + n)
        tag = f"svc-{n}"
        image = ("--p1", b, "--image-tag", tag, "--commit-id", f"c{n}", "--service", "svc")
        record_ok(cfg, *image, "--status", "started", "--started-at", iso(at))
        record_ok(cfg, *image, "--status", "succeeded", "--finished-at", iso(at + 10))
        record_ok(cfg, "--p2", r, "--image-tag", tag, "--env", ring, "--hld-commit-id", f"h{n}",
             "--status", "succeeded", "--started-at", iso(at + 10), "--finished-at", iso(at + 12))
        record_ok(cfg, "--p3", m, "--hld-commit-id", f"h{n}", "--manifest-commit-id", f"m{n}",
             "--status", "succeeded", "--started-at", iso(at + 40), "--finished-at", iso(at + 45))
    # east applied m1 (dev's second) 5 minutes after its push, west 20 minutes after.
    record_ok(cfg, "--cluster", "east", "--manifest-commit-id", "m1", "--synced-at", iso(600 + 50))
    record_ok(cfg, "--cluster", "west", "--manifest-commit-id", "m1", "--synced-at", iso(600 + 65))
    record_ok(cfg, "--p1", "99", "--image-tag", "svc-9", "--commit-id", "c9", "--service", "svc", "--status", "started",
         "--started-at", iso(2000))
    return cfg


def stats(cfg, *args):
    return run_cli("--config", str(cfg), "stats", *args)


def stats_json(cfg, *args):
    result = stats(cfg, "--output", "json", *args)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_json_keys_and_figures(store):
    cells = stats_json(store)
    assert [(c["service"], c["ring"]) for c in cells] == [("svc", "dev"), ("svc", "prod")]
    for c in cells:
        assert list(c)[:len(KEYS)] == KEYS
    dev = cells[0]
    assert dev["deployments"] == 2
    assert dev["deploys_per_day"] == round(2 / 30, 4)
    assert dev["lead_time_median_s"] == 45 * 60.0
    assert dev["change_failure_rate"] == 0.0
    assert dev["time_to_restore_median_s"] is None
    assert cells[1]["drift_behind"] == 0
    # Lead time to each cluster's sync: build start (600) to 650 and 665.
    assert dev["lead_time_to_sync_median_s"] == 57.5 * 60.0
    assert dev["lead_time_to_sync_p90_s"] == 65 * 60.0
    assert dev["commit_to_sync_median_s"] == 12.5 * 60.0
    assert dev["clusters"] == {
        "east": {"lead_time_median_s": 50 * 60.0, "lead_time_p90_s": 50 * 60.0,
                 "commit_to_sync_median_s": 5 * 60.0, "commit_to_sync_p90_s": 5 * 60.0, "samples": 1},
        "west": {"lead_time_median_s": 65 * 60.0, "lead_time_p90_s": 65 * 60.0,
                 "commit_to_sync_median_s": 20 * 60.0, "commit_to_sync_p90_s": 20 * 60.0, "samples": 1},
    }
    assert cells[1]["clusters"] == {} and cells[1]["lead_time_to_sync_median_s"] is None


def test_filters_and_window(store):
    assert [c["ring"] for c in stats_json(store, "--ring", "prod")] == ["prod"]
    assert stats_json(store, "--service", "other") == []
    # A one-day window leaves out the deployments of two days ago.
    assert all(c["deployments"] == 0 for c in stats_json(store, "--window", "1d"))


def test_table(store):
    lines = stats(store).stdout.splitlines()
    assert lines[0].split()[:3] == ["SERVICE", "RING", "DEPLOYS"]
    assert lines[1].split()[:3] == ["svc", "dev", "2"]
    head = lines[0].index("SYNC")  # the median lead time to a cluster's sync
    assert lines[1][head:].split()[0] == "57m"
    assert all(len(line) <= 100 for line in lines)


@pytest.mark.parametrize("window", ["bad", "-1d", "0"])
def test_bad_window_is_exit_2_one_line(store, window):
    result = stats(store, "--window", window)
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1 and "--window" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_insights_config_is_exit_2_one_line(store, tmp_path):
    cfg = tmp_path / "bad.yaml"
    cfg.write_text(store.read_text() + "\ninsights:\n  min_samples: 0\n")
    result = stats(cfg)
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
    assert "insights.min_samples" in result.stderr and "Traceback" not in result.stderr


def test_configured_ring_order_drives_drift(store, tmp_path):
    cfg = tmp_path / "rings.yaml"
    cfg.write_text(store.read_text() + "\nrings: [prod, dev]\n")
    cells = {c["ring"]: c for c in stats_json(cfg)}
    assert cells["prod"]["drift_behind"] is None  # prod is now the first ring
    assert cells["dev"]["drift_behind"] == 1  # dev runs svc-1; prod has svc-2 since
