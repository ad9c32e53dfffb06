"""Test doubles for the TUI: an in-memory Store that can fail or hang, a frozen clock,
and a deterministic story of deployments written through ``record`` (the same path the
pipelines use)."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from gitops_tui.config import Config, StoreConfig
from gitops_tui.domain.rows import Row, cluster_partition
from gitops_tui.monitor import Monitor
from gitops_tui.writer import StageRecord, record
from gitops_tui.stores.base import ConflictError, Store, StoreError, Versioned, in_scope
from gitops_tui.domain.timefmt import to_iso

T0 = datetime(2025, 1, 15, 9, 0, 0, tzinfo=UTC)
NOW = datetime(2025, 1, 15, 12, 0, 0, tzinfo=UTC)
PARTITION = "trivia"
INJECTED_SERVICE = "[bold red]x[/]"
INJECTED_AUTHOR = "\x1b[31mmallory\x1b[0m [b]boss[/b]"
INJECTED_TITLE = "[link=http://evil.example]click me[/link] \x1b]0;pwned\x07 \x1b[2J"


class FrozenClock:
    """A clock that only moves when told to."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def set(self, when: datetime) -> None:
        self.now = when

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class FakeStore:
    """An in-memory :class:`~gitops_tui.stores.base.Store`.

    ``fail = "message"`` makes every read raise ``StoreError(message)`` (an outage);
    ``hang = True`` makes reads wait until ``hang`` is cleared (a store that stopped
    answering: the monitor's deadline turns it into an error). ``reads`` counts reads.
    """

    def __init__(
        self,
        rows: Iterable[Row] = (),
        *,
        clock: FrozenClock | None = None,
        partition: str | None = None,
        description: str = "fake:telemetry",
    ) -> None:
        self.description = description
        self.partition = partition
        self.clock = clock or FrozenClock(T0)
        self.rows: dict[tuple[str, str], tuple[int, str, Row]] = {}  # key -> (seq, etag, row)
        self._seq = 0
        self._etags = itertools.count(1)
        self.fail: str | None = None
        self.hang = False
        self.hold_after_first_page = False  # a full load that streams slowly
        self.reads = 0
        self.closed = False
        for row in rows:
            self._write(row)

    # -- control -----------------------------------------------------------------------

    async def _gate(self) -> None:
        self.reads += 1
        while self.hang:
            await asyncio.sleep(0.01)
        if self.fail:
            raise StoreError(f"{self.description}: {self.fail}")

    def _write(self, row: Row) -> str:
        doc = {k: str(v) for k, v in row.items() if v is not None and v != ""}
        doc["Timestamp"] = doc.get("Timestamp") or to_iso(self.clock())
        self._seq += 1
        etag = f"W/\"{next(self._etags)}\""
        self.rows[(doc.get("PartitionKey", ""), doc["RowKey"])] = (self._seq, etag, doc)
        return etag

    def put(self, *rows: Row) -> None:
        """Write rows as they are (Timestamp = the clock if absent)."""
        for row in rows:
            self._write(row)

    def _scoped(self) -> list[tuple[int, str, Row]]:
        return [v for v in self.rows.values() if in_scope(v[2].get("PartitionKey", ""), self.partition)]

    # -- the Store protocol ------------------------------------------------------------

    async def open(self, create: bool = False) -> None:
        await self._gate()

    async def close(self) -> None:
        self.closed = True

    async def scan(self, page_size: int = 1000, first_page: int | None = None) -> AsyncIterator[list[Row]]:
        await self._gate()
        ordered = sorted(self._scoped(), key=lambda v: -v[0])
        size, i = first_page or page_size, 0
        while i < len(ordered):
            await self._gate()
            if i > 0:
                while self.hold_after_first_page:
                    await asyncio.sleep(0.01)
            yield [dict(v[2]) for v in ordered[i : i + size]]
            i, size = i + size, page_size

    async def cursor_now(self) -> int:
        await self._gate()
        return self._seq

    async def changed_since(self, cursor: int) -> tuple[list[Row], int]:
        await self._gate()
        fresh = sorted((v for v in self._scoped() if v[0] > (cursor or 0)), key=lambda v: v[0])
        if not fresh:
            return [], cursor
        return [dict(v[2]) for v in fresh], fresh[-1][0]

    async def get(self, partition: str, row_key: str) -> Versioned | None:
        found = self.rows.get((partition, row_key))
        return None if found is None else Versioned(dict(found[2]), found[1])

    async def find(self, partition: str, column: str, value: str) -> list[Versioned]:
        hits = sorted(
            (v for (p, _), v in self.rows.items() if p == partition and v[2].get(column) == value),
            key=lambda v: v[0],
        )
        return [Versioned(dict(v[2]), v[1]) for v in hits]

    async def insert(self, row: Row) -> str:
        key = (row.get("PartitionKey", ""), row["RowKey"])
        if key in self.rows:
            raise ConflictError(f"{self.description}: row {key[1]} already exists")
        return self._write({**row, "Timestamp": ""})

    async def replace(self, row: Row, etag: str) -> str:
        key = (row.get("PartitionKey", ""), row["RowKey"])
        found = self.rows.get(key)
        if found is None or found[1] != etag:
            raise ConflictError(f"{self.description}: row {key[1]} changed since it was read")
        return self._write({**row, "Timestamp": ""})

    async def upsert_many(self, rows: Iterable[Row]) -> int:
        n = 0
        for row in rows:
            self._write({**row, "Timestamp": ""})
            n += 1
        return n

    async def count(self) -> int:
        return len(self._scoped())


