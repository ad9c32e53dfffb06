"""The demo simulator: history and live deployments written through ``record``."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from gitops_tui import demo
from gitops_tui.config import StoreConfig
from gitops_tui.demo import CLUSTERS, MERGERS, DemoDeployment, Simulator, start_in_thread
from gitops_tui.index.journey import is_cluster_row, merge
from gitops_tui.domain.model import Deployment
from gitops_tui.stores.base import StoreError, load_all
from gitops_tui.stores.sqlite import SqliteStore
from gitops_tui.domain.timefmt import to_iso

T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
AUTHOR_NAMES = {name for name, _ in demo.AUTHORS}
HEX = re.compile(r"^[0-9a-f]+$")


def run_id(d, stage: str) -> str | None:
    """The run id of one of a deployment's stages, None if it did not run."""
    found = d.stage(stage)
    return found.run_id if found is not None else None


class FakeClock:
    """A clock that only moves when the simulator sleeps."""

    def __init__(self, start: datetime = T0) -> None:
        self.now = start
        self.slept = 0.0

    def __call__(self) -> datetime:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept += seconds
        self.now += timedelta(seconds=seconds)


def sqlite_config(path: Path) -> StoreConfig:
    return StoreConfig(kind="sqlite", path=path, partition="trivia")


@pytest.fixture
async def store(tmp_path):
    s = SqliteStore(sqlite_config(tmp_path / "demo.db"))
    await s.open(create=True)
    yield s
    await s.close()


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


def simulator(clock: FakeClock, seed: int = 7, **kwargs) -> Simulator:
    return Simulator(seed=seed, clock=clock, sleep=clock.sleep, **kwargs)


async def deployments(store, now: datetime) -> list[Deployment]:
    rows, _ = await load_all(store)
    return merge(rows)


async def run_until(sim: Simulator, store, clock: FakeClock, until: datetime) -> None:
    stop = asyncio.Event()
    while clock() < until:
        await sim.run(store, stop, max_steps=1)


def find(deps: list[Deployment], d: DemoDeployment) -> Deployment:
    """The merged deployment a planned one became."""
    if d.scenario == "manual":
        found = [x for x in deps if run_id(x, "manifest") == d.p3]
    elif d.scenario in ("fail-build", "cancel-build"):
        found = [x for x in deps if x.image_tag == d.image_tag and not run_id(x, "hld")]
    else:
        found = [x for x in deps if x.image_tag == d.image_tag and run_id(x, "hld") == d.p2]
    assert len(found) == 1, (d, found)
    return found[0]


def build_number(tag: str) -> int:
    return int(tag.rsplit("-", 1)[1])


# -- history --------------------------------------------------------------------------


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


# -- live -----------------------------------------------------------------------------


async def test_live_deployments_move_through_the_journey(store):
    clock = FakeClock()
    sim = simulator(clock)
    await sim.backfill(store, T0)
    history = len(sim.deployments)
    stop = asyncio.Event()

    assert await sim.run(store, stop, max_steps=2) == 2  # spawner, then the first step
    first = sim.deployments[history]
    assert (first.scenario, first.service, first.live) == ("deploy", "frontend", True)
    deps = await deployments(store, clock())
    d = next(x for x in deps if x.image_tag == first.image_tag)
    assert d.status == "in_progress" and [s.status for s in d.stages] == ["in_progress"]
    assert d.started_at == T0 and d.author == first.author

    await run_until(sim, store, clock, T0 + timedelta(seconds=20))
    d = find(await deployments(store, clock()), first)
    assert d.status in ("in_progress", "waiting") and d.synced_clusters == ()

    await run_until(sim, store, clock, T0 + timedelta(seconds=60))
    d = find(await deployments(store, clock()), first)
    assert d.status == "succeeded" and d.ring == "dev"
    assert d.synced_clusters == ("east-us", "west-us")
    assert (d.pr_state, d.merged_by) == ("merged", first.merged_by)
    assert d.manifest_commit == first.manifest_commit
    # Seconds, not minutes: the whole journey took 25-42 simulated seconds.
    assert timedelta(seconds=15) < d.finished_at - d.started_at < timedelta(seconds=42)

    live = demo.scenarios(sim.deployments[history:])
    failing = live["fail-build"][0]
    d = find(await deployments(store, clock()), failing)
    assert (d.status, d.service) == ("failed", "backend")
    assert [(s.name, s.status) for s in d.stages] == [("image", "failed")]

    manual = live["manual"][0]
    d = find(await deployments(store, clock()), manual)
    assert d.manual_hld_edit and d.status == "succeeded"
    assert d.synced_clusters == ("east-us", "west-us")

    await run_until(sim, store, clock, T0 + timedelta(minutes=3))
    deps = await deployments(store, clock())
    live = demo.scenarios(sim.deployments[history:])
    (waiting,) = live["waiting"]  # the scripted one: nobody ever reviews it
    d = find(deps, waiting)
    assert (d.status, d.pr_state, d.merged_by) == ("waiting", "open", None)
    assert d.stage("hld").finished_at < T0 + timedelta(minutes=1)  # nothing since

    # The first image was promoted from dev to master: one image, two deployments.
    promoted = [x for x in deps if x.image_tag == first.image_tag]
    assert sorted(x.ring for x in promoted) == ["dev", "master"]
    assert all(x.status == "succeeded" for x in promoted)
    assert len({x.id for x in promoted}) == 2

    # New deployments keep coming, each with its own ids.
    assert len(sim.deployments) - history >= 15
    image_rows = [x for x in deps if run_id(x, "image")]
    assert len({(run_id(x, "image"), x.ring) for x in image_rows}) == len(image_rows)
    prs = [x.pr for x in deps if x.pr]
    assert len(set(prs)) == len(prs)
    assert all(run_id(x, "image").isdigit() for x in image_rows)
    finished = [p for p in sim.deployments[history:] if p.done]
    assert {find(deps, p).status for p in finished} <= {"succeeded", "failed", "canceled", "waiting"}
    for p in finished:
        assert find(deps, p).status == p.expected, p


