"""``:clusters``: per cluster, what it runs, how far behind it is and what it has not
synced yet; ``enter`` on a cluster lists its synced and pending deployments
(:class:`ClusterView`), ``enter`` on one of those opens its journey.

The clusters are the cluster-sync records (``Snapshot.clusters``): recorded with
``gitops-tui record --cluster`` or read by the sync component from the Flux tags and
the Argo CD API. A deployment is live on a cluster when the sync facts say so (its
manifest commit is the cluster's revision or an ancestor of it), or for recorded syncs
when its manifest commit is the synced one or older. The views honour the active filter.
"""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.message import Message

from gitops_tui.domain.model import ClusterSync, Deployment
from gitops_tui.domain.overview import ClusterSummary
from gitops_tui.domain.textsafe import clean
from gitops_tui.domain.timefmt import format_duration, relative
from gitops_tui.present import status_label
from gitops_tui.tui.bindings import bindings_for
from gitops_tui.tui.views.detail import STATUS_STYLES, when
from gitops_tui.tui.widgets.cursor_list import CursorList

PENDING_SHOWN = 20  # the newest; the count says how many more
SYNCED_SHOWN = 30
ClusterKey = tuple[str, str]  # (partition, cluster)


def behind_text(sync: ClusterSync, now: datetime) -> Text:
    """``behind 3 commits for 2h`` (yellow), ``up to date``, or empty when unknown."""
    if not sync.derived and not sync.behind:
        return Text("")
    if not sync.behind:
        return Text("up to date", style="green")
    out = Text(f"behind {sync.behind} commit{'s' if sync.behind != 1 else ''}", style="bold yellow")
    if sync.behind_since is not None:
        out.append(f" for {format_duration(max(0.0, (now - sync.behind_since).total_seconds()))}", style="yellow")
    return out


def _cluster_block(s: ClusterSummary, now: datetime) -> Text:
    text = Text()
    text.append(clean(s.sync.cluster.upper(), 60), style="bold")
    text.append(f"  partition {clean(s.sync.partition, 40)}", style="dim")
    text.append("\n  at ")
    text.append(clean(s.sync.manifest_commit[:7], 10), style="bold")
    text.append(f" · synced {relative(s.sync.synced_at, now)}")
    behind = behind_text(s.sync, now)
    if behind.plain:
        text.append(" · ")
        text.append(behind)
    text.append(f"\n  runs {s.included:,} deployment{'s' if s.included != 1 else ''}")
    if s.running:
        names = ", ".join(f"{d.service or '-'}@{(d.ring or '-').upper()}" for d in s.running[:4])
        text.append(f" ({clean(names, 120)}{', …' if len(s.running) > 4 else ''})", style="dim")
    text.append("\n  Not synced yet: ")
    text.append(f"{s.pending_count:,}", style="bold yellow" if s.pending_count else "bold")
    return text


def deployment_line(d: Deployment, now: datetime) -> Text:
    """One deployment on one line, its columns padded to fixed cell widths."""
    line = Text()
    for value, width, style in (
        (status_label(d.status), 12, STATUS_STYLES.get(d.status, "")),
        (clean(d.service or "-", 40), 18, ""),
        (clean((d.ring or "-").upper(), 20), 8, ""),
        (clean((d.manifest_commit or "-")[:7], 10), 8, "dim"),
        (clean(d.image_tag or "-", 60), 16, ""),
    ):
        cell = Text(value, style=style)
        cell.truncate(width - 1, overflow="ellipsis", pad=True)
        line.append(cell)
        line.append(" ")
    line.append(relative(d.updated_at, now), style="dim")
    return line


class ClustersView(CursorList):
    """The clusters, one block each, with a cursor; ``enter`` opens one."""

    BINDINGS = bindings_for("clusters")

    class Opened(Message):
        """``enter`` on a cluster: list its deployments."""

        def __init__(self, key: ClusterKey) -> None:
            self.key = key
            super().__init__()

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.keys: list[ClusterKey] = []

    def show(self, summaries: list[ClusterSummary], now: datetime) -> None:
        self.keys = [(s.sync.partition, s.sync.cluster) for s in summaries]
        if not summaries:
            self.set_rows([(Text(
                "No cluster has reported a sync yet (configure sync: in the config, or "
                "gitops-tui record --stage cluster-sync --cluster NAME --manifest-commit-id SHA).",
                style="dim"), False)])
            return
        rows: list[tuple[Text, bool]] = [(Text("enter: a cluster's synced and pending deployments", style="dim"),
                                          False)]
        rows += [(_cluster_block(s, now), True) for s in summaries]
        self.set_rows(rows)

    def action_open(self) -> None:
        if self.keys and self.cursor_row is not None:
            self.post_message(self.Opened(self.keys[self.cursor_row - 1]))


class ClusterView(CursorList):
    """One cluster: where it is, then its pending and synced deployments (cursor on
    those); ``enter`` opens a deployment's journey."""

    BINDINGS = bindings_for("clusters")

    class Opened(Message):
        """``enter`` on a deployment: its journey."""

        def __init__(self, key: tuple[str, str]) -> None:
            self.key = key
            super().__init__()

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.row_keys: dict[int, tuple[str, str]] = {}

    def show(self, summary: ClusterSummary | None, now: datetime) -> None:
        self.row_keys = {}
        if summary is None:
            self.set_rows([(Text("This cluster is no longer reported (esc: back).", style="dim"), False)])
            return
        s = summary
        head = Text(clean(s.sync.cluster.upper(), 60), style="bold reverse")
        head.append(f"  partition {clean(s.sync.partition, 40)}", style="dim")
        head.append(f"\n  at manifest commit {clean(s.sync.manifest_commit[:7], 10)} · synced {when(s.sync.synced_at, now)}")
        behind = behind_text(s.sync, now)
        if behind.plain:
            head.append("\n  ")
            head.append(behind)
        rows: list[tuple[Text, bool]] = [(head, False)]
        pending = list(s.pending[:PENDING_SHOWN])
        title = Text(f"Not synced yet: {s.pending_count:,}", style="bold yellow" if s.pending_count else "bold")
        if s.pending_count > len(pending):
            title.append(f" (newest {len(pending)} shown)", style="dim")
        rows.append((title, False))
        for d in pending:
            self.row_keys[len(rows)] = d.key
            rows.append((deployment_line(d, now), True))
        synced = list(s.deployments[:SYNCED_SHOWN])
        title = Text(f"Synced here: {s.included:,}", style="bold")
        if s.included > len(synced):
            title.append(f" (newest {len(synced)} shown)", style="dim")
        rows.append((title, False))
        for d in synced:
            self.row_keys[len(rows)] = d.key
            rows.append((deployment_line(d, now), True))
        self.set_rows(rows)

    def action_open(self) -> None:
        key = self.row_keys.get(self.cursor_row if self.cursor_row is not None else -1)
        if key is not None:
            self.post_message(self.Opened(key))