assert isinstance(FakeStore(), Store)


# -- a deterministic story -------------------------------------------------------------


def _at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


async def _rec(store: Any, clock: FrozenClock, minutes: float, **fields: Any) -> None:
    clock.set(_at(minutes))
    fields.setdefault("partition", PARTITION)
    for name in ("started_at", "finished_at", "synced_at"):
        value = fields.get(name)
        if isinstance(value, (int, float)):
            fields[name] = to_iso(_at(value))
    await record(store, StageRecord(**fields), clock=clock)


async def deploy(
    store: Any, clock: FrozenClock, minutes: float, *, service: str, ring: str, build: int,
    author: str, commit: str, upto: str = "push", pr_state: str = "merged",
    fail: str | None = None, tag: str | None = None, p2: int | None = None,
    pr_title: str | None = None, merged_by: str = "Bob Ruiz",
) -> None:
    """One image's journey into one ring, up to stage ``upto`` (image|hld|manifest|push);
    ``fail`` names the stage that fails; the last stage may be left running (upto='image-run')."""
    tag = tag or f"{service}-{ring}-{build}"
    m = minutes
    image_status = "failed" if fail == "image" else ("started" if upto == "image-run" else "succeeded")
    await _rec(store, clock, m, p1=str(build), image_tag=tag, commit_id=commit, service=service,
               repository=f"https://github.com/trivia/{service}", status=image_status,
               started_at=m, finished_at=None if image_status == "started" else m + 3,
               url=f"https://dev.azure.com/trivia/_build/results?buildId={build}",
               author=author, author_email=f"{author.split()[0].lower()}@trivia.example")
    if upto in ("image", "image-run") or fail == "image":
        return
    hld_commit = f"h{build:06d}"
    merged = pr_state == "merged"
    await _rec(store, clock, m + 4, p2=str(p2 or build), image_tag=tag, env=ring, hld_commit_id=hld_commit,
               pr=str(build % 1000), status="failed" if fail == "hld" else "succeeded",
               started_at=m + 4, finished_at=m + 5, pr_state=pr_state,
               pr_title=pr_title or f"Update {service} in {ring} to {tag}",
               merged_by=merged_by if merged else None,
               repository="https://github.com/trivia/hld")
    if upto == "hld" or fail == "hld" or not merged:
        return
    await _rec(store, clock, m + 8, p3=str(build + 5000), hld_commit_id=hld_commit,
               status="failed" if fail == "manifest" else ("started" if upto == "manifest" else "succeeded"),
               started_at=m + 8, finished_at=None if upto == "manifest" else m + 10)
    if upto == "manifest" or fail == "manifest":
        return
    await _rec(store, clock, m + 11, stage="manifest-push", p3=str(build + 5000),
               manifest_commit_id=f"m{build:06d}", status="succeeded", finished_at=m + 11,
               repository="https://github.com/trivia/manifests")


