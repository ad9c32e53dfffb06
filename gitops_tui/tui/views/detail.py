"""Drill-down (``enter``): one deployment's whole journey.

Who to contact, what changed (commit, image, PR, HLD and manifest commits), a timeline
of the stages (status, run id, link, start, finish, duration) and, per cluster of the
partition, whether it runs this deployment and since when. ``esc`` goes back.
Everything from the table is cleaned and set as ``Text``, never markup.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from gitops_tui.domain.model import ClusterSync, Deployment, Stage
from gitops_tui.present import STATUS_ICONS, STATUS_WORDS, status_label
from gitops_tui.domain.textsafe import clean
from gitops_tui.domain.timefmt import format_duration, relative
from gitops_tui.domain.vocab import CANCELED, FAILED, IN_PROGRESS, SUCCEEDED, TERMINAL, UNKNOWN, WAITING

STAGE_TITLES = {
    "image": "Image build (CI)",
    "hld": "Metadata update (HLD)",
    "manifest": "Manifest generation",
}
STATUS_STYLES = {
    SUCCEEDED: "green",
    IN_PROGRESS: "bold cyan",
    WAITING: "yellow",
    FAILED: "bold red",
    CANCELED: "dim",
    UNKNOWN: "dim",
}


def when(value: datetime | None, now: datetime) -> str:
    """``2025-01-15 12:00:01Z (5m ago)``."""
    if value is None:
        return "-"
    return f"{value.astimezone(UTC).strftime('%Y-%m-%d %H:%M:%SZ')} ({relative(value, now)})"


def _t(value: object, limit: int = 200, style: str = "") -> Text:
    return Text(clean(value, limit) if value else "-", style=style)


def _grid() -> Table:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="dim", no_wrap=True)
    grid.add_column(overflow="fold")
    return grid


def _section(title: str) -> Text:
    return Text(f"\n{title}", style="bold underline")


def stage_rows(d: Deployment) -> list[tuple[str, Stage | None]]:
    """Every stage of a journey in order, None for those not started yet."""
    names = ("manifest",) if d.manual_hld_edit else ("image", "hld", "manifest")
    return [(name, d.stage(name)) for name in names]


def render_deployment(d: Deployment, clusters: Iterable[ClusterSync], now: datetime) -> RenderableType:
    """The whole drill-down as one renderable."""
    title = Text()
    title.append(status_label(d.status), style=STATUS_STYLES.get(d.status, ""))
    title.append("  ")
    title.append(clean(d.service or "(no service)", 80), style="bold")
    title.append(" → ")
    title.append(clean((d.ring or "no ring").upper(), 40), style="bold")
    if d.manual_hld_edit:
        title.append("  (manual HLD edit)", style="yellow")
    manual = Text()
    if d.manual_hld_edit:
        manual = Text(
            "Manual HLD edit: someone committed to the HLD repository by hand, so no image "
            "was built and no approval PR opened; this journey starts at manifest generation "
            "(p3).",
            style="yellow",
        )

    facts = _grid()
    facts.add_row("Deployment", Text(f"{clean(d.id, 40)} · partition {clean(d.partition, 80)}"))
    facts.add_row("Started", Text(when(d.started_at, now)))
    facts.add_row("Last update", Text(when(d.updated_at, now)))
    elapsed = d.elapsed_s(now)
    running = d.status not in TERMINAL
    facts.add_row("Duration", Text(format_duration(elapsed) + (" so far" if running and elapsed is not None else "")))
    if d.duplicates:
        facts.add_row("Duplicates", Text(", ".join(clean(k, 20) for k in d.duplicates)))

    who = _grid()
    author = Text(clean(d.author or "-", 80))
    if d.author_email:
        author.append(f" <{clean(d.author_email, 120)}>")
    who.add_row("Author", author)
    who.add_row("Merged by", _t(d.merged_by, 80))

    change = _grid()
    commit = _t(d.commit, 40, "bold")
    if d.source_repo:
        commit.append(f"  {clean(d.source_repo, 200)}", style="dim")
    change.add_row("Commit", commit)
    change.add_row("Image tag", _t(d.image_tag, 120, "bold"))
    pr = Text()
    if d.pr:
        pr.append(f"#{clean(d.pr, 20)}", style="bold")
        pr.append(f" {d.pr_state or 'state unknown'}")
        if d.pr_title:
            pr.append(" · ")
            pr.append(clean(d.pr_title, 300))
    else:
        pr.append("-")
    change.add_row("Approval PR", pr)
    hld = _t(d.hld_commit, 40)
    if d.hld_repo:
        hld.append(f"  {clean(d.hld_repo, 200)}", style="dim")
    change.add_row("HLD commit", hld)
    manifest = _t(d.manifest_commit, 40)
    if d.manifest_repo:
        manifest.append(f"  {clean(d.manifest_repo, 200)}", style="dim")
    change.add_row("Manifest commit", manifest)

    timeline = Table(box=None, padding=(0, 1), show_edge=False, header_style="dim")
    for header in ("", "Stage", "Status", "Run", "Started", "Finished", "Took"):
        timeline.add_column(header, no_wrap=header != "Stage")
    links: list[Text] = []
    for name, stage in stage_rows(d):
        if stage is None:
            timeline.add_row(Text("·", style="dim"), Text(STAGE_TITLES[name]), Text("not started", style="dim"),
                             Text("-"), Text("-"), Text("-"), Text("-"))
            continue
        style = STATUS_STYLES.get(stage.status, "")
        took = stage.duration_s
        if took is None and stage.started_at is not None and stage.status == IN_PROGRESS:
            took_text = format_duration((now - stage.started_at).total_seconds()) + "…"
        else:
            took_text = format_duration(took)
        timeline.add_row(
            Text(STATUS_ICONS.get(stage.status, "?"), style=style),
            Text(STAGE_TITLES[name]),
            Text(STATUS_WORDS.get(stage.status, stage.status), style=style),
            _t(stage.run_id, 40),
            Text(_hms(stage.started_at)),
            Text(_hms(stage.finished_at)),
            Text(took_text),
        )
        # Where the result came from (a provider; a recorded one says nothing more), its
        # link, and why it is unknown.
        provider = stage.source if stage.source != "record" else None
        if stage.url or provider or stage.error:
            line = Text(f"  {STAGE_TITLES[name]}: ", style="dim")
            if provider:
                line.append(f"[{clean(provider, 20)}] ", style="dim")
            line.append(clean(stage.url, 300) if stage.url else "")
            if stage.error:
                line.append(("  " if stage.url else "") + "unknown: " + clean(stage.error, 200), style="yellow")
            links.append(line)

    sync = Table(box=None, padding=(0, 1), show_edge=False, header_style="dim")
    for header in ("", "Cluster", "Runs this?", "Cluster is at", "Synced", "Behind"):
        sync.add_column(header, no_wrap=True)
    mine = [c for c in clusters if c.partition == d.partition]
    for c in mine:
        live = c.cluster in d.synced_clusters
        if live:
            verdict = Text("yes", style="green")
        elif not d.manifest_commit:
            verdict = Text("no (no manifest yet)", style="yellow")
        else:
            verdict = Text("not yet", style="yellow")
        sync.add_row(
            Text("✔" if live else "·", style="green" if live else "dim"),
            Text(clean(c.cluster.upper(), 60), style="bold"),
            verdict,
            _t(c.manifest_commit[:7], 20),
            Text(when(c.synced_at, now)),
            _behind(c, now),
        )

    parts: list[RenderableType] = [title, *([manual] if manual else []), facts, _section("Who to contact"), who, _section("Change"), change,
                                   _section("Timeline"), timeline]
    if links:
        parts.append(Text("Links", style="dim"))
        parts.extend(links)
    parts.append(_section("Clusters"))
    parts.append(sync if mine else Text("No cluster has reported a sync for this partition.", style="dim"))
    return Group(*parts)


def _behind(c: ClusterSync, now: datetime) -> Text:
    """``3 commits, 2h`` when the cluster's pointer lags newer manifest commits."""
    if not c.behind:
        return Text("-" if not c.derived else "up to date", style="dim")
    since = f", {format_duration(max(0.0, (now - c.behind_since).total_seconds()))}" if c.behind_since else ""
    return Text(f"{c.behind} commit{'s' if c.behind != 1 else ''}{since}", style="yellow")


def _hms(value: datetime | None) -> str:
    return value.astimezone(UTC).strftime("%m-%d %H:%M:%SZ") if value is not None else "-"


class DetailView(VerticalScroll):
    """Scrollable drill-down of the deployment the app asks for."""

    DEFAULT_CSS = """
    DetailView { padding: 0 1; background: $surface; }
    DetailView > Static { width: 100%; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, can_focus=True)
        self.key: tuple[str, str] | None = None

    def compose(self) -> ComposeResult:
        yield Static(Text("Nothing selected."), id="detail-body")

    def show(self, d: Deployment | None, clusters: Iterable[ClusterSync], now: datetime,
             extra: RenderableType | None = None) -> None:
        """Draw ``d``; ``extra`` (its ETA and why it is stuck) goes below its title."""
        body = self.query_one("#detail-body", Static)
        if d is None:
            body.update(Text("This deployment is no longer in the data (merged into a duplicate?).", style="dim"))
            return
        body.update(Group(extra, render_deployment(d, clusters, now)) if extra is not None
                    else render_deployment(d, clusters, now))
