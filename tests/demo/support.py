"""Shared by the demo tests: a fake clock, a seeded simulator, and ways to read its rows."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from gitops_tui import demo
from gitops_tui.config import StoreConfig
from gitops_tui.demo import DemoDeployment, Simulator
from gitops_tui.domain.model import Deployment
from gitops_tui.index.journey import merge
from gitops_tui.stores.base import load_all

T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
AUTHOR_NAMES = {name for name, _ in demo.AUTHORS}
HEX = re.compile(r"^[0-9a-f]+$")


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


def run_id(d: Deployment, stage: str) -> str | None:
    """The run id of one of a deployment's stages, None if it did not run."""
    found = d.stage(stage)
    return found.run_id if found is not None else None


def build_number(tag: str) -> int:
    return int(tag.rsplit("-", 1)[1])
