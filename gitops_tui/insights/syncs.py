"""When each cluster synced a deployment's manifest commit, as far as the store says.

A cluster-sync row holds a cluster's newest sync only (commit and time), so the time a
deployment reached a cluster is known exactly when that cluster synced *its* manifest
commit. :class:`SyncLog` remembers every sync it is shown, so the monitor, fed each
poll's cluster syncs, keeps the ones a later sync overwrote in the table. A cluster that
jumped over a commit (synced a later one first) gives that deployment no sample: when it
arrived there is not recorded, and a guess would bias the figures.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from gitops_tui.domain.model import ClusterSync, Deployment
from gitops_tui.insights.facts import Fact
from gitops_tui.insights.hops import HopModel

COMMIT_KEY = 7  # short and full shas of one commit share their first seven characters


_NONE: Mapping[str, datetime] = {}


def commit_key(commit: str | None) -> str | None:
    return commit[:COMMIT_KEY].lower() if commit else None


class SyncLog:
    """(partition, commit) → cluster → the time it synced that commit."""

    def __init__(self) -> None:
        self._at: dict[tuple[str, str], dict[str, datetime]] = {}

    def add(self, syncs: Iterable[ClusterSync]) -> set[tuple[str, str]]:
        """Remember ``syncs``; returns the (partition, commit) pairs whose times changed
        (the first sync of a commit on a cluster counts: a re-report keeps it)."""
        changed = set()
        for s in syncs:
            commit = commit_key(s.manifest_commit)
            if commit is None or s.synced_at is None or not s.cluster:
                continue
            key = (s.partition, commit)
            times = self._at.setdefault(key, {})
            old = times.get(s.cluster)
            if old is None or s.synced_at < old:
                times[s.cluster] = s.synced_at
                changed.add(key)
        return changed

    def times(self, d: Deployment | Fact) -> Mapping[str, datetime]:
        """Cluster → when it synced ``d``'s manifest commit (empty: none recorded); the
        log's own mapping, to read, not to change (no copy per deployment read)."""
        commit = commit_key(d.manifest_commit)
        if commit is None or not self._at:
            return _NONE
        return self._at.get((d.partition, commit), _NONE)


def sync_durations(d: Deployment | Fact, synced: Mapping[str, datetime], now: datetime | None = None) -> dict[str, float]:
    """Cluster → seconds from the manifest commit (its push) to that cluster's sync.
    A sync before the push, a missing push time or a sync in the future give no sample."""
    pushed = d.pushed_at
    if pushed is None or not synced:
        return {}
    out = {}
    for cluster, at in synced.items():
        if at < pushed or (now is not None and at > now):
            continue
        out[cluster] = (at - pushed).total_seconds()
    return out


def sync_lead_times(d: Deployment | Fact, synced: Mapping[str, datetime], start: datetime | None,
                    now: datetime | None = None) -> dict[str, float]:
    """Cluster → seconds from ``start`` (the image build's start) to that cluster's sync;
    the same honest gaps as :func:`sync_durations`, and none before the start."""
    if start is None or d.pushed_at is None:
        return {}
    return {c: (at - start).total_seconds() for c, at in synced.items()
            if at >= start and at >= d.pushed_at and (now is None or at <= now)}


def count(model: HopModel, d: Deployment | Fact, log: SyncLog, since: datetime | None, now: datetime | None,
          defer: bool = False) -> None:
    """Put ``d`` in ``model`` with its commit-to-sync samples, placed in the window at its
    last update or its latest sync counted, whichever is later."""
    synced = log.times(d)
    durations = sync_durations(d, synced, now)
    when = d.updated_at
    if durations:
        times = [t for t in [when, *(synced[c] for c in durations)] if t is not None]
        when = max(times) if times else None
    model.add(d, since, durations, when, defer)
