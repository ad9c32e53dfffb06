"""Which clusters run which records: the cluster-sync part of the journey index.

The rule is :func:`gitops_tui.domain.rules.synced_clusters`: live where the manifest
commit is the cluster's own or was pushed no later than the cluster's *horizon* (when
its commit was pushed). Only the few commits clusters have synced are tracked (their
*carriers*), so a poll resyncs what it changed, not 100k records.
"""

from __future__ import annotations

from collections.abc import Iterable

from gitops_tui.domain.model import ClusterSync
from gitops_tui.domain.timefmt import to_iso
from gitops_tui.domain.rows import Key
from gitops_tui.index.records import _HAYSTACK_SLOT, NO_TIME, Record, instant, manifest_of

CommitKey = tuple[str, str]  # (partition, first seven characters of a manifest commit)
Horizon = tuple[ClusterSync, "int | None"]  # (µs since the epoch, as records keep push times)


def commit_key(partition: str, commit: str) -> CommitKey:
    """Short and full shas of one commit share a key (their first seven characters)."""
    return (partition, commit[:7].lower())


def synced_clusters(record: Record, synced: list[Horizon]) -> tuple[str, ...]:
    """``rules.synced_clusters`` on a record, with times in µs since the epoch."""
    commit = manifest_of(record)
    if not commit:
        return ()
    partition = record.partition
    pushed = _manifest_time(record)
    short = commit[:7]
    names = [
        sync.cluster
        for sync, horizon in synced
        if sync.partition == partition
        and (
            (pushed is not None and horizon is not None and pushed <= horizon)
            or sync.manifest_commit[:7] == short
        )
    ]
    return tuple(sorted(names)) if len(names) > 1 else tuple(names)


def _manifest_time(record: Record) -> int | None:
    """``rules.push_time`` in µs since the epoch (None when the row holds no time)."""
    pushed = record.pushed_us
    if pushed is None and record.updated_us != NO_TIME:
        return record.updated_us
    return pushed


class ClusterSyncing:
    """The cluster-sync half of :class:`~gitops_tui.index.journey.JourneyIndex` (which
    holds the state these methods read: ``clusters``, ``deployments``, ``_carriers``,
    ``_ordered`` and ``_locate``)."""

    clusters: dict[Key, ClusterSync]
    deployments: dict[Key, Record]
    _carriers: dict[CommitKey, dict[Key, int]]
    _ordered: list[Record]

    def _horizons(self) -> list[Horizon]:
        """Each cluster sync with its horizon (see :func:`synced_clusters`)."""
        out = []
        for sync in self.clusters.values():
            if sync.derived:  # its deployments come with the sync facts (ancestry)
                continue
            carriers = self._carriers.get(commit_key(sync.partition, sync.manifest_commit))
            if carriers:
                horizon: int | None = min(carriers.values())
            else:
                horizon = instant(to_iso(sync.synced_at)) if sync.synced_at is not None else None
            out.append((sync, horizon))
        return out

    def _find_carriers(self, deployments: Iterable[Record]) -> None:
        """Which deployments carry the commits the clusters synced (one pass)."""
        carriers = self._carriers = {
            commit_key(c.partition, c.manifest_commit): {} for c in self.clusters.values()
        }
        wanted = {short for _, short in carriers}
        for d in deployments:
            if manifest_of(d)[:7] in wanted:
                self._carry(d)

    def _carry(self, d: Record) -> None:
        commit = manifest_of(d)
        if commit:
            carriers = self._carriers.get((d.partition, commit[:7]))
            when = _manifest_time(d)
            if carriers is not None and when is not None:
                carriers[d.key] = when

    def _uncarry(self, d: Record) -> None:
        commit = manifest_of(d)
        if commit:
            carriers = self._carriers.get((d.partition, commit[:7]))
            if carriers is not None:
                carriers.pop(d.key, None)

    def _sync_all(self, built: list[Record]) -> None:
        """``synced_clusters`` of freshly built (not yet shared) deployments, in bulk:
        per partition the horizons are computed once and, when all are known, the test
        is one string comparison per cluster."""
        groups: dict[str, list[Horizon]] = {}
        for sync, horizon in self._horizons():
            groups.setdefault(sync.partition, []).append((sync, horizon))
        # Per partition: (cluster, horizon, synced short sha), the earliest horizon, and
        # every cluster: pushed before the earliest horizon, a deployment is live
        # everywhere (the common case, one comparison).
        plans = {}
        for partition, synced in groups.items():
            known = all(h is not None for _, h in synced)
            fast = [(h, s.cluster, s.manifest_commit[:7]) for s, h in synced] if known else None
            everywhere = tuple(sorted(s.cluster for s, _ in synced))
            plans[partition] = (fast, min(f[0] for f in fast) if fast else 0, everywhere, synced)
        texts: dict[tuple[str, ...], str] = {}
        for d in built:
            plan = plans.get(d.key[0])
            if plan is None:
                continue
            commit = manifest_of(d)
            if not commit:
                continue
            pushed = d.pushed_us  # (_manifest_time, its common case inlined: once per deployment)
            if pushed is None:
                pushed = _manifest_time(d)
            fast, earliest, everywhere, synced = plan
            if fast is not None and pushed is not None:
                if pushed <= earliest:
                    names = everywhere
                else:
                    short = commit[:7]
                    found = [c for horizon, c, synced_short in fast if pushed <= horizon or synced_short == short]
                    names = tuple(sorted(found)) if len(found) > 1 else tuple(found)
            else:
                names = synced_clusters(d, synced)
            if names:
                # Not yet shared with any snapshot: set in place. Fresh deployments end
                # their hay with an empty clusters field (an unbuilt one will hold them).
                d.synced_clusters = names
                hay = _HAYSTACK_SLOT.__get__(d)
                if hay is not None:
                    text = texts.get(names)
                    if text is None:
                        text = texts[names] = " ".join(names).lower()
                    d.haystack = hay + text

    def _resync(self, deployments: list[Record]) -> set[Key]:
        synced = self._horizons()
        changed = set()
        for deployment in deployments:
            names = synced_clusters(deployment, synced)
            if names != deployment.synced_clusters:
                # Deployments are shared with earlier snapshots: replace, never mutate.
                fresh = deployment.with_clusters(names)
                self.deployments[deployment.key] = fresh
                i = self._locate(deployment)
                if i is not None:
                    self._ordered[i] = fresh
                changed.add(deployment.key)
        return changed
