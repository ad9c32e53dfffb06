"""``get --view rings`` and ``--view clusters``: the TUI's overviews as JSON or plain tables.

JSON objects here are public interface, like ``get --output json``'s: keys fixed, times
ISO-8601 UTC or null. Everything printed from the store goes through :func:`clean`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, TextIO

from gitops_tui.cli.table import print_rows
from gitops_tui.domain.model import ClusterSync, Deployment
from gitops_tui.domain.overview import ClusterSummary, RingCell, cluster_summaries, ring_matrix
from gitops_tui.domain.textsafe import clean
from gitops_tui.domain.timefmt import iso_or_none, relative
from gitops_tui.present import status_label


def ring_cells(deployments: Iterable[Deployment], order: Sequence[str] = ()) -> list[RingCell]:
    """One cell per service × ring that has deployments: services A-Z, rings in promotion
    order (the configured ``rings:`` if given)."""
    matrix = ring_matrix(deployments, order)
    return [c for s in matrix.services for r in matrix.rings if (c := matrix.cell(s, r)) is not None]


def rings_json(cells: Sequence[RingCell], now: datetime, grace_s: float = 3600.0) -> list[dict[str, Any]]:
    """``{service, ring, image_tag, deployment_id, updated_at, lagging}`` per cell; the
    image is what the ring runs (its newest succeeded deployment), null if none did;
    ``lagging`` as the TUI marks it: behind its upstream for longer than ``grace_s``
    (``ring_lag_grace``)."""
    return [
        {
            "service": c.service,
            "ring": c.ring,
            "image_tag": c.running.image_tag if c.running else None,
            "deployment_id": c.running.id if c.running else None,
            "updated_at": iso_or_none(c.running.updated_at) if c.running else None,
            "lagging": c.lagging(now, grace_s),
        }
        for c in cells
    ]


def print_rings(cells: Sequence[RingCell], now: datetime, out: TextIO) -> None:
    """A row per service × ring: what it runs, since when, its newest deployment's state."""
    table = [["Service", "Ring", "Running", "Deployed", "Latest", "Behind"]]
    for c in cells:
        latest = c.latest
        newer = latest is not None and latest is not c.running
        table.append([
            clean(c.service, 40),
            clean(c.ring.upper(), 20),
            clean(c.running.image_tag or "-", 40) if c.running else "-",
            relative(c.running.updated_at, now) if c.running else "-",
            # Only worth a column when something newer than the running image exists.
            f"{status_label(latest.status)} {clean(latest.image_tag or '-', 30)}" if newer and latest else "(same)",
            clean(c.behind.upper(), 20) if c.behind else "",
        ])
    print_rows(table, out)


def summaries(clusters: Iterable[ClusterSync], deployments: Sequence[Deployment]) -> list[ClusterSummary]:
    """Per cluster: every deployment live there and every one pushed but not synced."""
    return sorted(cluster_summaries(clusters, deployments), key=lambda s: (s.sync.cluster.lower(), s.sync.partition))


def clusters_json(found: Sequence[ClusterSummary]) -> list[dict[str, Any]]:
    """``{cluster, manifest_commit, synced_at, deployments, pending}``; the lists are
    deployment ids, newest first."""
    return [
        {
            "cluster": s.sync.cluster,
            "manifest_commit": s.sync.manifest_commit,
            "synced_at": iso_or_none(s.sync.synced_at),
            "deployments": [d.id for d in s.deployments],
            "pending": [d.id for d in s.pending],
        }
        for s in found
    ]


def print_clusters(found: Sequence[ClusterSummary], now: datetime, out: TextIO) -> None:
    """A row per cluster: the commit it applied, when, and how many deployments are
    live there or still to sync."""
    table = [["Cluster", "Partition", "Manifest", "Synced", "Live", "Pending", "Newest pending"]]
    for s in found:
        newest = s.pending[0] if s.pending else None
        table.append([
            clean(s.sync.cluster.upper(), 40),
            clean(s.sync.partition, 40),
            clean(s.sync.manifest_commit[:7], 10),
            relative(s.sync.synced_at, now),
            str(len(s.deployments)),
            str(len(s.pending)),
            f"{clean(newest.service or '-', 30)}/{clean((newest.ring or '-').upper(), 20)} "
            f"{clean(newest.image_tag or '-', 30)}" if newest else "-",
        ])
    print_rows(table, out)