async def test_speed_scales_the_live_steps(tmp_path):
    async def first_journey_done_by(speed: float, seconds: float) -> bool:
        s = SqliteStore(sqlite_config(tmp_path / f"speed{speed}.db"))
        await s.open(create=True)
        clock = FakeClock()
        sim = simulator(clock, speed=speed)
        await run_until(sim, s, clock, T0 + timedelta(seconds=seconds))
        d = find(await deployments(s, clock()), sim.deployments[0])
        await s.close()
        return d.status == "succeeded" and d.synced_clusters == ("east-us", "west-us")

    assert await first_journey_done_by(4.0, 12)
    assert not await first_journey_done_by(1.0, 12)


async def test_same_seed_same_rows_other_seed_other_rows(tmp_path):
    async def rows_for(seed: int, name: str, live_s: float) -> list[dict]:
        s = SqliteStore(sqlite_config(tmp_path / name))
        await s.open(create=True)
        clock = FakeClock()
        sim = simulator(clock, seed=seed)
        await sim.backfill(s, T0)
        await run_until(sim, s, clock, T0 + timedelta(seconds=live_s))
        rows, _ = await load_all(s)
        await s.close()
        return sorted(
            ({k: v for k, v in r.items() if k != "Timestamp"} for r in rows),
            key=lambda r: (r["PartitionKey"], r["RowKey"]),
        )

    a, b = await rows_for(11, "a.db", 45), await rows_for(11, "b.db", 45)
    assert len(a) > 40 and any(r.get("p1StartedAt", "") >= to_iso(T0) for r in a)
    assert a == b
    c = await rows_for(12, "c.db", 0)
    assert {r["RowKey"] for r in a}.isdisjoint(r["RowKey"] for r in c if "p1" in r)


async def test_a_failing_step_is_reported_and_the_stream_goes_on(store):
    class Flaky:
        """The store, but the first inserts fail as a locked database would."""

        def __init__(self, inner, failures: int) -> None:
            self.inner, self.failures = inner, failures

        def __getattr__(self, name):
            return getattr(self.inner, name)

        async def insert(self, row):
            if self.failures:
                self.failures -= 1
                raise StoreError("sqlite:demo.db: database is locked")
            return await self.inner.insert(row)

    clock = FakeClock()
    errors: list[BaseException] = []
    sim = simulator(clock, on_error=errors.append)
    await run_until(sim, Flaky(store, 1), clock, T0 + timedelta(minutes=2))
    assert [str(e) for e in errors] == ["sqlite:demo.db: database is locked"]
    deps = await deployments(store, clock())
    assert sum(d.status == "succeeded" for d in deps) >= 5

    # Without anyone to tell, the error is raised, not swallowed.
    sim = simulator(FakeClock(), seed=8)
    with pytest.raises(StoreError, match="locked"):
        await sim.run(Flaky(store, 1), asyncio.Event())


def test_speed_must_be_positive():
    with pytest.raises(ValueError, match="speed"):
        Simulator(speed=0)


# -- the background thread ------------------------------------------------------------


def test_thread_fills_a_real_file_and_stops_within_a_second(tmp_path):
    path = tmp_path / "demo.db"
    started = datetime.now(UTC)
    handle = start_in_thread(sqlite_config(path), seed=5, speed=40.0)
    try:
        assert handle.ready.wait(10), "backfill did not finish"
        assert handle.error is None
        assert handle.alive

        async def read() -> list[Deployment]:
            reader = SqliteStore(sqlite_config(path))  # a separate connection, like the TUI
            try:
                return await deployments(reader, datetime.now(UTC))
            finally:
                await reader.close()

        assert len(asyncio.run(read())) >= 30
        # At speed 40 the first live journey (25-42 s at speed 1) ends in about a second.
        deadline = time.monotonic() + 8
        while True:
            live = [d for d in asyncio.run(read()) if d.started_at and d.started_at >= started]
            done = [d for d in live if d.status == "succeeded" and len(d.synced_clusters) == 2]
            if done or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert done, [(d.status, d.synced_clusters) for d in live]
        assert handle.error is None
    finally:
        t = time.monotonic()
        assert handle.stop()
        assert time.monotonic() - t < 1.0
    assert not handle.alive and handle.error is None
    assert handle.store is not None and handle.store._conn is None  # closed
    before = len(asyncio.run(read()))
    time.sleep(0.2)
    assert len(asyncio.run(read())) == before  # nothing writes after stop


def test_thread_stops_within_a_second_at_normal_speed(tmp_path):
    handle = start_in_thread(sqlite_config(tmp_path / "demo.db"), seed=1, backfill=False)
    assert handle.ready.wait(5)
    time.sleep(0.3)  # inside a multi-second pause between steps
    t = time.monotonic()
    assert handle.stop()
    assert time.monotonic() - t < 1.0
    assert handle.error is None


def test_thread_keeps_the_error_that_stopped_it(tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    handle = start_in_thread(sqlite_config(blocker / "demo.db"), seed=1)
    assert handle.ready.wait(5)  # set even on failure, so nobody waits forever
    handle.thread.join(5)
    assert not handle.alive
    assert isinstance(handle.error, StoreError)
    assert handle.stop()


def test_demo_does_not_import_textual():
    code = "import sys, gitops_tui.demo; sys.exit('textual' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0
