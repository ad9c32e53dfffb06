"""The demo's backfill: a few days of plausible, finished history."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta

import pytest

from gitops_tui import demo
from gitops_tui.demo import CLUSTERS, MERGERS, DemoDeployment
from gitops_tui.domain.timefmt import to_iso
from gitops_tui.domain.rows import is_cluster_row
from gitops_tui.index.journey import merge
from gitops_tui.stores.base import load_all
from gitops_tui.stores.sqlite import SqliteStore

from .support import AUTHOR_NAMES, HEX, T0, FakeClock, build_number, find, run_id, simulator, sqlite_config


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    """One backfill (seed 7, ending at T0), shared by the read-only history tests."""

    async def write() -> tuple[list[DemoDeployment], list[dict]]:
        s = SqliteStore(sqlite_config(tmp_path_factory.mktemp("history") / "demo.db"))
        await s.open(create=True)
        planned = await simulator(FakeClock()).backfill(s, T0)
        rows, _ = await load_all(s)
        await s.close()
        return planned, rows

    return asyncio.run(write())


def test_backfill_writes_a_plausible_history(history):
    planned, rows = history
    deps = merge(rows)

    assert 30 <= len(deps) <= 60
    assert len(planned) == len(deps)
    # Everything is in the past and finished (or waiting on a reviewer): no live work.
    assert {d.status for d in deps} == {"succeeded", "failed", "waiting", "canceled"}
    for d in deps:
        assert d.updated_at is not None and d.updated_at < T0
        assert d.updated_at > T0 - timedelta(days=demo.HISTORY_DAYS + 1)
    # Every planned deployment ended as planned.
    for plan in planned:
        assert find(deps, plan).status == plan.expected, plan
    # Backdated: "last updated" spreads over days instead of "when the demo started".
    assert max(d.updated_at for d in deps) - min(d.updated_at for d in deps) > timedelta(days=3)

    assert {d.service for d in deps if not d.manual_hld_edit} == {"frontend", "backend"}
    assert {d.ring for d in deps if d.ring} == {"dev", "master", "securitybugfix"}


def test_backfill_covers_every_case_with_its_fields(history):
    planned = demo.scenarios(history[0])
    deps = merge(history[1])

    (failed_build,) = planned["fail-build"]
    d = find(deps, failed_build)
    assert d.status == "failed" and d.ring is None
    assert [(s.name, s.status) for s in d.stages] == [("image", "failed")]

    (failed_manifest,) = planned["fail-manifest"]
    d = find(deps, failed_manifest)
    assert d.status == "failed"
    assert [(s.name, s.status) for s in d.stages] == [
        ("image", "succeeded"), ("hld", "succeeded"), ("manifest", "failed")
    ]
    assert d.manifest_commit is None and d.synced_clusters == ()

    (closed,) = planned["closed-pr"]
    d = find(deps, closed)
    assert (d.status, d.pr_state, d.pr, d.merged_by) == ("canceled", "closed", closed.pr, None)

    (canceled_build,) = planned["cancel-build"]
    assert find(deps, canceled_build).status == "canceled"

    (waiting,) = planned["waiting"]
    d = find(deps, waiting)
    assert (d.status, d.pr_state, d.ring) == ("waiting", "open", "dev")
    assert d.merged_by is None and d.manifest_commit is None and d.pr == waiting.pr
    assert d.pr_title == f"Update {d.service} to {d.image_tag} in dev"

    (manual,) = planned["manual"]
    d = find(deps, manual)
    assert d.manual_hld_edit and d.status == "succeeded"
    assert d.service is None and d.image_tag is None and d.pr is None
    assert [s.name for s in d.stages] == ["manifest"]
    assert d.hld_commit == manual.hld_commit and d.author in AUTHOR_NAMES
    assert d.synced_clusters == ("east-us", "west-us")

    # A full journey's row: the Bedrock columns plus our status/time/URL columns.
    ok = next(p for p in planned["promote"] if p.ring == "master")
    d = find(deps, ok)
    svc = d.service
    assert d.status == "succeeded" and d.pr_state == "merged" and d.merged_by in MERGERS
    assert d.author in AUTHOR_NAMES and d.author_email.endswith("@trivia.dev")
    assert d.source_repo == f"https://github.com/trivia-team/{svc}"
    assert d.hld_repo == demo.HLD_REPO and d.manifest_repo == demo.MANIFEST_REPO
    assert d.image_tag == ok.image_tag and re.fullmatch(rf"{svc}-master-\d+", d.image_tag)
    assert d.hld_commit == ok.merge_commit  # stage 3 overwrote it with the merge commit
    assert d.manifest_commit == ok.manifest_commit
    for sha in (d.commit, d.hld_commit, d.manifest_commit):
        assert len(sha) == 7 and HEX.match(sha)
    stages = {s.name: s for s in d.stages}
    assert [s.status for s in d.stages] == ["succeeded"] * 3
    assert stages["image"].url == f"https://github.com/trivia-team/{svc}/actions/runs/{run_id(d, 'image')}"
    assert stages["hld"].url == f"https://github.com/trivia-team/{svc}/actions/runs/{run_id(d, 'hld')}"
    assert stages["manifest"].url == f"{demo.HLD_REPO}/actions/runs/{run_id(d, 'manifest')}"
    for s in d.stages:
        assert s.started_at <= s.finished_at
    assert stages["image"].finished_at <= stages["hld"].started_at
    assert stages["hld"].finished_at <= stages["manifest"].started_at
    # The promotion carried the image build over from the dev deployment of that image.
    dev = next(x for x in deps if x.image_tag == d.image_tag and x.ring == "dev")
    assert run_id(dev, "hld") == run_id(dev, "image")  # one multi-stage workflow ran stages 1 and 2
    assert run_id(d, "image") == run_id(dev, "image") and run_id(d, "hld") != run_id(dev, "hld")


def test_backfill_leaves_clusters_synced_and_securitybugfix_behind(history):
    rows = history[1]
    syncs = {r["cluster"]: r for r in rows if is_cluster_row(r)}
    assert set(syncs) == set(CLUSTERS)
    for r in syncs.values():
        assert len(r["manifestCommitId"]) == 40 and HEX.match(r["manifestCommitId"])
        assert r["syncedAt"] < to_iso(T0)
    deps = merge(rows)
    # Every deployment that pushed manifests is live on both clusters (by ancestry,
    # not only the one whose commit is the synced one).
    pushed = [d for d in deps if d.manifest_commit]
    assert len(pushed) >= 25
    assert all(d.synced_clusters == ("east-us", "west-us") for d in pushed)
    assert all(d.synced_clusters == () for d in deps if not d.manifest_commit)

    for svc in ("frontend", "backend"):
        def newest(ring: str) -> int:
            return max(
                build_number(d.image_tag) for d in deps
                if d.service == svc and d.ring == ring and d.status == "succeeded"
            )
        assert newest("securitybugfix") < newest("master") <= newest("dev")
