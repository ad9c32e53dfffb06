"""Live updates: the monitor's worker, its publications, pause, and the status bar.

The :class:`~gitops_tui.monitor.Monitor` runs in a Textual worker (``monitor.run()``:
full load, then incremental polls on the configured interval, with capped backoff while
the store fails). Each publication reaches the app as a ``DataUpdate`` message; the app
applies it to its :class:`TableModel` (incrementally when the snapshot says what changed),
keeping the cursor on the same deployment. Nothing on the UI side waits for I/O. While
paused (``space``) snapshots are held and applied on resume; the status bar keeps
showing the polls.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from datetime import datetime

from textual import work
from textual.css.query import NoMatches
from textual.message import Message
from textual.worker import Worker, WorkerState

from gitops_tui.config import Config
from gitops_tui.domain.model import Snapshot
from gitops_tui.index.table import TableModel
from gitops_tui.enrich.service import EnrichmentService
from gitops_tui.monitor import ERROR, Monitor, PollStatus, Update
from gitops_tui.tui.insights_state import InsightsState
from gitops_tui.tui.widgets.column_layout import HEADERS
from gitops_tui.tui.widgets.deployment_table import DeploymentTable
from gitops_tui.tui.widgets.status_bar import StatusBar, StatusInfo

# A monitor that crashed (a bug, not a store error) is restarted after this long.
MONITOR_RESTART_S = 5.0
# Held snapshots beyond this are dropped (the newest wins; applied as a full rebuild).
MAX_HELD = 64


class LiveUpdates:
    """Mixed into :class:`~gitops_tui.tui.app.GitopsApp` (which sets the state below)."""

    config: Config
    monitor: Monitor
    clock: Callable[[], datetime]
    index: TableModel
    status: PollStatus
    snapshot: Snapshot | None  # the one on screen
    enrichment: EnrichmentService | None  # when providers are configured
    held: list[Snapshot]
    paused: bool
    _froze_gc: bool
    _ui_ready: bool
    _early_updates: list[Update]
    _monitor_restarts: int
    insights: InsightsState
    sync_stuck: Callable[[], None]

    class DataUpdate(Message, namespace="gitops_app"):
        """One publication of the monitor, delivered on the app's thread."""

        def __init__(self, update: Update) -> None:
            super().__init__()
            self.update = update

    def start_polling(self) -> None:
        self._poll_loop()

    @work(exclusive=True, exit_on_error=False, group="monitor", name="monitor")
    async def _poll_loop(self) -> None:
        """The monitor's own loop: load, then poll forever (it never raises on store
        errors; anything else ends the worker and is shown, then retried)."""
        await self.monitor.run()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.name == "monitor" and event.state == WorkerState.ERROR:
            error = event.worker.error
            self.status = PollStatus(
                state=ERROR if self.status.last_ok is None else "STALE",
                last_ok=self.status.last_ok,
                error=f"monitor stopped: {type(error).__name__}: {error}",
                rows_loaded=self.status.rows_loaded,
                failures=self.status.failures + 1,
                next_poll_s=MONITOR_RESTART_S,
            )
            self._refresh_status()
            self._monitor_restarts += 1
            self.set_timer(MONITOR_RESTART_S, self.start_polling)

    def _on_monitor_update(self, update: Update) -> None:
        # Called inside the monitor's task on this thread: hand over as a message so
        # the UI work happens in order, between frames.
        self.post_message(self.DataUpdate(update))

    def on_gitops_app_data_update(self, message: DataUpdate) -> None:
        if not self._ui_ready:  # published before the widgets exist: apply on mount
            self._early_updates.append(message.update)
            return
        try:
            self.apply_update(message.update)
        except NoMatches:  # a publication that arrives while the app is shutting down
            pass

    def apply_update(self, update: Update) -> None:
        """Take one publication: status always, data unless paused."""
        self.status = update.status
        snapshot = update.snapshot
        if snapshot is not self.snapshot and (not self.held or snapshot is not self.held[-1]):
            if self.paused:
                self.held.append(snapshot)
                if len(self.held) > MAX_HELD:
                    self.held = self.held[-1:]
            else:
                self._apply_snapshot(snapshot)
        self._refresh_status()

    def _apply_snapshot(self, snapshot: Snapshot) -> None:
        table = self.table
        anchor = table.capture()
        first_full = snapshot.loaded and (self.snapshot is None or not self.snapshot.loaded)
        self.index.update(snapshot)
        self.snapshot = snapshot
        # At most 20k deployments the insights load with the first full load (~0.2 s);
        # beyond, on first use (status:stuck, :insights, a journey): ~1 s at 100k.
        small = snapshot.loaded and len(snapshot.deployments) <= 20_000
        if self.index.query.asks_stuck or self.insights.generation is not None or small:
            self.sync_stuck()  # (once the insights are loaded, each poll keeps them up to date)
        table.empty_message = self._empty_message()
        table.set_now(self.clock())
        table.restore(anchor, live=True)
        self._refresh_view()
        if first_full and not self._froze_gc:
            # Everything loaded is long-lived: move it out of the cyclic GC's reach so
            # that full collections stop walking a million objects (200+ ms stalls at
            # 100k rows). Replaced rows are still freed by reference counting.
            gc.freeze()
            self._froze_gc = True
        if snapshot.loaded and not self.index.primed:
            self._prime_values()

    @work(exclusive=True, group="prime", name="prime")
    async def _prime_values(self) -> None:
        """Precompute the value sets of filters and pickers, one pass per idle slice."""
        import asyncio

        while not self.index.prime(1):
            await asyncio.sleep(0.01)

    def on_deployment_table_sort_changed(self, message: DeploymentTable.SortChanged) -> None:
        self._refresh_status()
        if self.snapshot is not None and self.snapshot.loaded and not self.index.primed:
            self._prime_values()  # a new sort restarts nothing: the sets do not depend on it

    def _empty_message(self) -> str:
        if self.snapshot is None or (not self.snapshot.loaded and not self.snapshot.deployments):
            if self.status.state == ERROR:
                return "No data: the store cannot be read (see below)."
            return "Loading…"
        if self.index.query:
            if not self.index.complete:  # none among the first rows searched, so far
                return "Searching…"
            if self.index.query.asks_stuck and not self.insights.ready:
                return "Computing insights…"
            return "No deployment matches the filter (esc clears it)."
        return "No deployments in the store yet."

    # -- periodic ------------------------------------------------------------------------

    def _tick(self) -> None:
        """Once a second: ages in the status bar; relative times in the views."""
        try:
            self._tick_now()
        except NoMatches:  # shutting down
            pass

    def _tick_now(self) -> None:
        now = self.clock()
        self.table.set_now(now)
        self._refresh_status()
        self.query_one(StatusBar).tick()
        if self.view != "deployments":
            self._refresh_view()

    def _refresh_status(self) -> None:
        sort = HEADERS.get(self.index.sort_column or "updated", "?")
        sort += " ▼" if self.index.descending else " ▲"
        store = self.monitor.store
        snapshot = self.snapshot
        status = self.status
        info = StatusInfo(
            store=getattr(store, "description", "?"),
            partition=getattr(store, "partition", None),
            shown=len(self.index),
            counting=not self.index.complete,
            total=self.index.total,
            status=status,
            loaded=bool(snapshot is not None and snapshot.loaded),
            streaming=bool(snapshot is not None and not snapshot.loaded),
            query=str(self.index.query) if self.index.query else "",
            sort=sort,
            paused=self.paused,
            held=len(self.held),
            view=self.view,
            now=self.clock(),
            enrichment=self.enrichment.progress() if self.enrichment is not None else None,
            sync_problem=self.monitor.sync_problem,
        )
        self.query_one(StatusBar).show(info)
        table = self.table
        message = self._empty_message()
        if table.empty_message != message:
            table.empty_message = message
            table.refresh()

    # -- live control ------------------------------------------------------------------

    def action_poll_now(self) -> None:
        self.monitor.poll_now()
        self.notify("polling now…", timeout=1.5)

    def action_pause(self) -> None:
        self.paused = not self.paused
        if not self.paused:
            held, self.held = self.held, []
            for snapshot in held:
                if snapshot is not self.snapshot:
                    self._apply_snapshot(snapshot)
        self._refresh_status()
