"""`get --view rings|clusters` through the real entry point, on the Spektate rows and on
a small store written with `record` (three succeeded deployments, one in progress, one
cluster sync)."""

from __future__ import annotations


import pytest

from helpers import SPEKTATE, get_json, run_cli, sqlite_config


def get(cfg, *args):
    result = run_cli("--config", str(cfg), "get", *args)
    assert result.returncode == 0, result.stderr
    return result


@pytest.fixture(scope="module")
def spektate(tmp_path_factory):
    cfg = sqlite_config(tmp_path_factory.mktemp("spektate"), partition=None)
    result = run_cli("--config", str(cfg), "import", str(SPEKTATE / "deployments.json"))
    assert result.returncode == 0, result.stderr
    return cfg


def _ship(cfg, build, tag, ring, release, hld, manifest_build, manifest, when):
    for flags in (
        ["--p1", build, "--image-tag", tag, "--commit-id", f"c{build}", "--service", "svc"],
        ["--p2", release, "--image-tag", tag, "--env", ring, "--hld-commit-id", hld],
        ["--p3", manifest_build, "--hld-commit-id", hld],
        ["--p3", manifest_build, "--manifest-commit-id", manifest],
    ):
        result = run_cli("--config", str(cfg), "record", "-q", *flags, "--status", "success", "--finished-at", when)
        assert result.returncode == 0, result.stderr


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """svc: svc-1 to dev then prod, svc-2 to dev, svc-3 on its way to dev; cluster
    east synced prod's manifest commit (man2), so dev's svc-1 (man1, older) is live
    there too and dev's svc-2 (man3) is pending."""
    cfg = sqlite_config(tmp_path_factory.mktemp("small"))
    _ship(cfg, "1", "svc-1", "dev", "21", "hld1", "31", "man1", "2026-01-01T00:00:00Z")
    _ship(cfg, "1", "svc-1", "prod", "22", "hld2", "32", "man2", "2026-01-01T01:00:00Z")
    _ship(cfg, "2", "svc-2", "dev", "23", "hld3", "33", "man3", "2026-01-02T00:00:00Z")
    for flags in (
        ["--p1", "3", "--image-tag", "svc-3", "--commit-id", "c3", "--service", "svc", "--status", "started"],
        ["--p2", "24", "--image-tag", "svc-3", "--env", "dev", "--status", "started"],
        ["--cluster", "east", "--manifest-commit-id", "man2", "--synced-at", "2026-01-01T02:00:00Z"],
    ):
        assert run_cli("--config", str(cfg), "record", "-q", *flags).returncode == 0
    return cfg


def ids(cfg):
    """Deployment id by (ring, image tag)."""
    return {(d["ring"], d["image_tag"]): d["id"] for d in get_json(cfg)}


def test_rings_json_on_spektate(spektate):
    cells = get_json(spektate, "--view", "rings")
    assert [(c["service"], c["ring"]) for c in cells] == [
        ("azure-voting-app-redis", "multi-stage"), ("hello-bedrock", "dev"),
        ("hello-spektate", "dev"), ("spartan-app", "dev"),
    ]
    for c in cells:
        assert list(c) == ["service", "ring", "image_tag", "deployment_id", "updated_at", "lagging"]
        # Legacy Bedrock rows record no results: nothing is known to have succeeded.
        assert (c["image_tag"], c["deployment_id"], c["updated_at"], c["lagging"]) == (None, None, None, False)
    assert [c["service"] for c in get_json(spektate, "--view", "rings", "--service", "hello-bedrock")] == ["hello-bedrock"]
    assert get_json(spektate, "--view", "clusters") == []


def test_rings_json_names_what_each_ring_runs(small):
    by_tag = ids(small)
    cells = {(c["service"], c["ring"]): c for c in get_json(small, "--view", "rings")}
    assert list(cells) == [("svc", "dev"), ("svc", "prod")]  # promotion order
    dev, prod = cells["svc", "dev"], cells["svc", "prod"]
    # dev runs svc-2 (its newest succeeded deployment), not the in-progress svc-3.
    assert (dev["image_tag"], dev["deployment_id"], dev["lagging"]) == ("svc-2", by_tag["dev", "svc-2"], False)
    # prod runs svc-1, an older build than dev's svc-2: behind, but only since dev got
    # svc-2 (just written), so not lagging within ring_lag_grace (default 1h), as in the TUI.
    assert (prod["image_tag"], prod["deployment_id"], prod["lagging"]) == ("svc-1", by_tag["prod", "svc-1"], False)
    assert dev["updated_at"].endswith("Z") and dev["updated_at"][:4].isdigit()


def test_rings_json_lagging_honours_ring_lag_grace(small, tmp_path):
    cfg = tmp_path / "grace.yaml"
    cfg.write_text(small.read_text() + "ring_lag_grace: 1ms\n")
    cells = {(c["service"], c["ring"]): c["lagging"] for c in get_json(cfg, "--view", "rings")}
    assert cells == {("svc", "dev"): False, ("svc", "prod"): True}


