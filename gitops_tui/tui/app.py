"""The live monitor: ``make_app(config, monitor)`` builds it, ``run_app`` runs it.

The app composes the views and wires the monitor; what it does is split by concern:
:mod:`~gitops_tui.tui.live` (the monitor's worker, publications, pause, status bar),
:mod:`~gitops_tui.tui.navigation` (views, the view stack, help) and
:mod:`~gitops_tui.tui.prompts` (the filter line, pickers, the ``:`` line). Every
binding is declared once in :mod:`~gitops_tui.tui.bindings`; ``config.keymap`` remaps
them by id (checked first: a bad keymap is a :class:`ConfigError`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from textual import events
from textual.app import App, ComposeResult
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import ContentSwitcher, Footer

from gitops_tui.config import Config, ConfigError
from gitops_tui.insights.settings import SettingsError, insight_settings
from gitops_tui.domain.model import Snapshot
from gitops_tui.domain.textsafe import clean
from gitops_tui.domain.timefmt import utcnow
from gitops_tui.index.table import TableModel
from gitops_tui.enrich.service import EnrichmentService
from gitops_tui.monitor import Monitor, PollStatus, Update
from gitops_tui.tui.bindings import bindings_for, check_keymap
from gitops_tui.tui.idle_gc import IdleCollector
from gitops_tui.tui.insights_state import InsightsState
from gitops_tui.tui.live import LiveUpdates
from gitops_tui.tui.navigation import Navigation
from gitops_tui.tui.prompts import Prompts
from gitops_tui.tui.views.clusters import ClustersView, ClusterView
from gitops_tui.tui.views.detail import DetailView
from gitops_tui.tui.views.rings import RingsView
from gitops_tui.tui.views.insights import InsightsView
from gitops_tui.tui.widgets.deployment_table import DeploymentTable
from gitops_tui.tui.widgets.filter_bar import FilterBar
from gitops_tui.tui.widgets.status_bar import StatusBar

# config.theme -> Textual theme; "ansi" uses the terminal's own 16 colours (for
# terminals without truecolor, and for users who set their palette there).
THEMES = {"dark": "textual-dark", "light": "textual-light", "ansi": "ansi-dark"}


class GitopsApp(LiveUpdates, Navigation, Prompts, App[None]):
    """See the module docstring. Build it with :func:`make_app`."""

    CSS_PATH = Path(__file__).with_name("app.tcss")  # absolute: subclasses live elsewhere
    AUTO_FOCUS = "#deployments"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS = bindings_for("global")

    def __init__(
        self,
        config: Config,
        monitor: Monitor,
        *,
        clock: Callable[[], datetime] = utcnow,
        title: str = "gitops-tui",
        poll: bool = True,
    ) -> None:
        # Before anything starts: Textual would silently let a bad keymap steal keys.
        check_keymap(config.keymap, str(config.source or "config"))
        super().__init__()
        self.config = config
        self.monitor = monitor
        self.clock = clock
        self.title = title
        self.poll_enabled = poll
        self.index = TableModel()
        # live updates
        self.status: PollStatus = monitor.status
        self.snapshot: Snapshot | None = None  # the one on screen
        self.held: list[Snapshot] = []
        self.paused = False
        self._froze_gc = False
        self._ui_ready = False
        self._early_updates: list[Update] = []
        self._monitor_restarts = 0
        # navigation
        self.view_stack: list[str] = ["deployments"]
        self.detail_key: tuple[str, str] | None = None
        self.cluster_key: tuple[str, str] | None = None
        try:
            self.insights = InsightsState(insight_settings(config), run=self._run_insights,
                                          done=self._insights_ready)
        except SettingsError as e:
            raise ConfigError(f"{config.source or 'config'}: {e}") from None
        self._view_version: dict[str, tuple[object, ...]] = {}
        # prompts
        self._finish_timer: Timer | None = None
        # (no collection while a bulk load or an insights rebuild allocates: each would
        # walk the growing heap)
        self.collector = IdleCollector(busy=lambda: monitor.loading or self.insights.computing is not None)
        self.theme = THEMES.get(config.theme, "textual-dark")
        self.keymap = dict(config.keymap)
        if self.keymap:
            self.set_keymap(self.keymap)
        # Providers fill legacy rows in the background (subscribed before the views).
        self.enrichment = EnrichmentService(monitor, config.providers) if config.providers.providers else None
        monitor.subscribe(self._on_monitor_update)

    def compose(self) -> ComposeResult:
        with ContentSwitcher(initial="deployments", id="views"):
            yield DeploymentTable(self.index, id="deployments")
            yield RingsView(id="rings")
            yield ClustersView(id="clusters")
            yield ClusterView(id="cluster")
            yield InsightsView(id="insights")
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

    def on_load(self) -> None:
        # Start reading the store while Textual is still setting the screen up: the
        # first page's message waits in the queue until the table is mounted.
        if self.poll_enabled:
            self.start_polling()

    def notify(
        self, message: str, *, title: str = "", severity: Any = "information",
        timeout: float | None = None, markup: bool = False,
    ) -> None:
        """Every notification is plain, sanitised text: data in one (a view name typed
        as ``[/]x``, a value with escapes) never reaches the terminal as markup."""
        super().notify(clean(message), title=clean(title), severity=severity, timeout=timeout, markup=False)

    def on_mount(self) -> None:
        self.table.set_now(self.clock())
        self.table._lines.extra = self.insights.cells(self.index)
        self._ui_ready = True
        self.set_interval(1.0, self._tick)
        self.collector.start()
        self.set_interval(0.25, self.collector.tick)
        early, self._early_updates = self._early_updates, []
        for update in early:
            self.apply_update(update)
        self._refresh_status()

    _NOT_IN_MODALS = frozenset({"filter", "command", "pick", "help", "pause"})

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Priority bindings also fire over a help or picker screen: not these."""
        if action in self._NOT_IN_MODALS and isinstance(self.screen, ModalScreen):
            return False
        return True

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


def make_app(config: Config, monitor: Monitor, **options: Any) -> GitopsApp:
    """The app on ``monitor`` (one factory for the CLI and the tests); ``options`` are
    :class:`GitopsApp`'s: ``clock`` drives every age and relative time on screen (tests
    freeze it); ``poll=False`` leaves the monitor alone (tests then feed
    ``app.apply_update``). Raises :class:`~gitops_tui.config.ConfigError` for a bad
    ``config.keymap``.
    """
    return GitopsApp(config, monitor, **options)


def run_app(config: Config, monitor: Monitor) -> None:
    """Run the monitor UI in this terminal until the user quits (a bad keymap raises
    :class:`~gitops_tui.config.ConfigError` before the terminal is touched)."""
    make_app(config, monitor).run()
