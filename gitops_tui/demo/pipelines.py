"""The team's pipelines: the ids they hand out and the steps of each deployment.

Every step writes through :func:`gitops_tui.writer.record`, as the real pipelines'
``gitops-tui record`` steps do.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from gitops_tui.demo.engine import Engine, Journey, Mode
from gitops_tui.demo.scenario import (
    AUTHORS, CLUSTERS, HLD_REPO, MANIFEST_REPO, MERGERS, ORG_URL, OUTCOME, SERVICES,
    SLOW_APPROVAL_MERGE_CHANCE,
)
from gitops_tui.writer import StageRecord, record


def source_repo(service: str) -> str:
    """The GitHub repo a service's image is built from."""
    return f"{ORG_URL}/{service}"


def run_url(repo: str, run_id: str) -> str:
    """The page of one workflow run in ``repo``."""
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


def scenarios(deployments: Iterable[DemoDeployment]) -> dict[str, list[DemoDeployment]]:
    """The planned deployments grouped by scenario."""
    out: dict[str, list[DemoDeployment]] = {}
    for d in deployments:
        out.setdefault(d.scenario, []).append(d)
    return out


class Pipelines:
    """The ids, images and deployments of the team's pipelines, drawn from ``rng``."""

    def __init__(self, rng: random.Random, partition: str) -> None:
        self.rng = rng
        self.partition = partition
        self.deployments: list[DemoDeployment] = []
        self._run_ids = itertools.count(rng.randrange(9_000_000_000, 9_400_000_000))
        self._build_numbers = {s: itertools.count(rng.randrange(300, 2000)) for s in SERVICES}
        self._prs = itertools.count(rng.randrange(100, 400))
        self._shas: set[str] = set()
        self._good: dict[str, list[Image]] = {s: [] for s in SERVICES}
        self._head = ""  # the newest manifest commit pushed (full sha); syncs follow a push

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

    def delay(self, mode: Mode, step: str) -> float:
        """Seconds until ``step`` is done, drawn from ``mode``'s range for it."""
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
        expected = OUTCOME.get(scenario, "succeeded")
        if scenario == "slow-approval":
            expected = "succeeded" if self.rng.random() < SLOW_APPROVAL_MERGE_CHANCE else "canceled"
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

    def begin(
        self, engine: Engine, scenario: str, service: str | None,
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

    async def _write(self, engine: Engine, **fields: Any) -> None:
        # The writer stamps each stage's start and finish (and a sync's time) from the
        # engine's clock, so history rows carry simulated times like live ones.
        rec = StageRecord(partition=self.partition, **fields)
        await record(engine.store, rec, clock=engine.now)

    async def _journey(
        self, engine: Engine, d: DemoDeployment, image: Image, build: bool
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
            await self._write(engine, **image_fields, status="started")
            yield self.delay(mode, "build")
            outcome = {"fail-build": "failed", "cancel-build": "canceled"}.get(d.scenario, "succeeded")
            await self._write(engine, **image_fields, status=outcome)
            if outcome != "succeeded":
                d.done = True
                return
            good = self._good[svc]
            good.append(image)
            del good[:-20]
            yield self.delay(mode, "handoff")

        hld_fields = dict(
            stage="hld", p2=d.p2, image_tag=image.tag, env=d.ring, repository=HLD_REPO,
            url=run_url(src, d.p2 or ""),
        )
        await self._write(engine, **hld_fields, status="started")
        yield self.delay(mode, "hld")
        pr_fields = dict(hld_commit_id=d.hld_commit, pr=d.pr, pr_title=d.pr_title)
        await self._write(engine, **hld_fields, **pr_fields, pr_state="open", status="succeeded")
        if d.scenario == "waiting":
            d.done = True
            return  # nobody reviews it: the PR stays open

        yield self.delay(mode, "slow_approval" if d.scenario == "slow-approval" else "approval")
        if d.expected == "canceled":  # closed-pr, or a slow approval that was given up
            await self._write(engine, **hld_fields, **pr_fields, pr_state="closed")
            d.done = True
            return
        await self._write(
            engine, **hld_fields, **pr_fields, pr_state="merged", merged_by=d.merged_by
        )
        yield self.delay(mode, "handoff")

        # Stage 3 runs on the merge commit and finds the row by the PR.
        manifest_fields = dict(
            stage="manifest", p3=d.p3, hld_commit_id=d.merge_commit, pr=d.pr,
            repository=MANIFEST_REPO, url=run_url(HLD_REPO, d.p3 or ""),
        )
        async for delay in self._manifest(engine, d, manifest_fields):
            yield delay

        if d.promote_to:
            ring, rest = d.promote_to[0], d.promote_to[1:]

            async def promotion() -> Journey:
                nxt = self._ring_deployment("promote", image, ring, mode.live)
                nxt.promote_to = rest
                async for delay in self._journey(engine, nxt, image, build=False):
                    yield delay

            engine.schedule(promotion(), self.delay(mode, "promote"))

    async def _manual(self, engine: Engine) -> Journey:
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
        async for delay in self._manifest(engine, d, manifest_fields):
            yield delay

    async def _manifest(
        self, engine: Engine, d: DemoDeployment, manifest_fields: dict[str, Any]
    ) -> Journey:
        """Manifest generation → push (unless it fails) → each cluster syncs; ends ``d``."""
        mode = engine.mode
        await self._write(engine, **manifest_fields, status="started")
        yield self.delay(mode, "manifest")
        if d.scenario == "fail-manifest":
            await self._write(engine, **manifest_fields, status="failed")
            d.done = True
            return
        await self._push(engine, d)
        for cluster in CLUSTERS:
            yield self.delay(mode, "sync")
            await self._sync(engine, cluster)
        d.done = True

    async def _push(self, engine: Engine, d: DemoDeployment) -> None:
        full = self._sha()
        d.manifest_commit = full[:7]
        await self._write(
            engine, stage="manifest-push", p3=d.p3, manifest_commit_id=d.manifest_commit,
            repository=MANIFEST_REPO, url=run_url(HLD_REPO, d.p3 or ""), status="succeeded",
        )
        self._head = full

    async def _sync(self, engine: Engine, cluster: str) -> None:
        """The cluster's agent applies the newest manifest commit (Flux tags the full sha)."""
        await self._write(
            engine, stage="cluster-sync", cluster=cluster, manifest_commit_id=self._head,
            repository=MANIFEST_REPO,
        )
