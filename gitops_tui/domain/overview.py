"""What the rings and clusters views show, computed from deployments (no Textual here).

Rings: for each service and ring, the image the ring *runs* (its newest succeeded
deployment) and its latest deployment of any status. Rings are ordered, and a ring is
compared with its upstream ring, by this rule (``vocab.RING_ORDER``, or the configured ``rings:`` instead):

- well-known ring names have a fixed promotion order:
  ``dev`` < ``test``/``qa``/``int`` < ``master``/``main``/``staging``/``uat``/``preprod``
  < ``canary`` < ``prod``/``production``/``live``;
- the upstream ring of a known ring is, for the same service, the nearest ring lower in
  that order that runs something;
- any other ring (a feature ring such as ``securitybugfix``) has no upstream: it is
  shown after the known rings, in the order it was first seen (its earliest last update),
  and never marked;
- a ring is *behind* when it runs a different image whose build time (image
  stage finish, else start, else the deployment's first stage start, else its last
  update) is older than the image its upstream ring runs; *since* the upstream ring
  started running that image (its last update). :meth:`RingCell.lagging` marks it
  only once that is longer ago than a grace (``ring_lag_grace`` in the config).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from gitops_tui.domain.model import ClusterSync, Deployment
from gitops_tui.domain.timefmt import EPOCH
from gitops_tui.domain.vocab import IMAGE, SUCCEEDED, ring_ranker

T = TypeVar("T")


def image_time(d: Deployment) -> datetime:
    """When the image a deployment carries was built."""
    image = d.stage(IMAGE)
    return (
        (image.finished_at or image.started_at if image is not None else None)
        or d.started_at or d.updated_at or EPOCH
    )


@dataclass(slots=True)
class RingCell:
    service: str
    ring: str
    running: Deployment | None = None  # newest succeeded
    latest: Deployment | None = None  # newest of any status
    behind: str | None = None  # the upstream ring it lags, if it does
    behind_since: datetime | None = None  # when that upstream ring got the newer image

    def lagging(self, now: datetime, grace_s: float) -> bool:
        """Behind its upstream for longer than ``grace_s`` seconds at ``now``."""
        if self.behind is None:
            return False
        since = self.behind_since or EPOCH
        return (now - since).total_seconds() > grace_s


@dataclass(slots=True)
class RingMatrix:
    services: list[str]
    rings: list[str]
    cells: dict[tuple[str, str], RingCell]
    order: tuple[str, ...] = ()  # the configured promotion order (``rings:``), () for the built-in

    def ordered(self, ring: str) -> bool:
        """The ring has a place in the promotion order (and so an upstream)."""
        return ring_ranker(self.order)(ring) is not None

    def cell(self, service: str, ring: str) -> RingCell | None:
        return self.cells.get((service, ring))


def _when(d: Deployment | None) -> datetime:
    return (d.updated_at if d is not None else None) or EPOCH


def _rank(d: Deployment) -> tuple[datetime, tuple[str, str]]:
    """Newer is greater; of equally new ones the greater key (any order of input
    gives one answer)."""
    return (_when(d), d.key)


def ring_matrix(deployments: Iterable[Deployment], order: Sequence[str] = ()) -> RingMatrix:
    """The service × ring matrix of the given deployments (any order); rings in the
    configured promotion ``order`` (``rings:``) if given, else the built-in one."""
    ring_rank = ring_ranker(order)
    cells: dict[tuple[str, str], RingCell] = {}
    first_seen: dict[str, datetime] = {}
    for d in deployments:
        service, ring = d.service, d.ring
        if not service or not ring:
            continue  # manual HLD edits and orphans without a ring: no cell to put them in
        cell = cells.get((service, ring))
        if cell is None:
            cell = cells[(service, ring)] = RingCell(service, ring)
        when, rank = _when(d), _rank(d)
        if cell.latest is None or rank > _rank(cell.latest):
            cell.latest = d
        if d.status == SUCCEEDED and (cell.running is None or rank > _rank(cell.running)):
            cell.running = d
        if ring not in first_seen or when < first_seen[ring]:
            first_seen[ring] = when
    rings = sorted(
        first_seen,
        key=lambda r: (0, ring_rank(r), EPOCH, r) if ring_rank(r) is not None else (1, 0, first_seen[r], r),
    )
    services = sorted({s for s, _ in cells}, key=str.lower)
    for service in services:
        upstream: RingCell | None = None
        for ring in rings:
            cell = cells.get((service, ring))
            if ring_rank(ring) is None or cell is None or cell.running is None:
                continue
            if upstream is not None and upstream.running is not None:
                mine, theirs = cell.running, upstream.running
                if mine.image_tag != theirs.image_tag and image_time(mine) < image_time(theirs):
                    cell.behind = upstream.ring
                    cell.behind_since = theirs.updated_at
            upstream = cell
    return RingMatrix(services, rings, cells, tuple(order))


@dataclass(slots=True)
class ClusterSummary:
    """One cluster: what it runs and what it has still to sync."""

    sync: ClusterSync
    running: list[Deployment] = field(default_factory=list)  # newest live per service/ring
    deployments: Sequence[Deployment] = ()  # every deployment live there, newest first
    pending: Sequence[Deployment] = ()  # pushed, not synced there yet, newest first

    @property
    def included(self) -> int:
        return len(self.deployments)

    @property
    def pending_count(self) -> int:
        return len(self.pending)


def cluster_summaries(
    clusters: Iterable[ClusterSync], deployments: Iterable[Deployment]
) -> list[ClusterSummary]:
    """Per cluster: what it runs (newest live deployment of each service and ring), the
    deployments live there, and those with a manifest commit it has not synced yet.
    ``deployments`` must be newest first."""
    summaries = [ClusterSummary(sync, [], [], []) for sync in clusters]
    by_partition: dict[str, list[ClusterSummary]] = {}
    for summary in summaries:
        by_partition.setdefault(summary.sync.partition, []).append(summary)
    for d in deployments:
        if not d.manifest_commit:
            continue
        for summary in by_partition.get(d.partition, ()):
            if summary.sync.cluster in d.synced_clusters:
                summary.deployments.append(d)  # type: ignore[attr-defined]
            else:
                summary.pending.append(d)  # type: ignore[attr-defined]
    for summary in summaries:
        summary.running = newest_per_slot(summary.deployments)
    return summaries


def best_per_slot(items: Iterable[T], rank: Callable[[T], Any]) -> list[T]:
    """The greatest-``rank`` item of each service and ring (anything with a ``service``
    and a ``ring``)."""
    best: dict[tuple[str, str], T] = {}
    for item in items:
        slot = (item.service or "-", item.ring or "-")  # type: ignore[attr-defined]
        found = best.get(slot)
        if found is None or rank(item) > rank(found):
            best[slot] = item
    return list(best.values())


def newest_per_slot(live: Iterable[Deployment]) -> list[Deployment]:
    """The newest deployment of each service and ring, by service then ring."""
    return sorted(best_per_slot(live, _rank), key=lambda d: ((d.service or "").lower(), d.ring or ""))
