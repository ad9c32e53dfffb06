"""What the rings and clusters views show, computed from deployments (no Textual here).

Rings: for each service and ring, the image the ring *runs* (its newest succeeded
deployment) and its latest deployment of any status. Rings are ordered, and a ring is
compared with its upstream ring, by this rule:

- well-known ring names have a fixed promotion order:
  ``dev`` < ``test``/``qa``/``int`` < ``master``/``main``/``staging``/``uat``/``preprod``
  < ``canary`` < ``prod``/``production``/``live``;
- the upstream ring of a known ring is, for the same service, the nearest ring lower in
  that order that runs something;
- any other ring (a feature ring such as ``securitybugfix``) has no upstream: it is
  shown after the known rings, in the order it was first seen (its earliest last update),
  and never marked;
- a ring is marked *behind* when it runs a different image whose build time (image
  stage finish, else start, else the deployment's first stage start, else its last
  update) is older than the image its upstream ring runs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from gitops_tui.domain.model import ClusterSync, Deployment

RING_ORDER: dict[str, int] = {
    "dev": 0, "development": 0,
    "test": 1, "qa": 1, "int": 1, "integration": 1,
    "master": 2, "main": 2, "staging": 2, "stage": 2, "uat": 2, "preprod": 2, "pre-prod": 2,
    "canary": 3,
    "prod": 4, "production": 4, "live": 4,
}


def ring_rank(ring: str) -> int | None:
    """Position of a ring in the promotion order, None for rings outside it."""
    return RING_ORDER.get(ring.lower())


def image_time(d: Deployment) -> str:
    """When the image a deployment carries was built (canonical ISO, sorts as time)."""
    row = d.row
    return str(row.get("p1FinishedAt") or row.get("p1StartedAt") or d.started_iso or d.updated_iso or "")


@dataclass(slots=True)
class RingCell:
    service: str
    ring: str
    running: Deployment | None = None  # newest succeeded
    latest: Deployment | None = None  # newest of any status
    behind: str | None = None  # the upstream ring it lags, if it does


@dataclass(slots=True)
class RingMatrix:
    services: list[str]
    rings: list[str]
    cells: dict[tuple[str, str], RingCell]

    def cell(self, service: str, ring: str) -> RingCell | None:
        return self.cells.get((service, ring))


def ring_matrix(deployments: Iterable[Deployment]) -> RingMatrix:
    """The service × ring matrix of the given deployments (any order)."""
    cells: dict[tuple[str, str], RingCell] = {}
    first_seen: dict[str, str] = {}
    for d in deployments:
        service, ring = d.service, d.ring
        if not service or not ring:
            continue  # manual HLD edits and orphans without a ring: no cell to put them in
        cell = cells.get((service, ring))
        if cell is None:
            cell = cells[(service, ring)] = RingCell(service, ring)
        when = d.updated_iso or ""
        if cell.latest is None or when > (cell.latest.updated_iso or ""):
            cell.latest = d
        if d.status == "succeeded" and (cell.running is None or when > (cell.running.updated_iso or "")):
            cell.running = d
        seen = d.updated_iso or ""  # (a start time would mean decoding every row)
        if ring not in first_seen or seen < first_seen[ring]:
            first_seen[ring] = seen
    rings = sorted(
        first_seen,
        key=lambda r: (0, ring_rank(r), r) if ring_rank(r) is not None else (1, first_seen[r], r),
    )
    services = sorted({s for s, _ in cells}, key=str.lower)
    for service in services:
        upstream: RingCell | None = None
        for ring in rings:
            rank = ring_rank(ring)
            cell = cells.get((service, ring))
            if rank is None or cell is None or cell.running is None:
                continue
            if upstream is not None and upstream.running is not None:
                mine, theirs = cell.running, upstream.running
                if mine.image_tag != theirs.image_tag and image_time(mine) < image_time(theirs):
                    cell.behind = upstream.ring
            upstream = cell
    return RingMatrix(services, rings, cells)


@dataclass(slots=True)
class ClusterSummary:
    sync: ClusterSync
    running: list[Deployment] = field(default_factory=list)  # newest live per service/ring
    deployments: list[Deployment] = field(default_factory=list)  # every one live there, newest first
    unsynced: list[Deployment] = field(default_factory=list)  # pushed, not synced there; newest first
    pending_cap: int = 20

    @property
    def included(self) -> int:
        """How many deployments are live on the cluster."""
        return len(self.deployments)

    @property
    def pending(self) -> list[Deployment]:
        """The newest ``pending_cap`` of :attr:`unsynced` (what a screen has room for)."""
        return self.unsynced[: self.pending_cap]

    @property
    def pending_count(self) -> int:
        return len(self.unsynced)


def cluster_summaries(
    clusters: Iterable[ClusterSync], deployments: Iterable[Deployment], pending_cap: int = 20
) -> list[ClusterSummary]:
    """Per cluster: what it runs (newest live deployment of each service and ring), every
    deployment live there, and the deployments with a manifest commit that it has not
    synced yet. ``deployments`` must be newest first."""
    summaries = [ClusterSummary(sync, pending_cap=pending_cap) for sync in clusters]
    by_partition: dict[str, list[ClusterSummary]] = {}
    for summary in summaries:
        by_partition.setdefault(summary.sync.partition, []).append(summary)
    seen: dict[tuple[str, str], set[tuple[str, str]]] = {}
    for d in deployments:
        if not d.hot("manifestCommitId"):
            continue
        for summary in by_partition.get(d.partition, ()):
            name = summary.sync.cluster
            if name in d.synced_clusters:
                summary.deployments.append(d)
                placed = seen.setdefault((summary.sync.partition, name), set())
                slot = (d.service or "-", d.ring or "-")
                if slot not in placed:
                    placed.add(slot)
                    summary.running.append(d)
            else:
                summary.unsynced.append(d)
    for summary in summaries:
        summary.running.sort(key=lambda d: ((d.service or "").lower(), d.ring or ""))
    return summaries