def test_rings_follow_the_configured_ring_order(small, tmp_path):
    """``rings: [prod, dev]`` makes prod the upstream ring: dev then runs an older image
    (svc-2 is newer than prod's svc-1, so dev is not behind) and the order is prod, dev;
    a ring outside the configured list has no upstream."""
    cfg = tmp_path / "order.yaml"
    cfg.write_text(small.read_text() + "ring_lag_grace: 1ms\nrings: [prod, dev]\n")
    cells = get_json(cfg, "--view", "rings")
    assert [(c["ring"], c["lagging"]) for c in cells] == [("prod", False), ("dev", False)]
    cfg.write_text(small.read_text() + "ring_lag_grace: 1ms\nrings: [dev, qa]\n")
    cells = get_json(cfg, "--view", "rings")
    assert [(c["ring"], c["lagging"]) for c in cells] == [("dev", False), ("prod", False)]  # prod: no place
    cfg.write_text(small.read_text() + "rings: prod\n")
    result = run_cli("--config", str(cfg), "get", "--view", "rings")
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and "rings:" in result.stderr


def test_rings_filters_narrow_the_deployments(small):
    (cell,) = get_json(small, "--view", "rings", "--ring", "prod")
    assert (cell["ring"], cell["image_tag"], cell["lagging"]) == ("prod", "svc-1", False)  # no upstream left
    (cell,) = get_json(small, "--view", "rings", "--filter", "image:svc-1", "--env", "dev")
    assert (cell["ring"], cell["image_tag"]) == ("dev", "svc-1")
    (cell,) = get_json(small, "--view", "rings", "--status", "in_progress")
    assert (cell["ring"], cell["image_tag"], cell["deployment_id"]) == ("dev", None, None)


def test_rings_table(small):
    lines = get(small, "--view", "rings").stdout.splitlines()
    assert lines[0].split() == ["Service", "Ring", "Running", "Deployed", "Latest", "Behind"]
    dev, prod = lines[1].split(), lines[2].split()
    assert dev[:3] == ["svc", "DEV", "svc-2"] and "svc-3" in dev  # newest is in progress
    assert prod[:3] == ["svc", "PROD", "svc-1"] and prod[-1] == "DEV"
    assert len(lines) == 3 and all(len(line) <= 80 for line in lines)


def test_clusters_json_lists_live_and_pending_deployments(small):
    by_tag = ids(small)
    (east,) = get_json(small, "--view", "clusters")
    assert list(east) == ["cluster", "manifest_commit", "synced_at", "deployments", "pending"]
    assert (east["cluster"], east["manifest_commit"], east["synced_at"]) == ("east", "man2", "2026-01-01T02:00:00Z")
    # Live: prod's man2 (the synced commit) and dev's man1 (pushed before it), newest first.
    assert east["deployments"] == [by_tag["prod", "svc-1"], by_tag["dev", "svc-1"]]
    # Pending: dev's svc-2 (man3, pushed after); svc-3 has no manifest commit yet.
    assert east["pending"] == [by_tag["dev", "svc-2"]]
    (east,) = get_json(small, "--view", "clusters", "--ring", "dev")
    assert (east["deployments"], east["pending"]) == ([by_tag["dev", "svc-1"]], [by_tag["dev", "svc-2"]])


def test_clusters_table(small):
    lines = get(small, "--view", "clusters").stdout.splitlines()
    assert lines[0].split()[:6] == ["Cluster", "Partition", "Manifest", "Synced", "Live", "Pending"]
    row = lines[1].split()
    # Synced is relative ("335d ago"); then 2 live, 1 pending, the newest pending one.
    assert row[:3] == ["EAST", "hello", "man2"] and row[-4:] == ["2", "1", "svc/DEV", "svc-2"]
    assert len(lines) == 2


def test_views_reject_wide_and_help_documents_them(small):
    result = run_cli("--config", str(small), "get", "--view", "rings", "-o", "wide")
    assert result.returncode == 2 and "--output wide" in result.stderr and "Traceback" not in result.stderr
    bad = run_cli("--config", str(small), "get", "--view", "nope")
    assert bad.returncode == 2 and "invalid choice" in bad.stderr
    help = " ".join(run_cli("get", "--help").stdout.split())
    assert "--view {deployments,rings,clusters}" in help and "lags its upstream ring" in help


def test_cluster_names_never_print_escapes(tmp_path):
    cfg = sqlite_config(tmp_path)
    evil = "east\x1b]0;pwned\x07\x1b[2J"
    assert run_cli("--config", str(cfg), "record", "--cluster", evil, "--manifest-commit-id", "abc1234").returncode == 0
    out = get(cfg, "--view", "clusters").stdout
    assert "\x1b" not in out and "\x07" not in out and "EAST" in out
    (c,) = get_json(cfg, "--view", "clusters")
    assert c["cluster"] == evil and (c["deployments"], c["pending"]) == ([], [])
