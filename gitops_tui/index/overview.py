"""The rings and clusters overviews over records: the domain's, without reading 100k rows.

:mod:`gitops_tui.domain.overview` is the reference. A ring matrix depends only on the
newest (and newest succeeded) deployment of each service × ring and the earliest of
each ring, so those few records are found from the records' own fields and only they
are read as plain deployments; a cluster summary's lists are read lazily.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from gitops_tui.domain import overview
from gitops_tui.domain.model import ClusterSync, Deployment
from gitops_tui.domain.vocab import SUCCEEDED
from gitops_tui.index.records import Deployments, Record, manifest_of, to_plain


def ring_matrix(records: Sequence[Record], order: Sequence[str] = ()) -> overview.RingMatrix:
    """``overview.ring_matrix`` of these records' deployments."""
    latest: dict[tuple[str, str], Record] = {}
    running: dict[tuple[str, str], Record] = {}
    earliest: dict[str, Record] = {}
    for r in records:
        service, ring = r.service, r.ring
        if not service or not ring:
            continue
        slot, rank = (service, ring), (r.updated_us, r.key)
        found = latest.get(slot)
        if found is None or rank > (found.updated_us, found.key):
            latest[slot] = r
        if r.status == SUCCEEDED:
            found = running.get(slot)
            if found is None or rank > (found.updated_us, found.key):
                running[slot] = r
        found = earliest.get(ring)
        if found is None or r.updated_us < found.updated_us:
            earliest[ring] = r
    wanted = {id(r) for group in (latest, running, earliest) for r in group.values()}
    return overview.ring_matrix((to_plain(r) for r in records if id(r) in wanted), order)


def cluster_summaries(
    clusters: Iterable[ClusterSync], records: Sequence[Record]
) -> list[overview.ClusterSummary]:
    """``overview.cluster_summaries`` of these records (newest first); the live and
    pending lists are read as deployments only when a view reads them."""
    syncs = list(clusters)
    live: list[list[Record]] = [[] for _ in syncs]
    pending: list[list[Record]] = [[] for _ in syncs]
    by_partition: dict[str, list[tuple[int, str]]] = {}
    for i, sync in enumerate(syncs):  # (one cluster may report under two keys: two summaries)
        by_partition.setdefault(sync.partition, []).append((i, sync.cluster))
    if by_partition:
        for r in records:
            names = by_partition.get(r.key[0])
            if not names or not manifest_of(r):
                continue
            for i, name in names:
                (live if name in r.synced_clusters else pending)[i].append(r)
    return [
        overview.ClusterSummary(sync, _running(live[i]), Deployments(live[i]), Deployments(pending[i]))
        for i, sync in enumerate(syncs)
    ]


def _running(live: list[Record]) -> list[Deployment]:
    """``overview.newest_per_slot``, reading only the records it keeps."""
    return overview.newest_per_slot(map(to_plain, overview.best_per_slot(live, _rank)))


def _rank(r: Record) -> tuple[int, tuple[str, str]]:
    return (r.updated_us, r.key)
