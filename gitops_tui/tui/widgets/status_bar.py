"""The status bar: where the data comes from, how fresh it is, and what is shown.

Always on screen, two lines (three while the store fails):

    ● OK  polled 12:00:05Z (3s ago) │ 21/40 deployments │ PAUSED │ sort Last Updated ▼
    :deployments │ filter: ring:dev !status:succeeded │ sqlite:/var/lib/telemetry.db · partition trivia
    ⚠ store error: sqlite:/…: database is locked  (retry in 20s)

Every piece of text that came from outside (store description, partition, error,
filter) is cleaned and put in ``rich.text.Text`` objects, never parsed as markup.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from rich.style import Style
from rich.text import Text
from textual.widgets import Static

from gitops_tui.monitor import ERROR, LOADING, OK, STALE, PollStatus
from gitops_tui.domain.textsafe import clean
from gitops_tui.domain.timefmt import format_duration

STATE_ICONS = {OK: "●", STALE: "⚠", ERROR: "✘", LOADING: "⟳"}
_SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"


def clock_time(when: datetime | None) -> str:
    """``12:00:05Z`` (UTC, as the pipelines record times)."""
    if when is None:
        return "never"
    return when.astimezone(UTC).strftime("%H:%M:%SZ")


def age(when: datetime | None, now: datetime) -> str:
    if when is None:
        return "-"
    seconds = max(0.0, (now - when).total_seconds())
    return "just now" if seconds < 1 else f"{format_duration(seconds)} ago"


def elide(text: str, limit: int) -> str:
    """``text`` cut in the middle to ``limit`` characters (a path keeps its file name)."""
    if len(text) <= limit:
        return text
    head = limit // 3
    return text[:head] + "…" + text[-(limit - head - 1):]


@dataclass(frozen=True, slots=True)
class StatusInfo:
    """Everything the bar draws (the app builds one per change)."""

    store: str
    partition: str | None
    shown: int
    total: int
    status: PollStatus
    loaded: bool  # the full load is done
    streaming: bool  # a first page is on screen, the rest still loading
    query: str
    sort: str
    paused: bool
    held: int
    view: str
    now: datetime
    counting: bool = False  # a filter's first rows are shown, the rest still searched
    enrichment: str | None = None  # "enriching 120/900", "rate-limited until 14:05"
    sync_problem: tuple[str, datetime | None] | None = None  # (error, last known sync read at)


class StatusBar(Static):
    """See the module docstring."""

    COMPONENT_CLASSES = {
        "status-bar--ok",
        "status-bar--stale",
        "status-bar--error",
        "status-bar--loading",
        "status-bar--paused",
        "status-bar--label",
        "status-bar--filter",
    }

    DEFAULT_CSS = """
    StatusBar {
        height: auto;
        max-height: 3;
        background: $panel;
        color: $foreground;
        padding: 0 1;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    StatusBar > .status-bar--ok { color: $text-success; text-style: bold; }
    StatusBar > .status-bar--stale { color: $text-warning; text-style: bold; }
    StatusBar > .status-bar--error { color: $text-error; text-style: bold; }
    StatusBar > .status-bar--loading { color: $text-accent; text-style: bold; }
    StatusBar > .status-bar--paused { color: $text-warning; text-style: bold reverse; }
    StatusBar > .status-bar--label { color: $text-muted; }
    StatusBar > .status-bar--filter { color: $text-accent; text-style: bold; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(Text(""), id=id)
        self.info: StatusInfo | None = None
        self._spin = 0
        self._lines = 0

    def show(self, info: StatusInfo) -> None:
        if info != self.info:
            self.info = info
            self._draw(self.render_info(info))

    def tick(self) -> None:
        """Advance the loading spinner."""
        if self.info is not None and (self.info.status.state == LOADING or self.info.streaming):
            self._spin += 1
            self._draw(self.render_info(self.info))

    def _draw(self, text: Text) -> None:
        # A new layout of the whole screen only when the bar's height changes (an error
        # line comes or goes), not on every keystroke of a filter or tick of the clock.
        lines = len(text.plain.splitlines()) or 1
        self.update(text, layout=lines != self._lines)
        self._lines = lines

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(f"status-bar--{name}", default=Style())

    def render_info(self, info: StatusInfo) -> Text:
        status, now = info.status, info.now
        sep = Text(" │ ", style=self._style("label"))
        line1 = Text(no_wrap=True, overflow="ellipsis")
        state = status.state
        style = {OK: "ok", STALE: "stale", ERROR: "error", LOADING: "loading"}.get(state, "label")
        line1.append(f"{STATE_ICONS.get(state, '?')} {state}", style=self._style(style))
        if state == LOADING or info.streaming:
            spinner = _SPINNER[self._spin % len(_SPINNER)]
            progress = f" {spinner} loading {status.rows_loaded:,} rows…"
            line1.append(progress, style=self._style("loading"))
        line1.append("  polled ", style=self._style("label"))
        line1.append(f"{clock_time(status.last_ok)} ({age(status.last_ok, now)})")
        line1.append_text(sep)
        line1.append(f"{info.shown:,}{'+' if info.counting else ''}/{info.total:,}")
        line1.append(" deployments", style=self._style("label"))
        if status.bad_rows:  # rows the store skipped: `gitops-tui check` lists them
            line1.append_text(sep)
            line1.append(f"{status.bad_rows:,} bad row{'s' if status.bad_rows != 1 else ''}",
                         style=self._style("stale"))
        if info.paused:
            line1.append_text(sep)
            held = f" ({info.held} update{'s' if info.held != 1 else ''} held)" if info.held else ""
            line1.append(f" PAUSED{held} ", style=self._style("paused"))
        line1.append_text(sep)
        line1.append("sort ", style=self._style("label"))
        line1.append(info.sort)

        line2 = Text(no_wrap=True, overflow="ellipsis")
        line2.append(f":{info.view}")
        if info.enrichment:
            line2.append_text(sep)
            line2.append(clean(info.enrichment, 80), style=self._style("loading"))
        if info.query:
            line2.append_text(sep)
            line2.append("filter: ", style=self._style("label"))
            line2.append(clean(info.query, 300), style=self._style("filter"))
        line2.append_text(sep)
        line2.append(elide(clean(info.store, 300), 60))
        line2.append(" · partition ", style=self._style("label"))
        line2.append(clean(info.partition, 100) if info.partition else "all")

        lines = [line1, line2]
        if state in (STALE, ERROR) and status.error:
            line3 = Text(no_wrap=True, overflow="ellipsis")
            since = "no data yet"
            if status.last_ok:
                since = f"data from {clock_time(status.last_ok)} ({age(status.last_ok, now)})"
            line3.append(f"⚠ {state}: ", style=self._style("error" if state == ERROR else "stale"))
            line3.append(clean(status.error, 300))
            backoff = status.next_poll_s
            wait = f"{backoff:.1f}s" if backoff < 10 else format_duration(backoff)
            retry = f"  · {since} · retrying every {wait}"
            line3.append(retry, style=self._style("label"))
            lines.append(line3)
        if info.sync_problem:
            error, at = info.sync_problem
            line = Text(no_wrap=True, overflow="ellipsis")
            # The age first: the error may be long and is cut at the right edge.
            known = f"last known {clock_time(at)} ({age(at, now)})" if at else "no sync read yet"
            line.append(f"⚠ cluster sync, {known}: ", style=self._style("stale"))
            line.append(clean(error, 200))
            lines.append(line)
        return Text("\n", no_wrap=True).join(lines)
