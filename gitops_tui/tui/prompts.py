"""The prompts: the ``/`` filter line, the ``s`` ``r`` ``a`` ``m`` pickers and the ``:`` line.

Typing in the filter line filters at once on the first rows; the rest of a long search
is finished in slices once the typing pauses, so no key waits for a whole search.
"""

from __future__ import annotations

from textual.timer import Timer
from textual.widgets import Input

from gitops_tui.domain.query import STUCK, with_value
from gitops_tui.index.table import TableModel
from gitops_tui.tui.widgets.filter_bar import FilterBar
from gitops_tui.tui.widgets.picker import Picker

VIEWS = ("deployments", "rings", "clusters", "insights")
COMMANDS = ("deployments", "rings", "clusters", "insights", "help", "quit")
COMMAND_ALIASES = {
    "dp": "deployments", "deploy": "deployments", "d": "deployments", "home": "deployments",
    "r": "rings", "ring": "rings", "c": "clusters", "cluster": "clusters",
    "i": "insights", "insight": "insights", "stats": "insights",
    "q": "quit", "q!": "quit", "exit": "quit", "h": "help", "?": "help",
}
# A filter finishes its search once the typing pauses this long (see TableModel.finish).
FINISH_FILTER_AFTER_S = 0.05
FINISH_FILTER_SLICE = 8000  # deployments searched per slice (~3 ms at 100k)


class Prompts:
    """Mixed into :class:`~gitops_tui.tui.app.GitopsApp` (which sets the state below)."""

    index: TableModel
    _finish_timer: Timer | None  # the next slice of a filter's search
    sync_stuck: Callable[[], None]

    # -- filter line -----------------------------------------------------------------

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
        if STUCK in text.lower():  # status:stuck asks the insights: bring them up to date
            self.sync_stuck()
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

    # -- pickers and the command line --------------------------------------------------

    def action_pick(self, field: str) -> None:
        values = self.index.values(field)
        if not values:
            self.notify(f"no {field} in the data yet", severity="warning")
            return

        def done(value: str | None) -> None:
            if value:
                self.set_filter(with_value(self.index.query_text, field, value))

        self.push_screen(Picker(f"{field}:", values, allow_free=False), done)

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
