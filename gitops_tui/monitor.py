"""The headless monitor: load, then poll incrementally, publishing immutable snapshots.

Views (the TUI, ``get``) never touch a store; they read :class:`Update` objects that the
monitor hands to a callback. A failing or slow store never takes the last good data
away: the state turns STALE (or ERROR before any data), polls back off up to a cap, and
the first successful poll recovers by itself.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from gitops_tui.index.blocks import seal_all
from gitops_tui.runtime.heap import release_free_memory
from gitops_tui.index.blocks import RowBlock
from gitops_tui.index.journey import JourneyIndex
from gitops_tui.domain.model import Snapshot
from gitops_tui.domain.rows import Row, row_key
from gitops_tui.stores.base import Cursor, FindsMissing, ListsKeys, ProjectedScan, ReportsBadRows, Store, StoreError, StoreReplaced
from gitops_tui.domain.timefmt import utcnow

LOADING, OK, STALE, ERROR = "LOADING", "OK", "STALE", "ERROR"
PROGRESS_EVERY_S = 0.25  # how often a full load reports its progress
# Polls see writes, not deletions: this often the keys in the store are listed and rows
# gone from it leave the view (at most every third poll, so a short interval does not
# list 100k keys every second).
RECONCILE_EVERY_S = 20.0


@dataclass(frozen=True, slots=True)
class PollStatus:
    """How fresh the data is; drawn by the status bar."""

    state: str = LOADING  # LOADING | OK | STALE | ERROR
    last_ok: datetime | None = None  # end of the last successful poll
    error: str | None = None  # the last error, safe to show (no secrets)
    rows_loaded: int = 0
    failures: int = 0  # consecutive failed polls
    next_poll_s: float = 0.0
    poll_ms: float = 0.0  # how long the last successful poll took
    bad_rows: int = 0  # rows the store skipped as not entities (``ReportsBadRows``)


@dataclass(frozen=True, slots=True)
class Update:
    """One publication: the data and how fresh it is."""

    snapshot: Snapshot
    status: PollStatus


Listener = Callable[[Update], None]


class Monitor:
    """Owns a store and a journey index; turns polls into :class:`Update` objects.

    ``clock`` is injected so tests can freeze time; ``deadline_s`` bounds each store call
    on top of the store's own timeouts.
    """

    def __init__(
        self,
        store: Store,
        *,
        interval_s: float = 5.0,
        clock: Callable[[], datetime] = utcnow,
        max_backoff_s: float = 60.0,
        deadline_s: float = 30.0,
        first_page: int = 200,
        page_size: int = 5000,
    ) -> None:
        self.store = store
        self.interval_s = interval_s
        self.clock = clock
        self.max_backoff_s = max_backoff_s
        self.deadline_s = deadline_s
        self.first_page = first_page
        self.page_size = page_size
        self.index = JourneyIndex(compact=True)
        self.cursor: Cursor = None
        self.loaded = False
        self.status = PollStatus()
        # The sync component's failure, when its source cannot be read: ``(error, when
        # the last known sync was read)``, shown in the status bar; None when all is well.
        self.sync_problem: tuple[str, datetime | None] | None = None
        self.snapshot = Snapshot(deployments=(), loaded=False)
        self._listeners: list[Listener] = []
        # True once a full load's rows are all compressed and the freed heap returned
        # (shortly after the load is published): memory is measured from then on.
        self.settled = False
        # True while a full load runs (an app holds off its idle GC collections: each
        # would walk the millions of objects the load is building).
        self.loading = False
        self._wake = asyncio.Event()
        # Facts from the layers above (enrichment, cluster sync): columns that fill a
        # row's gaps, kept here so a changed row or a reload gets them again.
        self._facts: dict[tuple[str, str], Row] = {}
        self._reconciled_at = 0.0  # time.monotonic() of the last key listing (or load)
        self._polls_since_reconcile = 0

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def _publish(self) -> Update:
        update = Update(self.snapshot, self.status)
        for listener in self._listeners:
            listener(update)
        return update

    async def _bounded(self, awaitable):  # type: ignore[no-untyped-def]
        try:
            return await asyncio.wait_for(awaitable, self.deadline_s)
        except TimeoutError:
            raise StoreError(f"{self.store.description}: no answer within {self.deadline_s:g}s") from None

    async def load(self) -> Update:
        """Full load (see :meth:`_load`); ``loading`` is True meanwhile."""
        self.loading = True
        try:
            return await self._load()
        finally:
            self.loading = False

    async def _load(self) -> Update:
        """Full load: publish the first (small) page at once, progress per page, then
        everything.

        Each page is joined in a worker thread while the next one is fetched, and its
        rows compressed in another while the next is joined (zstd drops the GIL), then
        dropped: only the compact deployments stay. Holding every decoded page until
        the end took 3 KB per row; compressing after joining, in the same thread, put
        30 ms a page on the critical path.
        """
        started = time.perf_counter()
        self.settled = False
        joining: asyncio.Future[list[RowBlock]] | None = None
        sealing: asyncio.Future[None] | None = None
        # (The compressing thread needs the GIL for a moment between blocks: the live
        # app runs with a short switch interval, see runtime.settings.)
        try:
            await self._bounded(self.store.open())
            cursor = await self._bounded(self.store.cursor_now())
            index = JourneyIndex(compact=True)
            loaded = 0
            # A store that can hand over projections (SQLite) spares the journey the decode.
            scan = self.store.scan_projected if isinstance(self.store, ProjectedScan) else self.store.scan
            pages = scan(self.page_size, first_page=self.first_page).__aiter__()
            shown = 0.0
            while True:
                try:
                    page = await self._bounded(pages.__anext__())
                except StopAsyncIteration:
                    break
                first = not loaded
                loaded += len(page)
                self.status = replace(self.status, rows_loaded=loaded)
                if first and not self.loaded:  # (a reload keeps the last data meanwhile)
                    preview = JourneyIndex()
                    preview.load(page)
                    self.snapshot = preview.snapshot(total_rows=loaded, loaded=False)
                if joining is not None:  # one page at a time: the index is not thread-safe
                    sealing = asyncio.ensure_future(_seal_after(sealing, await joining))
                joining = asyncio.ensure_future(asyncio.to_thread(_join_page, index, page))
                del page
                # Progress a few times a second: a redraw per page slowed the load by a third.
                if first or time.perf_counter() - shown >= PROGRESS_EVERY_S:
                    shown = time.perf_counter()
                    self._publish()
                    await asyncio.sleep(0)  # let the view draw
            if joining is not None:
                sealing = asyncio.ensure_future(_seal_after(sealing, await joining))
            await asyncio.to_thread(index.finish_load)
        except (StoreError, OSError) as exc:
            # Let the worker threads end first.
            await asyncio.gather(*(f for f in (joining, sealing) if f is not None), return_exceptions=True)
            return self._failed(exc)
        self.index = index
        self.cursor = cursor
        self.loaded = True
        self._reconciled_at, self._polls_since_reconcile = time.monotonic(), 0
        if self._facts:
            self._apply_facts(list(self._facts))
        self.snapshot = index.snapshot(loaded=True)
        self.status = PollStatus(
            state=OK,
            last_ok=self.clock(),
            rows_loaded=loaded,
            poll_ms=(time.perf_counter() - started) * 1000,
            bad_rows=self._bad_rows(),
        )
        # Published before the last pages are compressed (100-300 ms at 100k rows): a
        # block reads the same open or sealed, and the next poll waits for this one.
        # The compressing goes on to its end even if this load is cancelled (the
        # index is kept: nothing would compress its open blocks later).
        settling = asyncio.ensure_future(self._settle(sealing))
        update = self._publish()
        await asyncio.shield(settling)
        return update

    async def _settle(self, sealing: asyncio.Future[None] | None) -> None:
        """The end of a full load, after it is published: the last pages compressed and
        the freed heap returned to the OS; ``settled``."""
        try:
            if sealing is not None:
                await sealing
            await asyncio.to_thread(release_free_memory)
        finally:
            self.settled = True

    async def poll(self) -> Update:
        """One incremental poll (a full load first if none has succeeded yet)."""
        if not self.loaded:
            return await self.load()
        started = time.perf_counter()
        try:
            rows, cursor = await self._bounded(self.store.changed_since(self.cursor))
        except StoreReplaced:  # (a SQLite file moved over the old): everything again
            return await self.load()
        except (StoreError, OSError) as exc:
            return self._failed(exc)
        try:
            gone = await self._gone() if self._reconcile_due() else set()
        except (StoreError, OSError) as exc:
            return self._failed(exc)
        generation = self.index.generation
        changed = self.index.apply(self._with_facts(rows), gone) if rows or gone else set()
        self.cursor = cursor
        if self.index.generation != generation:
            self.snapshot = self.index.snapshot(changed=changed)
        self.status = PollStatus(
            state=OK,
            last_ok=self.clock(),
            rows_loaded=self.index.row_count,
            poll_ms=(time.perf_counter() - started) * 1000,
            bad_rows=self._bad_rows(),
        )
        return self._publish()

    def add_facts(self, facts: Mapping[tuple[str, str], Row]) -> Update | None:
        """Overlay ``facts`` (columns by row key) on the rows and publish what changed.

        A fact fills a column the stored row leaves blank; the store's own values win.
        Facts for a key the store does not hold yet wait for its row, unless they carry
        a whole row (``PartitionKey``/``RowKey``), as a cluster sync seen in git does.
        Returns the update published, or None when nothing changed (or a load runs:
        the load applies them when it ends).
        """
        previous = {key: self._facts.get(key, {}) for key in facts}
        for key, columns in facts.items():
            self._facts[key] = {**previous[key], **columns}
        if not self.loaded or self.loading:
            return None
        generation = self.index.generation
        changed = self._apply_facts(facts.keys(), previous)
        if self.index.generation == generation:
            return None
        self.snapshot = self.index.snapshot(changed=changed)
        return self._publish()

    def facts_of(self, key: tuple[str, str]) -> Row:
        """The facts overlaid on ``key`` so far (empty if none)."""
        return self._facts.get(key, {})

    def _apply_facts(self, keys, previous=None) -> set[tuple[str, str]]:  # type: ignore[no-untyped-def]
        rows = []
        previous = previous or {}
        for key in keys:
            facts = self._facts.get(key)
            if not facts:
                continue
            row = self.index.row(key)
            if row is None:
                if "PartitionKey" not in facts or "RowKey" not in facts:
                    continue  # (its row has not arrived yet)
                row = {}
            if previous and (old := previous.get(key)):
                # A fact that changed (a stage finished) replaces the value it filled in.
                row = {k: v for k, v in row.items() if not (k in old and old[k] == v != facts.get(k))}
            merged = overlay(row, facts)
            if merged != row:
                rows.append(merged)
        return self.index.apply(rows) if rows else set()

    def _with_facts(self, rows: list[Row]) -> list[Row]:
        if not self._facts:
            return rows
        facts = self._facts
        out = [overlay(row, facts[key]) if (key := row_key(row)) in facts else row for row in rows]
        return out if any(a is not b for a, b in zip(out, rows)) else rows

    def _reconcile_due(self) -> bool:
        self._polls_since_reconcile += 1
        return (
            isinstance(self.store, ListsKeys)
            and self._polls_since_reconcile >= 3
            and time.monotonic() - self._reconciled_at >= RECONCILE_EVERY_S
        )

    async def _gone(self) -> set[tuple[str, str]]:
        """Keys the index holds that the store no longer does (facts that carry a whole
        row are not the store's to delete)."""
        held = self.index.keys()  # (one set of 100k keys, a 4 MB table: not copied again)
        held.difference_update(key for key, facts in self._facts.items() if "RowKey" in facts)
        if isinstance(self.store, FindsMissing):  # (no set of every stored key: see there)
            gone = await self._bounded(self.store.missing(held))
        else:
            held.difference_update(await self._bounded(self.store.keys()))  # type: ignore[attr-defined]
            gone = held
        self._reconciled_at, self._polls_since_reconcile = time.monotonic(), 0
        return gone

    def _bad_rows(self) -> int:
        store = self.store
        return len(store.bad_rows) if isinstance(store, ReportsBadRows) else 0

    def _failed(self, exc: BaseException) -> Update:
        failures = self.status.failures + 1
        message = str(exc) or type(exc).__name__
        self.status = replace(
            self.status,
            state=STALE if self.status.last_ok is not None else ERROR,
            error=message.splitlines()[0][:300],
            failures=failures,
            next_poll_s=self.backoff(failures),
        )
        return self._publish()

    def backoff(self, failures: int) -> float:
        """Seconds to wait after ``failures`` consecutive failures (capped exponential)."""
        if failures <= 0:
            return self.interval_s
        return min(self.max_backoff_s, self.interval_s * (2 ** (failures - 1)))

    def poll_now(self) -> None:
        """Cut the current wait short (ctrl+r)."""
        self._wake.set()

    async def run(self) -> None:
        """Load, then poll forever on the interval (backing off while the store fails)."""
        while True:
            # (Cleared before the poll: a ctrl+r during it, or right after a full load
            # is published, polls again at once instead of being forgotten.)
            self._wake.clear()
            await self.poll()
            delay = self.backoff(self.status.failures) if self.status.failures else self.interval_s
            try:
                await asyncio.wait_for(self._wake.wait(), delay)
            except TimeoutError:
                pass

    async def close(self) -> None:
        await self.store.close()


def overlay(row: Row, facts: Row) -> Row:
    """``row`` with the columns it leaves blank (missing, None or "") filled from ``facts``."""
    blank = [k for k, v in facts.items() if v is not None and row.get(k) in (None, "")]
    if not blank:
        return row
    merged = dict(row)
    for k in blank:
        merged[k] = facts[k]
    return merged


def _join_page(index: JourneyIndex, page: list[Row]) -> list[RowBlock]:
    """One page of a full load into ``index`` (in a worker thread); its open blocks."""
    index.add_page(page)  # (the page's own documents: as blocks if it has them)
    return index.take_open_blocks()


async def _seal_after(before: asyncio.Future[None] | None, blocks: list[RowBlock]) -> None:
    """Compress ``blocks`` in a worker thread once the blocks before them are done (one
    compressing thread at a time: several only fought over the GIL)."""
    if before is not None:
        await before
    await asyncio.to_thread(seal_all, blocks)
