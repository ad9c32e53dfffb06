"""The insights of a whole history, kept up to date poll by poll.

A poll that changes a few rows touches only their cells: the hop model moves their
samples, and the DORA figures and drift of their service × ring (and service) are
recomputed on the next read; every other cell is served from the cache.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from gitops_tui.domain.model import Deployment
from gitops_tui.domain.vocab import IN_PROGRESS, WAITING
from gitops_tui.insights.dora import Dora, dora_of
from gitops_tui.insights.drift import Drift, ring_drift
from gitops_tui.insights.eta import Eta, eta_of
from gitops_tui.insights.hops import HopModel
from gitops_tui.insights.settings import InsightSettings
from gitops_tui.insights.stuck import stuck_reasons

Key = tuple[str, str]
Cell = tuple[str, str]
_STALE_S = 60.0  # cached figures older than this follow the sliding window again


class InsightsEngine:
    """Deployments by key, grouped by service × ring, with cached figures per cell."""

    def __init__(self, settings: InsightSettings | None = None) -> None:
        self.settings = settings or InsightSettings()
        self.model = HopModel()
        self._rows: dict[Key, Deployment] = {}
        self._cells: dict[Cell, dict[Key, Deployment]] = {}
        self._in_flight: dict[Key, Deployment] = {}
        self._dora: dict[Cell, Dora] = {}
        self._drift: dict[str, list[Drift]] = {}
        self._at: datetime | None = None

    def load(self, deployments: Iterable[Deployment], now: datetime) -> None:
        """Start over from a whole history."""
        self.__init__(self.settings)  # type: ignore[misc]
        self.update(deployments, now=now)

    def update(self, changed: Iterable[Deployment], removed: Iterable[Key] = (),
               now: datetime | None = None) -> None:
        """Take a poll's changed and removed deployments."""
        since = None if now is None else now - timedelta(seconds=self.settings.window_s)
        for key in removed:
            self._drop(key)
        for d in changed:
            self._drop(d.key)
            self._rows[d.key] = d
            self.model.add(d, since)
            if d.status in (IN_PROGRESS, WAITING):
                self._in_flight[d.key] = d
            if d.service and d.ring:
                self._cells.setdefault((d.service, d.ring), {})[d.key] = d
                self._touch(d.service, d.ring)

    def _drop(self, key: Key) -> None:
        old = self._rows.pop(key, None)
        if old is None:
            return
        self.model.remove(key)
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

    def dora(self, now: datetime) -> list[Dora]:
        """The DORA figures of every cell, service then ring."""
        self._fresh(now)
        out = []
        for cell in sorted(self._cells):
            figures = self._dora.get(cell)
            if figures is None:
                figures = dora_of(cell[0], cell[1], self._cells[cell].values(), now, self.settings.window_s)
                self._dora[cell] = figures
            out.append(figures)
        return out

    def drift(self) -> list[Drift]:
        """The ring drift of every service."""
        services = {s for s, _ in self._cells}
        out = []
        for service in sorted(services):
            found = self._drift.get(service)
            if found is None:
                rows = [d for (s, _), m in self._cells.items() if s == service for d in m.values()]
                found = ring_drift(rows, self.settings.rings)
                self._drift[service] = found
            out.extend(found)
        return out

    def in_flight(self) -> list[Deployment]:
        return list(self._in_flight.values())

    def eta(self, d: Deployment, now: datetime) -> Eta | None:
        return eta_of(d, self.model, now, self.settings.min_samples)

    def stuck(self, d: Deployment, now: datetime) -> list[str]:
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
            flying = [d for d in self._cells[(f.service, f.ring)].values() if d.key in self._in_flight]
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
            })
        return out
