"""The demo's live stream: journeys step by step, speed, seeds, failing writes."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from gitops_tui import demo
from gitops_tui.demo import Simulator
from gitops_tui.domain.timefmt import to_iso
from gitops_tui.stores.base import StoreError, load_all
from gitops_tui.stores.sqlite import SqliteStore

from .support import T0, FakeClock, deployments, find, run_until, simulator, sqlite_config, run_id


@pytest.fixture
async def store(tmp_path):
    s = SqliteStore(sqlite_config(tmp_path / "demo.db"))
    await s.open(create=True)
    yield s
    await s.close()


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
