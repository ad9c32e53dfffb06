"""The simulator behind ``gitops-tui demo``: a trivia app team's pipelines, live.

It writes through :func:`gitops_tui.writer.record`, exactly as the real pipelines'
``gitops-tui record`` steps do, so the demo shows the product reading its own writer's
rows. The team: services ``frontend`` and ``backend`` (source repos under
``https://github.com/trivia-team/``), one HLD repo whose branches are the rings ``dev``,
``master`` and ``securitybugfix``, one manifest repo applied by the clusters ``east-us``
and ``west-us``.

- :meth:`Simulator.backfill` replays a few days of history (30–50 finished
  deployments, a few failed or canceled, one PR closed without merge, one manual HLD
  edit, one PR still waiting for approval; ``securitybugfix`` left on older images than
  ``master``) so the screen is not empty at launch.
- :meth:`Simulator.run` then starts a new deployment every 6–12 s and moves each one
  through image build → metadata update + approval PR → merge → manifest generation and
  push → sync on east-us, then west-us, a few seconds per step (a whole journey takes
  25–42 s at ``speed=1``). The first four are scripted so the interesting cases show at
  once: a deployment that is then promoted to ``master``, a failing image build, a PR
  that stays open, a manual HLD edit; after that the mix is random (seeded).
- :func:`start_in_thread` runs both in a background thread with its own event loop and
  its own store connection, like a real pipeline.

Both use a discrete-event queue in one coroutine, so with an injected clock and sleep a
seed gives the same rows every time.

History rows are written through a store adapter that stamps ``originalTimestamp`` (the
column an import keeps the source's write time in) with the simulated time of the write:
otherwise every replayed row would look "updated just now", because the store sets
``Timestamp`` to the real time of the write.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
import random
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from gitops_tui.config import StoreConfig
from gitops_tui.domain.rows import Row
from gitops_tui.writer import StageRecord, record
from gitops_tui.stores import make_store
from gitops_tui.stores.base import Store
from gitops_tui.domain.timefmt import to_iso, utcnow

log = logging.getLogger(__name__)

PARTITION = "trivia"
ORG_URL = "https://github.com/trivia-team"
SERVICES: tuple[str, ...] = ("frontend", "backend")
RINGS: tuple[str, ...] = ("dev", "master", "securitybugfix")
CLUSTERS: tuple[str, ...] = ("east-us", "west-us")
HLD_REPO = f"{ORG_URL}/trivia-hld"
MANIFEST_REPO = f"{ORG_URL}/trivia-manifests"
AUTHORS: tuple[tuple[str, str], ...] = (
    ("Ada Okafor", "ada.okafor@trivia.dev"),
    ("Bruno Lindqvist", "bruno.lindqvist@trivia.dev"),
    ("Chen Wei", "chen.wei@trivia.dev"),
    ("Dana Whitfield", "dana.whitfield@trivia.dev"),
    ("Esther Mensah", "esther.mensah@trivia.dev"),
    ("Farid Haddad", "farid.haddad@trivia.dev"),
)
MERGERS: tuple[str, ...] = ("Grace Kim", "Hiro Tanaka", "Ines Moreau")

# (low, high) seconds of each step before ``speed`` scales it. Live: a whole journey is
# build + handoff + hld + approval + handoff + manifest + 2 × sync = 25–42 s.
LIVE_STEPS: dict[str, tuple[float, float]] = {
    "build": (6, 10),  # image build running
    "handoff": (1, 2),  # one pipeline stage triggering the next
    "hld": (3, 4),  # metadata update: HLD commit pushed, approval PR opened
    "approval": (4, 8),  # PR open until a reviewer merges it
    "slow_approval": (60, 180),  # the occasional PR nobody looks at for a while
    "manifest": (4, 6),  # manifest generation and push
    "sync": (3, 5),  # a cluster's GitOps agent applying the new manifest commit
    "promote": (4, 8),  # synced in one ring, then promoted to the next
    "opening": (3, 5),  # between the scripted first deployments
    "spawn": (6, 12),  # between new deployments after that
}
# History: the same journeys at the pace of real pipelines and reviewers.
HISTORY_STEPS: dict[str, tuple[float, float]] = {
    "build": (180, 480),
    "handoff": (5, 40),
    "hld": (30, 90),
    "approval": (300, 1800),
    "slow_approval": (1800, 3600),
    "manifest": (90, 240),
    "sync": (30, 300),
    "promote": (900, 2700),
}
HISTORY_DAYS = 4

# Live scenarios after the scripted opening, with weights.
LIVE_MIX: tuple[tuple[str, int], ...] = (
    ("deploy", 66),  # build → dev, then often promoted to master
    ("fail-build", 6),
    ("cancel-build", 2),
    ("fail-manifest", 3),
    ("slow-approval", 6),  # PR open for minutes, then merged or closed
    ("closed-pr", 4),  # PR closed without merge → canceled
    ("manual", 7),  # someone edits the HLD repo by hand
    ("hotfix", 6),  # an older image promoted to securitybugfix
)
# The first live deployments, in order: (scenario, service, promote_to).
OPENING: tuple[tuple[str, str | None, tuple[str, ...] | None], ...] = (
    ("deploy", "frontend", ("master",)),
    ("fail-build", "backend", ()),
    ("waiting", "backend", ()),
    ("manual", None, ()),
)
MAX_CONSECUTIVE_ERRORS = 10

# What each scenario is expected to end as (``waiting``: its PR stays open).
_OUTCOME = {
    "deploy": "succeeded",
    "promote": "succeeded",
    "hotfix": "succeeded",
    "manual": "succeeded",
    "fail-build": "failed",
    "fail-manifest": "failed",
    "cancel-build": "canceled",
    "closed-pr": "canceled",
    "waiting": "waiting",
}


def source_repo(service: str) -> str:
    return f"{ORG_URL}/{service}"


def run_url(repo: str, run_id: str) -> str:
    return f"{repo}/actions/runs/{run_id}"


@dataclass
class Image:
    """One container image build."""

    service: str
    tag: str
    p1: str
    commit: str
    author: str
    author_email: str


@dataclass
class DemoDeployment:
    """What the simulator set out to do for one deployment (for tests and curiosity)."""

    scenario: str  # deploy | promote | hotfix | fail-build | cancel-build | fail-manifest
    #                waiting | slow-approval | closed-pr | manual
    expected: str  # the status it should end in: succeeded | failed | canceled | waiting
    live: bool
    service: str | None = None
    ring: str | None = None
    image_tag: str | None = None
    p1: str | None = None
    p2: str | None = None
    pr: str | None = None
    pr_title: str | None = None
    hld_commit: str | None = None
    merge_commit: str | None = None
    merged_by: str | None = None
    p3: str | None = None
    manifest_commit: str | None = None
    author: str | None = None
    promote_to: tuple[str, ...] = ()
    done: bool = False  # its last step has been written


@dataclass(frozen=True)
class _Mode:
    steps: dict[str, tuple[float, float]]
    speed: float
    promote_chance: float
    live: bool


Journey = AsyncIterator[float]  # yields the seconds until its next step


class _Engine:
    """A discrete-event queue of journeys; ``now`` is virtual (history) or the clock."""

    def __init__(self, store: Store, clock: Callable[[], datetime] | None, mode: _Mode) -> None:
        self.store = store
        self.mode = mode
        self._clock = clock
        self.virtual: datetime | None = None
        self.queue: list[tuple[datetime, int, Journey]] = []
        self._order = itertools.count()

    def now(self) -> datetime:
        if self._clock is not None:
            return self._clock()
        assert self.virtual is not None
        return self.virtual

    def schedule(self, journey: Journey, delay: float = 0.0, at: datetime | None = None) -> None:
        due = at if at is not None else self.now() + timedelta(seconds=delay)
        heapq.heappush(self.queue, (due, next(self._order), journey))


class _Backdated:
    """A store adapter that stamps each write with the simulated time it happened at."""

    def __init__(self, store: Store, when: Callable[[], datetime]) -> None:
        self._store = store
        self._when = when

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    async def insert(self, row: Row) -> str:
        return await self._store.insert({**row, "originalTimestamp": to_iso(self._when())})

    async def replace(self, row: Row, etag: str) -> str:
        return await self._store.replace({**row, "originalTimestamp": to_iso(self._when())}, etag)


def _iso(when: datetime) -> str:
    return to_iso(when)


class Simulator:
    """Fills a store with a trivia team's deployments: history, then a live stream.

    ``clock`` and ``sleep`` are injectable (tests pass a fake clock and a sleep that
    advances it); ``seed`` fixes every random choice; ``speed`` > 1 makes live steps
    faster. ``on_error`` (live loop only): called with an exception raised by one step,
    which then drops that deployment and carries on; without it the exception propagates.
    """

    def __init__(
        self,
        *,
        partition: str = PARTITION,
        seed: int | None = None,
        speed: float = 1.0,
        clock: Callable[[], datetime] = utcnow,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> None:
        if not speed > 0:
            raise ValueError(f"speed must be positive, not {speed!r}")
        self.partition = partition
        self.seed = seed if seed is not None else random.SystemRandom().randrange(2**32)
        self.speed = speed
        self.clock = clock
        self.sleep = sleep
        self.on_error = on_error
        self.rng = random.Random(self.seed)
        self.deployments: list[DemoDeployment] = []
        self.steps_run = 0
        self._live: _Engine | None = None
        self._spawner_journey: Journey | None = None
        rng = self.rng
        self._run_ids = itertools.count(rng.randrange(9_000_000_000, 9_400_000_000))
        self._build_numbers = {s: itertools.count(rng.randrange(300, 2000)) for s in SERVICES}
        self._prs = itertools.count(rng.randrange(100, 400))
        self._shas: set[str] = set()
        self._good: dict[str, list[Image]] = {s: [] for s in SERVICES}
        self._head: str | None = None  # the newest manifest commit pushed (full sha)

    # -- ids ---------------------------------------------------------------------------

    def _run_id(self) -> str:
        # GitHub run ids grow across all repos; leave gaps as other workflows run.
        for _ in range(self.rng.randrange(1, 40)):
            number = next(self._run_ids)
        return str(number)

    def _sha(self) -> str:
        """A full 40-hex sha whose 7-char short form was never handed out before."""
        while True:
            full = f"{self.rng.getrandbits(160):040x}"
            if full[:7] not in self._shas:
                self._shas.add(full[:7])
                return full

    def _delay(self, mode: _Mode, step: str) -> float:
        low, high = mode.steps[step]
        return self.rng.uniform(low, high) / mode.speed

    # -- planning ----------------------------------------------------------------------

    def _new_image(self, service: str) -> Image:
        name, email = self.rng.choice(AUTHORS)
        number = next(self._build_numbers[service])
        return Image(
            service=service,
            tag=f"{service}-master-{number}",
            p1=self._run_id(),
            commit=self._sha()[:7],
            author=name,
            author_email=email,
        )

    def _ring_deployment(
        self, scenario: str, image: Image, ring: str, live: bool, p2: str | None = None
    ) -> DemoDeployment:
        """An image on its way into a ring: ids for every step, allocated now."""
        expected = _OUTCOME.get(scenario, "succeeded")
        if scenario == "slow-approval":
            expected = "succeeded" if self.rng.random() < 0.6 else "canceled"
        d = DemoDeployment(
            scenario=scenario,
            expected=expected,
            live=live,
            service=image.service,
            ring=ring,
            image_tag=image.tag,
            p1=image.p1,
            p2=p2 or self._run_id(),
            pr=str(next(self._prs)),
            pr_title=f"Update {image.service} to {image.tag} in {ring}",
            hld_commit=self._sha()[:7],
            merge_commit=self._sha()[:7],
            merged_by=self.rng.choice(MERGERS),
            p3=self._run_id(),
            author=image.author,
        )
        self.deployments.append(d)
        return d

    def _begin(
        self, engine: _Engine, scenario: str, service: str | None,
        promote_to: tuple[str, ...] | None = None,
    ) -> Journey:
        """A journey whose ids are allocated when it starts (so they grow with time)."""

        async def journey() -> Journey:
            mode = engine.mode
            svc = service or self.rng.choice(SERVICES)
            if scenario == "manual":
                async for delay in self._manual(engine):
                    yield delay
                return
            if scenario == "hotfix":
                older = self._good[svc][-4:-1]  # anything but the newest image
                if older:
                    image = self.rng.choice(older)
                    d = self._ring_deployment("hotfix", image, "securitybugfix", mode.live)
                    async for delay in self._journey(engine, d, image, build=False):
                        yield delay
                    return
                scenario_ = "deploy"
            else:
                scenario_ = scenario
            image = self._new_image(svc)
            # One multi-stage workflow builds the image and updates the HLD: p2 == p1.
            d = self._ring_deployment(scenario_, image, "dev", mode.live, p2=image.p1)
            if scenario_ == "deploy":
                promote = promote_to
                if promote is None:
                    promote = ("master",) if self.rng.random() < mode.promote_chance else ()
                d.promote_to = promote
            async for delay in self._journey(engine, d, image, build=True):
                yield delay

        return journey()

    # -- journeys ----------------------------------------------------------------------

    async def _write(self, engine: _Engine, **fields: Any) -> None:
        rec = StageRecord(partition=self.partition, **fields)
        await record(engine.store, rec, clock=engine.now)

    async def _journey(
        self, engine: _Engine, d: DemoDeployment, image: Image, build: bool
    ) -> Journey:
        """Image build (optional) → metadata update + PR → merge → manifest → syncs."""
        mode = engine.mode
        svc = image.service
        src = source_repo(svc)
        if build:
            image_fields = dict(
                stage="image", p1=image.p1, image_tag=image.tag, commit_id=image.commit,
                service=svc, repository=src, url=run_url(src, image.p1),
                author=image.author, author_email=image.author_email,
            )
            t1 = _iso(engine.now())
            await self._write(engine, **image_fields, status="started", started_at=t1)
            yield self._delay(mode, "build")
            outcome = {"fail-build": "failed", "cancel-build": "canceled"}.get(d.scenario, "succeeded")
            await self._write(
                engine, **image_fields, status=outcome, started_at=t1,
                finished_at=_iso(engine.now()),
            )
            if outcome != "succeeded":
                d.done = True
                return
            good = self._good[svc]
            good.append(image)
            del good[:-20]
            yield self._delay(mode, "handoff")

        hld_fields = dict(
            stage="hld", p2=d.p2, image_tag=image.tag, env=d.ring, repository=HLD_REPO,
            url=run_url(src, d.p2 or ""),
        )
        t2 = _iso(engine.now())
        await self._write(engine, **hld_fields, status="started", started_at=t2)
        yield self._delay(mode, "hld")
        pr_fields = dict(hld_commit_id=d.hld_commit, pr=d.pr, pr_title=d.pr_title)
        await self._write(
            engine, **hld_fields, **pr_fields, pr_state="open", status="succeeded",
            started_at=t2, finished_at=_iso(engine.now()),
        )
        if d.scenario == "waiting":
            d.done = True
            return  # nobody reviews it: the PR stays open

        yield self._delay(mode, "slow_approval" if d.scenario == "slow-approval" else "approval")
        if d.expected == "canceled":  # closed-pr, or a slow approval that was given up
            await self._write(engine, **hld_fields, **pr_fields, pr_state="closed")
            d.done = True
            return
        await self._write(
            engine, **hld_fields, **pr_fields, pr_state="merged", merged_by=d.merged_by
        )
        yield self._delay(mode, "handoff")

        # Stage 3 runs on the merge commit and finds the row by the PR.
        manifest_fields = dict(
            stage="manifest", p3=d.p3, hld_commit_id=d.merge_commit, pr=d.pr,
            repository=MANIFEST_REPO, url=run_url(HLD_REPO, d.p3 or ""),
        )
        t3 = _iso(engine.now())
        await self._write(engine, **manifest_fields, status="started", started_at=t3)
        yield self._delay(mode, "manifest")
        if d.scenario == "fail-manifest":
            await self._write(
                engine, **manifest_fields, status="failed", started_at=t3,
                finished_at=_iso(engine.now()),
            )
            d.done = True
            return
        await self._push(engine, d, t3)
        for cluster in CLUSTERS:
            yield self._delay(mode, "sync")
            await self._sync(engine, cluster)
        d.done = True

        if d.promote_to:
            ring, rest = d.promote_to[0], d.promote_to[1:]

            async def promotion() -> Journey:
                nxt = self._ring_deployment("promote", image, ring, mode.live)
                nxt.promote_to = rest
                async for delay in self._journey(engine, nxt, image, build=False):
                    yield delay

            engine.schedule(promotion(), self._delay(mode, "promote"))

    async def _manual(self, engine: _Engine) -> Journey:
        """Someone pushed to the HLD repo by hand: only stage 3 runs, no image behind it."""
        mode = engine.mode
        name, email = self.rng.choice(AUTHORS)
        d = DemoDeployment(
            scenario="manual", expected="succeeded", live=mode.live, p3=self._run_id(),
            hld_commit=self._sha()[:7], author=name,
        )
        self.deployments.append(d)
        manifest_fields = dict(
            stage="manifest", p3=d.p3, hld_commit_id=d.hld_commit, repository=MANIFEST_REPO,
            url=run_url(HLD_REPO, d.p3 or ""), author=name, author_email=email,
        )
        t3 = _iso(engine.now())
        await self._write(engine, **manifest_fields, status="started", started_at=t3)
        yield self._delay(mode, "manifest")
        await self._push(engine, d, t3)
        for cluster in CLUSTERS:
            yield self._delay(mode, "sync")
            await self._sync(engine, cluster)
        d.done = True

    async def _push(self, engine: _Engine, d: DemoDeployment, started: str) -> None:
        full = self._sha()
        d.manifest_commit = full[:7]
        await self._write(
            engine, stage="manifest-push", p3=d.p3, manifest_commit_id=d.manifest_commit,
            repository=MANIFEST_REPO, url=run_url(HLD_REPO, d.p3 or ""), status="succeeded",
            started_at=started, finished_at=_iso(engine.now()),
        )
        self._head = full

    async def _sync(self, engine: _Engine, cluster: str) -> None:
        """The cluster's agent applies the newest manifest commit (Flux tags the full sha)."""
        if self._head is None:
            return
        await self._write(
            engine, stage="cluster-sync", cluster=cluster, manifest_commit_id=self._head,
            repository=MANIFEST_REPO, synced_at=_iso(engine.now()),
        )

    # -- history -----------------------------------------------------------------------

    def _history_plan(
        self, now: datetime
    ) -> list[tuple[datetime, str, str | None, tuple[str, ...] | None]]:
        rng = self.rng
        count = rng.randint(24, 28)
        start = now - timedelta(days=HISTORY_DAYS)
        end = now - timedelta(hours=3)  # every chain (dev → master) ends before now
        step = (end - start) / (count - 1)
        specials: dict[int, tuple[str, str | None, tuple[str, ...] | None]] = {
            0: ("deploy", "frontend", ("master",)),
            # securitybugfix gets these two early images and nothing later: it runs
            # older images than master.
            1: ("deploy", "backend", ("master", "securitybugfix")),
            2: ("deploy", "frontend", ("master", "securitybugfix")),
            3: ("fail-build", "backend", ()),
            7: ("closed-pr", None, ()),
            10: ("manual", None, ()),
            13: ("fail-manifest", None, ()),
            16: ("cancel-build", None, ()),
        }
        plan = []
        for i in range(count):
            when = start + step * i - step * rng.uniform(0, 0.4) if i else start
            scenario, service, promote = specials.get(i, ("deploy", None, None))
            plan.append((when, scenario, service or rng.choice(SERVICES), promote))
        plan.append((now - timedelta(minutes=rng.uniform(40, 60)), "waiting", rng.choice(SERVICES), ()))
        plan.sort(key=lambda slot: slot[0])
        return plan

    async def backfill(
        self, store: Store, now: datetime | None = None, *, stop: asyncio.Event | None = None
    ) -> list[DemoDeployment]:
        """Write a few days of finished history ending before ``now``; returns what it wrote."""
        now = now or self.clock()
        latest = now - timedelta(seconds=1)
        mode = _Mode(HISTORY_STEPS, 1.0, promote_chance=0.75, live=False)
        engine = _Engine(store, None, mode)
        engine.virtual = now - timedelta(days=HISTORY_DAYS + 1)
        engine.store = _Backdated(store, engine.now)  # type: ignore[assignment]
        first = len(self.deployments)
        for when, scenario, service, promote in self._history_plan(now):
            engine.schedule(self._begin(engine, scenario, service, promote), at=when)
        while engine.queue:
            if stop is not None and stop.is_set():
                break
            due, _, journey = heapq.heappop(engine.queue)
            engine.virtual = max(engine.virtual, min(due, latest))
            try:
                delay = await journey.__anext__()
            except StopAsyncIteration:
                continue
            engine.schedule(journey, delay)
        return self.deployments[first:]

    # -- live --------------------------------------------------------------------------

    def _spawner(self, engine: _Engine) -> Journey:
        async def spawner() -> Journey:
            mode = engine.mode
            for scenario, service, promote in OPENING:
                engine.schedule(self._begin(engine, scenario, service, promote))
                yield self._delay(mode, "opening")
            names = [name for name, _ in LIVE_MIX]
            weights = [weight for _, weight in LIVE_MIX]
            while True:
                scenario = self.rng.choices(names, weights)[0]
                engine.schedule(self._begin(engine, scenario, None))
                yield self._delay(mode, "spawn")

        return spawner()

    async def run(
        self, store: Store, stop: asyncio.Event, *, max_steps: int | None = None
    ) -> int:
        """Live deployments until ``stop`` is set (or ``max_steps`` steps ran).

        Calling it again continues where it left off. Returns the steps run by this call.
        """
        if self._live is None:
            mode = _Mode(LIVE_STEPS, self.speed, promote_chance=0.6, live=True)
            self._live = _Engine(store, self.clock, mode)
            self._spawner_journey = self._spawner(self._live)
            self._live.schedule(self._spawner_journey)
        engine = self._live
        engine.store = store
        steps = 0
        failures = 0
        while not stop.is_set() and (max_steps is None or steps < max_steps):
            due, _, journey = engine.queue[0]
            wait = (due - self.clock()).total_seconds()
            if wait > 0:
                await self._pause(wait, stop)
                continue
            heapq.heappop(engine.queue)
            steps += 1
            self.steps_run += 1
            try:
                delay = await journey.__anext__()
            except StopAsyncIteration:
                failures = 0
                continue
            except Exception as exc:
                # One failed write drops that deployment; the stream goes on unless it
                # keeps failing (or there is nobody to tell).
                if self.on_error is None or journey is self._spawner_journey:
                    raise
                failures += 1
                log.debug("demo step failed", exc_info=True)
                self.on_error(exc)
                if failures >= MAX_CONSECUTIVE_ERRORS:
                    raise
                continue
            failures = 0
            engine.schedule(journey, delay)
        return steps

    async def _pause(self, seconds: float, stop: asyncio.Event) -> None:
        """``sleep(seconds)``, cut short when ``stop`` is set."""
        sleeper = asyncio.ensure_future(self.sleep(seconds))
        stopper = asyncio.ensure_future(stop.wait())
        try:
            await asyncio.wait((sleeper, stopper), return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (sleeper, stopper):
                if not task.done():
                    task.cancel()
        if sleeper.done() and not sleeper.cancelled():
            sleeper.result()  # a failing sleep is an error, not a wake-up


# -- the background thread --------------------------------------------------------------


class DemoHandle:
    """A simulator running in its own thread; ``stop()`` ends it and closes its store.

    ``ready`` is set once the history is written (or the thread failed: check
    ``error``). ``error`` is the last exception the simulator raised, ``errors`` how many
    there were; a failed live step is recorded there and the simulation carries on.
    """

    def __init__(self, store_config: StoreConfig, simulator: Simulator, backfill: bool) -> None:
        self.store_config = store_config
        self.simulator = simulator
        self.ready = threading.Event()
        self.error: BaseException | None = None
        self.errors = 0
        self.store: Store | None = None  # the thread's own connection, closed on stop
        self._backfill = backfill
        self._lock = threading.Lock()
        self._stop_requested = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop_event: asyncio.Event | None = None
        simulator.on_error = self._note_error
        self.thread = threading.Thread(target=self._main, name="gitops-tui-demo", daemon=True)

    @property
    def alive(self) -> bool:
        return self.thread.is_alive()

    def _note_error(self, exc: BaseException) -> None:
        self.error = exc
        self.errors += 1

    def stop(self, timeout: float = 5.0) -> bool:
        """Stop the simulator and wait for its thread; True when it has ended."""
        with self._lock:
            self._stop_requested = True
            loop, event = self._loop, self._stop_event
        if loop is not None and event is not None:
            try:
                loop.call_soon_threadsafe(event.set)
            except RuntimeError:  # the loop has already closed
                pass
        if self.thread.is_alive() and threading.current_thread() is not self.thread:
            self.thread.join(timeout)
        return not self.thread.is_alive()

    def _main(self) -> None:
        try:
            asyncio.run(self._amain())
        except BaseException as exc:  # noqa: BLE001 - kept for the caller, never lost
            log.debug("demo simulator stopped by an error", exc_info=True)
            self._note_error(exc)
        finally:
            self.ready.set()

    async def _amain(self) -> None:
        stop = asyncio.Event()
        with self._lock:
            self._loop = asyncio.get_running_loop()
            self._stop_event = stop
            if self._stop_requested:
                stop.set()
        store = self.store = make_store(self.store_config)
        try:
            await store.open(create=True)
            if self._backfill:
                await self.simulator.backfill(store, stop=stop)
            self.ready.set()
            await self.simulator.run(store, stop)
        finally:
            await store.close()


def start_in_thread(
    store_config: StoreConfig,
    *,
    seed: int | None = None,
    speed: float = 1.0,
    backfill: bool = True,
    clock: Callable[[], datetime] = utcnow,
) -> DemoHandle:
    """Start the simulator on its own store connection in a daemon thread."""
    simulator = Simulator(
        partition=store_config.partition or PARTITION, seed=seed, speed=speed, clock=clock
    )
    handle = DemoHandle(store_config, simulator, backfill)
    handle.thread.start()
    return handle


def scenarios(deployments: Iterable[DemoDeployment]) -> dict[str, list[DemoDeployment]]:
    """The planned deployments grouped by scenario."""
    out: dict[str, list[DemoDeployment]] = {}
    for d in deployments:
        out.setdefault(d.scenario, []).append(d)
    return out
