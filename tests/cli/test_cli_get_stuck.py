"""`get --filter status:stuck` / `--status stuck` through the real entry point: the
insights' stuck deployments (an image build far past its p95, a PR open past
`insights.pr_wait_limit`), computed only when the filter asks for them."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from helpers import get_json, record_ok, run_cli, sqlite_config


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    cfg = sqlite_config(tmp_path_factory.mktemp("stuck"))
    cfg.write_text(cfg.read_text() + "insights:\n  pr_wait_limit: 1h\n")
    now = datetime.now(UTC).replace(microsecond=0)
    base = now - timedelta(days=2)

    def iso(at):
        return at.strftime("%Y-%m-%dT%H:%M:%SZ")

    for n in range(6):  # six image builds of 10 minutes: p95 10m over 6 runs
        at = base + timedelta(hours=n)
        image = ("--p1", str(10 + n), "--image-tag", f"svc-{n}", "--commit-id", f"c{n}", "--service", "svc")
        record_ok(cfg, *image, "--status", "started", "--started-at", iso(at))
        record_ok(cfg, *image, "--status", "succeeded", "--finished-at", iso(at + timedelta(minutes=10)))
    slow = ("--p1", "90", "--image-tag", "svc-90", "--commit-id", "c90", "--service", "svc")
    record_ok(cfg, *slow, "--status", "started", "--started-at", iso(now - timedelta(minutes=41)))
    fresh = ("--p1", "91", "--image-tag", "svc-91", "--commit-id", "c91", "--service", "svc")
    record_ok(cfg, *fresh, "--status", "started", "--started-at", iso(now - timedelta(minutes=2)))
    # A PR open for 3 hours, the limit 1 hour.
    pr = ("--p1", "92", "--image-tag", "svc-92", "--commit-id", "c92", "--service", "svc")
    record_ok(cfg, *pr, "--status", "started", "--started-at", iso(now - timedelta(hours=3, minutes=20)))
    record_ok(cfg, *pr, "--status", "succeeded", "--finished-at", iso(now - timedelta(hours=3, minutes=12)))
    record_ok(cfg, "--p2", "292", "--image-tag", "svc-92", "--env", "dev", "--hld-commit-id", "h92", "--pr", "7",
         "--status", "succeeded", "--started-at", iso(now - timedelta(hours=3, minutes=12)),
         "--finished-at", iso(now - timedelta(hours=3, minutes=10)))
    return cfg


def tags(found):
    return sorted(d["image_tag"] for d in found)


def test_filter_status_stuck(store):
    assert tags(get_json(store, "--filter", "status:stuck")) == ["svc-90", "svc-92"]
    assert tags(get_json(store, "--status", "stuck")) == ["svc-90", "svc-92"]
    assert tags(get_json(store, "--filter", "status:stuck image:svc-9?")) == ["svc-90", "svc-92"]
    others = get_json(store, "--filter", "!status:stuck")
    assert len(others) == 7 and "svc-90" not in tags(others)


def test_stuck_in_views_and_table(store):
    result = run_cli("--config", str(store), "get", "--status", "stuck", "-o", "wide")
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == 3  # the header and the two stuck ones


def test_plain_get_computes_no_insights(store):
    code = ("import sys; from gitops_tui.cli.main import main\n"
            f"rc = main(['--config', {str(store)!r}, 'get', '-o', 'json', '--status', 'in_progress'])\n"
            "print('INSIGHTS', any(m.startswith('gitops_tui.insights') for m in sys.modules), rc, file=sys.stderr)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "INSIGHTS False 0" in result.stderr, result.stderr


def test_bad_insights_config_only_matters_when_stuck_is_asked(store, tmp_path):
    cfg = tmp_path / "bad.yaml"
    cfg.write_text(store.read_text() + "  min_samples: 0\n")
    assert run_cli("--config", str(cfg), "get", "-o", "json").returncode == 0
    result = run_cli("--config", str(cfg), "get", "--status", "stuck")
    assert result.returncode == 2 and "insights.min_samples" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_unknown_status_still_exit_2(store):
    result = run_cli("--config", str(store), "get", "--status", "stuk")
    assert result.returncode == 2 and "stuck" in result.stderr
