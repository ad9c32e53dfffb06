"""The live monitor: ``make_app(config, monitor)`` builds it, ``run_app`` runs it.

Data flow: the :class:`~gitops_tui.monitor.Monitor` runs in a Textual worker
(``monitor.run()``: full load, then incremental polls on the configured interval, with
capped backoff while the store fails). Each publication reaches the app as a
``DataUpdate`` message; the app applies it to its :class:`RowIndex` (incrementally when
the snapshot says what changed), keeping the cursor on the same deployment. Nothing on
the UI side waits for I/O. While paused (``space``) snapshots are held and applied on
resume; the status bar keeps showing the polls.

Views (k9s style): deployments (home), rings, clusters (``:`` to jump), and the
drill-down of one deployment (``enter``); ``esc`` goes back. Every binding has an id
and ``config.keymap`` remaps it (``App.set_keymap``); ``?`` lists them all.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from textual import events, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.css.query import NoMatches
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import ContentSwitcher, Footer, Input
from textual.timer import Timer
from textual.worker import Worker, WorkerState

from gitops_tui.config import Config
from gitops_tui.domain.model import Snapshot
from gitops_tui.monitor import ERROR, Monitor, PollStatus, Update
from gitops_tui.present import COLUMNS
from gitops_tui.domain.timefmt import utcnow
from gitops_tui.tui.idle_gc import IdleCollector
from gitops_tui.index.table import TableModel, replace_term
from gitops_tui.tui.views.clusters import ClustersView
from gitops_tui.tui.views.detail import DetailView
from gitops_tui.tui.views.help import HelpRow, HelpScreen
from gitops_tui.tui.views.rings import RingsView
from gitops_tui.tui.widgets.deployment_table import DeploymentTable
from gitops_tui.tui.widgets.filter_bar import FilterBar
from gitops_tui.tui.widgets.picker import Picker
from gitops_tui.tui.widgets.status_bar import StatusBar, StatusInfo

# config.theme -> Textual theme; "ansi" uses the terminal's own 16 colours (for
# terminals without truecolor, and for users who set their palette there).
THEMES = {"dark": "textual-dark", "light": "textual-light", "ansi": "ansi-dark"}
VIEWS = ("deployments", "rings", "clusters")
COMMANDS = ("deployments", "rings", "clusters", "help", "quit")
COMMAND_ALIASES = {
    "dp": "deployments", "deploy": "deployments", "d": "deployments", "home": "deployments",
    "r": "rings", "ring": "rings", "c": "clusters", "cluster": "clusters",
    "q": "quit", "q!": "quit", "exit": "quit", "h": "help", "?": "help",
}
HEADERS = dict((key, header) for header, key in COLUMNS)
# A monitor that crashed (a bug, not a store error) is restarted after this long.
MONITOR_RESTART_S = 5.0
# A filter finishes its search once the typing pauses this long (see RowIndex.finish).
FINISH_FILTER_AFTER_S = 0.05
FINISH_FILTER_SLICE = 8000  # deployments searched per slice (~3 ms at 100k)
# Held snapshots beyond this are dropped (the newest wins; applied as a full rebuild).
MAX_HELD = 64


class GitopsApp(App[None]):
    """See the module docstring. Build it with :func:`make_app`."""

    CSS_PATH = Path(__file__).with_name("app.tcss")  # absolute: subclasses live elsewhere
    AUTO_FOCUS = "#deployments"
    ENABLE_COMMAND_PALETTE = False

    # The keys that open the filter line or a prompt are priority bindings: they run
    # as the app reads the key, before it hands the next keys on, so text typed right
    # after them (a paste, a burst over a slow ssh link) lands in the prompt. A focused
    # text input still gets them as text.
    BINDINGS = [
        Binding("q", "quit", "Quit", id="quit", priority=True,
                tooltip="Quit (closes help or a picker first)"),
        Binding("question_mark", "help", "Help", id="help", priority=True, tooltip="This help"),
        Binding("slash", "filter", "Filter", id="filter", priority=True,
                tooltip="Filter line: type to filter live (query language below)"),
        Binding("colon", "command", "Jump", id="command", priority=True,
                tooltip="Jump to a view: deployments, rings, clusters (with completion)"),
        Binding("s", "pick('service')", "Service", id="pick_service", priority=True, show=False,
                tooltip="Pick a service from the data (sets the service: term)"),
        Binding("r", "pick('ring')", "Ring", id="pick_ring", priority=True, show=False,
                tooltip="Pick a ring from the data (sets the ring: term)"),
        Binding("a", "pick('author')", "Author", id="pick_author", priority=True, show=False,
                tooltip="Pick an author from the data (sets the author: term)"),
        Binding("ctrl+r", "poll_now", "Poll now", id="poll_now", show=False,
                tooltip="Poll the store now (also cuts a backoff wait short)"),
        Binding("space", "pause", "Pause", id="pause",
                tooltip="Pause / resume the display (polling goes on; updates are held)"),
        Binding("escape", "back", "Back", id="back", show=False,
                tooltip="Leave the view (back), else clear the filter"),
    ]

    class DataUpdate(Message):
        """One publication of the monitor, delivered on the app's thread."""

        def __init__(self, update: Update) -> None:
            super().__init__()
            self.update = update

    def __init__(
        self,
        config: Config,
        monitor: Monitor,
        *,
        clock: Callable[[], datetime] = utcnow,
        title: str = "gitops-tui",
        poll: bool = True,
    ) -> None:
        super().__init__()
        self.config = config
        self.monitor = monitor
        self.clock = clock
        self.title = title
        self.poll_enabled = poll
        self.index = TableModel()
        self.status: PollStatus = monitor.status
        self.snapshot: Snapshot | None = None  # the one on screen
        self.held: list[Snapshot] = []
        self.paused = False
        self.view_stack: list[str] = ["deployments"]
        self.detail_key: tuple[str, str] | None = None
        self._froze_gc = False
        self.collector = IdleCollector()
        self._finish_timer: Timer | None = None
        self._ui_ready = False
        self._early_updates: list[Update] = []
        self._monitor_restarts = 0
        self._view_version: dict[str, tuple[object, ...]] = {}
        self.theme = THEMES.get(config.theme, "textual-dark")
        self.keymap = dict(config.keymap)
        if self.keymap:
            self.set_keymap(self.keymap)
        monitor.subscribe(self._on_monitor_update)

    # -- layout --------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with ContentSwitcher(initial="deployments", id="views"):
            yield DeploymentTable(self.index, id="deployments")
            yield RingsView(id="rings")
            yield ClustersView(id="clusters")
            yield DetailView(id="detail")
        yield FilterBar(self.index.values, on_edit=self.set_filter, id="filter")
        yield StatusBar(id="status")
        yield Footer(id="footer")

    @property
    def table(self) -> DeploymentTable:
        return self.query_one("#deployments", DeploymentTable)

    @property
    def filter_bar(self) -> FilterBar:
        return self.query_one("#filter", FilterBar)

    @property
    def view(self) -> str:
        return self.view_stack[-1]

    def on_load(self) -> None:
        # Start reading the store while Textual is still setting the screen up: the
        # first page's message waits in the queue until the table is mounted.
        if self.poll_enabled:
            self.start_polling()

    def on_mount(self) -> None:
        self.table.set_now(self.clock())
        self._ui_ready = True
        self.set_interval(1.0, self._tick)
        self.collector.start()
        self.set_interval(0.25, self.collector.tick)
        early, self._early_updates = self._early_updates, []
        for update in early:
            self.apply_update(update)
        self._refresh_status()

    # -- polling ---------------------------------------------------------------------

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
        table.empty_message = self._empty_message()
        table.set_now(self.clock())
        table.restore(anchor)
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

    def _empty_message(self) -> str:
        if self.snapshot is None or (not self.snapshot.loaded and not self.snapshot.deployments):
            if self.status.state == ERROR:
                return "No data: the store cannot be read (see below)."
            return "Loading…"
        if self.index.query:
            if not self.index.complete:  # none among the first rows searched, so far
                return "Searching…"
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
        )
        self.query_one(StatusBar).show(info)
        table = self.table
        message = self._empty_message()
        if table.empty_message != message:
            table.empty_message = message
            table.refresh()

    def _refresh_view(self) -> None:
        """Redraw the rings / clusters / detail view on screen if its inputs changed."""
        view = self.view
        now = self.clock()
        snapshot = self.snapshot
        if view == "deployments" or snapshot is None:
            return
        state = (self.index.version, id(snapshot), now, self.detail_key)
        if self._view_version.get(view) == state:
            return
        self._view_version[view] = state
        if view == "rings":
            self.query_one(RingsView).show(self.index.ring_matrix(), now)
        elif view == "clusters":
            self.query_one(ClustersView).show(self.index.cluster_summaries(snapshot.clusters), now)
        elif view == "detail" and self.detail_key is not None:
            self.query_one(DetailView).show(self.index.get(self.detail_key), snapshot.clusters, now)

    # -- views -------------------------------------------------------------------------

    _NOT_IN_MODALS = frozenset({"filter", "command", "pick", "help", "pause"})

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Priority bindings also fire over a help or picker screen: not these."""
        if action in self._NOT_IN_MODALS and isinstance(self.screen, ModalScreen):
            return False
        return True

    def show_view(self, name: str, *, push: bool = True) -> None:
        if name == "deployments":
            self.view_stack = ["deployments"]
        elif push and self.view != name:
            self.view_stack.append(name)
        self.query_one(ContentSwitcher).current = name
        self._refresh_view()
        self.query_one(f"#{name}").focus()
        self._refresh_status()

    def on_deployment_table_opened(self, message: DeploymentTable.Opened) -> None:
        self.detail_key = message.key
        self._view_version.pop("detail", None)
        self.show_view("detail")

    def on_deployment_table_sort_changed(self, message: DeploymentTable.SortChanged) -> None:
        self._refresh_status()
        if self.snapshot is not None and self.snapshot.loaded and not self.index.primed:
            self._prime_values()  # a new sort restarts nothing: the sets do not depend on it

    def action_back(self) -> None:
        """esc: leave the filter line, else leave a view, else clear the filter."""
        if self.filter_bar.has_focus:
            self.clear_filter()
            return
        if len(self.view_stack) > 1:
            self.view_stack.pop()
            self.show_view(self.view, push=False)
            return
        if self.index.query:
            self.clear_filter()

    def action_command(self) -> None:
        def done(value: str | None) -> None:
            if not value:
                return
            name = value.strip().lstrip(":").lower()
            name = COMMAND_ALIASES.get(name, name)
            matches = [c for c in COMMANDS if c.startswith(name)]
            if name in COMMANDS:
                matches = [name]
            if len(matches) != 1:
                self.notify(f"no view {value!r}: try {', '.join(VIEWS)}", severity="warning")
                return
            if matches[0] == "quit":
                self.exit()
            elif matches[0] == "help":
                self.action_help()
            else:
                self.show_view(matches[0])

        self.push_screen(Picker(":  jump to a view", list(COMMANDS), allow_free=True), done)

    def action_help(self) -> None:
        self.push_screen(HelpScreen(self.help_rows()))

    def help_rows(self) -> list[HelpRow]:
        """Every binding, with the keys it has now (after the config keymap)."""
        groups = [
            ("Everywhere", GitopsApp.BINDINGS),
            ("Deployments table", DeploymentTable.BINDINGS),
            ("Filter line", FilterBar.BINDINGS),
            ("Pickers (s r a :)", Picker.BINDINGS),
            ("Help", HelpScreen.BINDINGS),
        ]
        rows = []
        keymap = self._keymap  # what Textual applies: set_keymap's, normalised
        for where, bindings in groups:
            for binding in bindings:
                if not isinstance(binding, Binding):
                    continue
                keys = keymap.get(binding.id or "", binding.key) if binding.id else binding.key
                shown = " ".join(
                    self.get_key_display(Binding(k.strip(), binding.action)) for k in keys.split(",")
                )
                rows.append(HelpRow(where, shown, binding.tooltip or binding.description, binding.id or ""))
        rows.append(HelpRow("Everywhere", "^q", "Quit (Textual's own)", ""))
        return rows

    # -- filter --------------------------------------------------------------------------

    def action_filter(self) -> None:
        bar = self.filter_bar
        bar.add_class("-active")
        if bar.value != self.index.query_text:
            bar.show_text(self.index.query_text)
        bar.cursor_position = len(bar.value)
        # Focus now, not after a refresh (Widget.focus defers): keys typed right after
        # "/" (a paste, a fast typist over ssh) must land in the filter line.
        self.screen.set_focus(bar)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input is self.filter_bar:
            self.set_filter(event.value)
            self._close_filter_bar()

    def on_filter_bar_cleared(self, message: FilterBar.Cleared) -> None:
        self.clear_filter()

    def _close_filter_bar(self) -> None:
        bar = self.filter_bar
        bar.remove_class("-active")
        self.screen.set_focus(self.query_one(f"#{self.view}"))

    def clear_filter(self) -> None:
        self.filter_bar.show_text("")
        self.set_filter("")
        self._close_filter_bar()

    def set_filter(self, text: str) -> None:
        table = self.table
        anchor = table.capture()
        if self.index.set_query(text):
            table.restore(anchor, lost_to_top=True)
            table.empty_message = self._empty_message()
            self._refresh_view()
        self._refresh_status()
        if not self.index.complete:
            # The first rows are drawn now; the rest of the search waits for a pause in
            # the typing (each key would otherwise pay for a search it makes stale).
            if self._finish_timer is not None:
                self._finish_timer.stop()
            self._finish_timer = self.set_timer(FINISH_FILTER_AFTER_S, self._finish_filter)

    def _finish_filter(self) -> None:
        """One slice of a filter's search (a few ms), then the next after the event loop
        has had its turn: a key pressed meanwhile never waits for the whole search."""
        self._finish_timer = None
        table = self.table
        anchor = table.capture()
        if self.index.finish(FINISH_FILTER_SLICE):
            table.restore(anchor)
            table.empty_message = self._empty_message()
            self._refresh_view()
            self._refresh_status()
        elif not self.index.complete:
            self._finish_timer = self.set_timer(0.001, self._finish_filter)
        else:
            self._refresh_status()

    def action_pick(self, field: str) -> None:
        values = self.index.values(field)
        if not values:
            self.notify(f"no {field} in the data yet", severity="warning")
            return

        def done(value: str | None) -> None:
            if value:
                self.set_filter(replace_term(self.index.query_text, field, value))

        self.push_screen(Picker(f"{field}:", values, allow_free=True), done)

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

    async def action_quit(self) -> None:
        if isinstance(self.screen, ModalScreen):
            self.screen.dismiss(None)
            return
        self.exit()

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.InputEvent):
            self.collector.touch()
        await super().on_event(event)

    async def on_unmount(self) -> None:
        self.collector.stop()
        try:
            await self.monitor.close()
        except Exception:  # noqa: BLE001 - closing must never stop the exit
            pass


def make_app(
    config: Config,
    monitor: Monitor,
    *,
    clock: Callable[[], datetime] = utcnow,
    title: str = "gitops-tui",
    poll: bool = True,
) -> GitopsApp:
    """The app on ``monitor`` (one factory for the CLI and the tests).

    ``clock`` drives every age and relative time on screen (tests freeze it);
    ``poll=False`` leaves the monitor alone (tests then feed ``app.apply_update``).
    """
    return GitopsApp(config, monitor, clock=clock, title=title, poll=poll)


def run_app(config: Config, monitor: Monitor) -> None:
    """Run the monitor UI in this terminal until the user quits."""
    make_app(config, monitor).run()
