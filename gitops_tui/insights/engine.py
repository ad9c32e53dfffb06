"""The insights of a whole history, kept up to date poll by poll.

A poll that changes a few rows touches only their cells: the hop model moves their
samples, and the DORA figures and drift of their service × ring (and service) are
recomputed on the next read; every other cell is served from the cache. A poll's
cluster syncs re-count only the deployments of the commits they newly synced, and the
hop samples that slid out of the window are dropped oldest first.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from datetime import datetime, timedelta
from typing import Any

from gitops_tui.domain.model import ClusterSync, Deployment
from gitops_tui.domain.vocab import IN_PROGRESS, WAITING
from gitops_tui.domain.rows import Key
from gitops_tui.insights.dora import Dora, dora_of
from gitops_tui.insights.drift import Drift, ring_drift
from gitops_tui.insights.eta import Eta, eta_of
from gitops_tui.insights.facts import Fact, fact_of
from gitops_tui.insights.hops import SYNC, HopModel, sync_hop
from gitops_tui.insights.settings import InsightSettings
from gitops_tui.insights.stuck import stuck_reasons
from gitops_tui.insights.syncs import SyncLog, commit_key, count

Cell = tuple[str, str]
_STALE_S = 60.0  # cached figures older than this follow the sliding window again


class InsightsEngine:
    """Deployments by key, grouped by service × ring, with cached figures per cell."""

    def __init__(self, settings: InsightSettings | None = None, syncs: SyncLog | None = None) -> None:
        self.settings = settings or InsightSettings()
        self.model = HopModel()
        self.syncs = syncs or SyncLog()
        self._by_commit: dict[tuple[str, str], set[Key]] = {}
        self._rows: dict[Key, Fact] = {}
        self._cells: dict[Cell, dict[Key, Fact]] = {}
        self._in_flight: dict[Key, Deployment] = {}
        self._dora: dict[Cell, Dora] = {}
        self._drift: dict[str, list[Drift]] = {}
        self._at: datetime | None = None
        self._defer = False

    def load(self, deployments: Iterable[Deployment], now: datetime,
             clusters: Iterable[ClusterSync] = ()) -> None:
        """Start over from a whole history (the syncs seen so far are kept: the table
        holds each cluster's newest only)."""
        for _ in self.load_steps(deployments, now, clusters):
            pass

    def load_steps(self, deployments: Iterable[Deployment], now: datetime,
                   clusters: Iterable[ClusterSync] = (), size: int = 5000, warm: bool = False) -> Iterator[int]:
        """:meth:`load` a chunk of ``size`` deployments at a time, yielding how many are
        in so far (a UI worker gives way between chunks; the figures are whole only
        once it is exhausted). Then the sample lists are sorted a few at a time and,
        ``warm``, the DORA figures and drift computed a cell (a service) a step, so that
        no later read pays for them at once."""
        self.__init__(self.settings, self.syncs)  # type: ignore[misc]
        self._defer = True  # (one sort per sample list, not an insertion per sample)
        try:
            it = iter(deployments)
            done = 0
            synced = list(clusters)
            while chunk := list(islice(it, size)):
                self.update(chunk, now=now, clusters=synced, expire=False)
                synced = []
                done += len(chunk)
                yield done
        finally:
            self._defer = False
        for _ in self.model.settle_steps():
            yield done
        self._slide(now)
        if warm:
            self._fresh(now)
            for cell in sorted(self._cells):
                self._dora_of(cell, now)
                yield done
            for service in sorted({s for s, _ in self._cells}):
                self._drift_of(service)
                yield done

    def update(self, changed: Iterable[Deployment], removed: Iterable[Key] = (),
               now: datetime | None = None, clusters: Iterable[ClusterSync] = (), expire: bool = True) -> None:
        """Take a poll's changed and removed deployments and its cluster syncs
        (``expire``: then drop the hop samples that slid out of the window)."""
        since = None if now is None else now - timedelta(seconds=self.settings.window_s)
        synced = self.syncs.add(clusters)
        for key in removed:
            self._drop(key)
        done = set()
        for d in changed:
            key = d.key
            self._drop(key)
            fact = self._rows[key] = fact_of(d)  # (the whole deployment only while in flight)
            done.add(key)
            self._count(fact, since, now)
            if (commit := commit_key(d.manifest_commit)) is not None:
                self._by_commit.setdefault((d.partition, commit), set()).add(key)
            if d.status in (IN_PROGRESS, WAITING):
                self._in_flight[key] = d
            if d.service and d.ring:
                self._cells.setdefault((d.service, d.ring), {})[key] = fact
                self._touch(d.service, d.ring)
        for pair in synced:  # a newly seen sync: only the deployments of that commit
            for key in self._by_commit.get(pair, ()):
                if key not in done and (d := self._rows.get(key)) is not None:
                    self._count(d, since, now)
                    if d.service and d.ring:
                        self._touch(d.service, d.ring)
        if since is not None and expire:
            self.model.expire(since)

    def _count(self, d: Fact, since: datetime | None, now: datetime | None) -> None:
        count(self.model, d, self.syncs, since, now, self._defer)

    def _drop(self, key: Key) -> None:
        old = self._rows.pop(key, None)
        if old is None:
            return
        self.model.remove(key)
        if (commit := commit_key(old.manifest_commit)) is not None:
            keys = self._by_commit.get((old.partition, commit))
            if keys is not None:
                keys.discard(key)
                if not keys:
                    del self._by_commit[(old.partition, commit)]
        self._in_flight.pop(key, None)
        if old.service and old.ring:
            members = self._cells.get((old.service, old.ring))
            if members is not None:
                members.pop(key, None)
                if not members:
                    del self._cells[(old.service, old.ring)]
            self._touch(old.service, old.ring)

    def _touch(self, service: str, ring: str) -> None:
        self._dora.pop((service, ring), None)
        self._drift.pop(service, None)

    def _fresh(self, now: datetime) -> None:
        if self._at is None or abs((now - self._at).total_seconds()) > _STALE_S:
            self._dora.clear()
            self._at = now

    def _slide(self, now: datetime) -> None:
        # Between polls too: hop samples older than the window fall out (a heap peek
        # when none has).
        self.model.expire(now - timedelta(seconds=self.settings.window_s))

    def dora(self, now: datetime) -> list[Dora]:
        """The DORA figures of every cell, service then ring."""
        self._fresh(now)
        return [self._dora_of(cell, now) for cell in sorted(self._cells)]

    def _dora_of(self, cell: Cell, now: datetime) -> Dora:
        figures = self._dora.get(cell)
        if figures is None:
            figures = dora_of(cell[0], cell[1], self._cells[cell].values(), now, self.settings.window_s,
                              self.syncs.times)
            self._dora[cell] = figures
        return figures

    def drift(self) -> list[Drift]:
        """The ring drift of every service."""
        return [x for service in sorted({s for s, _ in self._cells}) for x in self._drift_of(service)]

    def _drift_of(self, service: str) -> list[Drift]:
        found = self._drift.get(service)
        if found is None:
            rows = [d for (s, _), m in self._cells.items() if s == service for d in m.values()]
            found = ring_drift(rows, self.settings.rings)
            self._drift[service] = found
        return found

    def in_flight(self) -> list[Deployment]:
        return list(self._in_flight.values())

    def eta(self, d: Deployment, now: datetime) -> Eta | None:
        self._slide(now)
        return eta_of(d, self.model, now, self.settings.min_samples)

    def stuck(self, d: Deployment, now: datetime) -> list[str]:
        self._slide(now)
        return stuck_reasons(d, self.model, now, self.settings)

    def stuck_ids(self, now: datetime) -> dict[Key, list[str]]:
        """Every stuck in-flight deployment (by key) with its reasons."""
        out = {}
        for key, d in self._in_flight.items():
            reasons = self.stuck(d, now)
            if reasons:
                out[key] = reasons
        return out

    def stats(self, now: datetime, service: str | None = None, ring: str | None = None) -> list[dict[str, Any]]:
        """The figures of ``gitops-tui stats --output json``: one object per cell."""
        stuck = self.stuck_ids(now)
        drift = {(x.service, x.ring): x for x in self.drift()}
        out = []
        for f in self.dora(now):
            if (service and f.service != service) or (ring and f.ring != ring):
                continue
            flying = [self._in_flight[k] for k in self._cells[(f.service, f.ring)] if k in self._in_flight]
            etas = {d.id: self.eta(d, now) for d in flying}
            lag = drift.get((f.service, f.ring))
            out.append({
                "service": f.service, "ring": f.ring, "deployments": f.deployments,
                "deploys_per_day": round(f.deploys_per_day, 4),
                "lead_time_median_s": f.lead_time_median_s, "lead_time_p90_s": f.lead_time_p90_s,
                "change_failure_rate": f.change_failure_rate,
                "time_to_restore_median_s": f.time_to_restore_median_s,
                "stuck": sorted(d.id for d in flying if d.key in stuck),
                "eta": {i: (e.seconds if e is not None else None) for i, e in sorted(etas.items())},
                "stuck_reasons": {d.id: stuck[d.key] for d in flying if d.key in stuck},
                "drift_behind": lag.behind if lag else None,
                "drift_behind_s": lag.behind_s if lag else None,
                **self._sync_figures(f),
            })
        return out

    def _sync_figures(self, f: Dora) -> dict[str, Any]:
        """The extra keys of commit-to-sync and lead time to each cluster's sync."""
        pooled = self.model.stats(f.service, f.ring, SYNC)
        leads = {c.cluster: c for c in f.clusters}
        clusters = {}
        for name in sorted(set(leads) | set(self.model.sync_clusters(f.service, f.ring))):
            lead, hop = leads.get(name), self.model.stats(f.service, f.ring, sync_hop(name))
            clusters[name] = {
                "lead_time_median_s": lead.lead_time_median_s if lead else None,
                "lead_time_p90_s": lead.lead_time_p90_s if lead else None,
                "commit_to_sync_median_s": hop.median_s, "commit_to_sync_p90_s": hop.p90_s,
                "samples": hop.samples,
            }
        return {
            "lead_time_to_sync_median_s": f.lead_time_to_sync_median_s,
            "lead_time_to_sync_p90_s": f.lead_time_to_sync_p90_s,
            "commit_to_sync_median_s": pooled.median_s, "commit_to_sync_p90_s": pooled.p90_s,
            "clusters": clusters,
        }