async def seed_story(store: Any, clock: FrozenClock, *, injection: bool = True) -> None:
    """The trivia team's morning: frontend/backend into dev, master and securitybugfix,
    one failure, one PR waiting for approval, one running build, one manual HLD edit,
    two clusters (west-us lagging) and, with ``injection``, a row full of markup and
    escape sequences."""
    await deploy(store, clock, 0, service="frontend", ring="dev", build=101, author="Alice Ng", commit="a1b2c3d")
    await deploy(store, clock, 15, service="backend", ring="dev", build=201, author="Chen Li", commit="b2c3d4e")
    await deploy(store, clock, 30, service="frontend", ring="master", build=101, author="Alice Ng",
                 commit="a1b2c3d", tag="frontend-dev-101", p2=102)
    await deploy(store, clock, 45, service="backend", ring="master", build=201, author="Chen Li",
                 commit="b2c3d4e", tag="backend-dev-201", p2=202)
    await _rec(store, clock, 58, cluster="west-us", manifest_commit_id="m000201", synced_at=58)
    await deploy(store, clock, 60, service="frontend", ring="dev", build=103, author="Dana Ivers", commit="c3d4e5f")
    await deploy(store, clock, 75, service="backend", ring="securitybugfix", build=205, author="Eve Park",
                 commit="d4e5f60", upto="hld", pr_state="open")
    await deploy(store, clock, 90, service="backend", ring="dev", build=206, author="Chen Li",
                 commit="e5f6071", fail="image")
    # A manual HLD edit: a manifest build with no image behind it.
    await _rec(store, clock, 100, p3="7001", hld_commit_id="f00dfee", status="succeeded", started_at=100,
               finished_at=102, author="Bob Ruiz")
    await _rec(store, clock, 103, stage="manifest-push", p3="7001", manifest_commit_id="m007001",
               status="succeeded", finished_at=103)
    await _rec(store, clock, 110, cluster="east-us", manifest_commit_id="m007001", synced_at=110)
    await deploy(store, clock, 120, service="frontend", ring="securitybugfix", build=107, author="Alice Ng",
                 commit="f607182", upto="manifest")
    if injection:
        await deploy(store, clock, 130, service=INJECTED_SERVICE, ring="dev", build=666,
                     author=INJECTED_AUTHOR, commit="bad0bad", upto="hld", pr_state="open",
                     pr_title=INJECTED_TITLE)
    await deploy(store, clock, 140, service="frontend", ring="dev", build=108, author="Dana Ivers",
                 commit="0718293", upto="image-run")


async def story_store(*, injection: bool = True) -> FakeStore:
    clock = FrozenClock(T0)
    store = FakeStore(clock=clock)
    await seed_story(store, clock, injection=injection)
    return store


def monitor_for(store: Any, clock: FrozenClock, *, interval: float = 3600.0, deadline: float = 0.5,
                max_backoff: float = 0.2, page_size: int = 5000) -> Monitor:
    """A monitor that polls rarely unless told to (ctrl+r / poll_now), with short
    deadlines and backoff so outages play out in a test's time."""
    return Monitor(store, interval_s=interval, clock=clock, deadline_s=deadline, max_backoff_s=max_backoff,
                   first_page=min(200, page_size), page_size=page_size)


def config_for(**overrides: Any) -> Config:
    values: dict[str, Any] = {"store": StoreConfig(path=__import__("pathlib").Path("unused.db"))}
    values.update(overrides)
    return Config(**values)


def cluster_partition_of(partition: str = PARTITION) -> str:
    return cluster_partition(partition)


def screen_text(app: Any) -> str:
    """What the terminal shows, as plain text (one line per row)."""
    import io

    from rich.console import Console

    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), force_terminal=True,
                      color_system=None, record=True, legacy_windows=False, safe_box=False)
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens))
    return console.export_text(styles=False)


async def wait_for(pilot: Any, predicate: Any, timeout: float = 5.0, what: str = "condition") -> None:
    """Pause the pilot until ``predicate()`` holds (fails the test after ``timeout``)."""
    import time

    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(0.02)
    await pilot.pause()


async def wait_loaded(pilot: Any) -> None:
    app = pilot.app
    await wait_for(pilot, lambda: app.snapshot is not None and app.snapshot.loaded, what="the full load")
