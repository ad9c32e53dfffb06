"""DORA figures per service and ring over a window."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from gitops_tui.domain.model import Deployment
from gitops_tui.domain.vocab import SUCCEEDED
from gitops_tui.insights.facts import Fact, fact_of
from gitops_tui.insights.figures import median, quantile
from gitops_tui.insights.syncs import sync_lead_times


@dataclass(frozen=True, slots=True)
class ClusterLead:
    """Lead time to one cluster's sync within a cell (None: no sample)."""

    cluster: str
    samples: int
    lead_time_median_s: float | None
    lead_time_p90_s: float | None


@dataclass(frozen=True, slots=True)
class Dora:
    """The four keys of one service × ring (None: no sample to rest on)."""

    service: str
    ring: str
    deployments: int  # every deployment in the window, whatever its status
    deploys_per_day: float  # succeeded deployments per day of the window
    lead_time_median_s: float | None
    lead_time_p90_s: float | None
    change_failure_rate: float | None  # failed over all, 0 to 1
    time_to_restore_median_s: float | None
    lead_times: tuple[tuple[datetime, float], ...] = field(default=(), repr=False)  # (arrived, s) oldest first
    # Image build start to each cluster's sync: pooled over clusters, and per cluster.
    lead_time_to_sync_median_s: float | None = None
    lead_time_to_sync_p90_s: float | None = None
    clusters: tuple[ClusterLead, ...] = ()


def when(d: Deployment | Fact) -> datetime | None:
    """The time a deployment counts at: its finish, else its last update."""
    return d.finished_at or d.updated_at


Synced = Callable[[Fact], Mapping[str, datetime]]


def _to_sync(chosen: list[Fact], synced: Synced | None, now: datetime,
             ) -> tuple[float | None, float | None, tuple[ClusterLead, ...]]:
    per: dict[str, list[float]] = {}
    if synced is None:
        return None, None, ()
    for d in chosen:
        times = synced(d)
        if not times or d.excluded:
            continue
        for cluster, seconds in sync_lead_times(d, times, d.build_start, now).items():
            per.setdefault(cluster, []).append(seconds)
    pooled = sorted(s for values in per.values() for s in values)
    clusters = []
    for cluster in sorted(per):
        values = sorted(per[cluster])
        clusters.append(ClusterLead(cluster, len(values), median(values), quantile(values, 0.9)))
    return median(pooled), quantile(pooled, 0.9), tuple(clusters)


def dora_of(service: str, ring: str, deployments: Iterable[Deployment | Fact], now: datetime, window_s: float,
            synced: Synced | None = None) -> Dora:
    """The figures of one cell from its deployments (any order; outside the window or
    in the future are left out); ``synced`` gives each one's cluster sync times."""
    since = now - timedelta(seconds=window_s)
    chosen = sorted(
        (f for f in map(fact_of, deployments) if (t := when(f)) is not None and since <= t <= now),
        key=lambda f: (when(f), f.id),
    )
    leads = [(d.finished_at, d.lead_s) for d in chosen if d.lead_s is not None]
    ordered = sorted(s for _, s in leads)
    failures = [d.failed for d in chosen]
    restores = []
    down: datetime | None = None
    for d, bad in zip(chosen, failures):
        if bad:
            down = down or when(d)
        elif d.status == SUCCEEDED and down is not None:
            restores.append((when(d) - down).total_seconds())  # type: ignore[operator]
            down = None
    succeeded = sum(1 for d in chosen if d.status == SUCCEEDED)
    to_sync_median, to_sync_p90, clusters = _to_sync(chosen, synced, now)
    return Dora(
        service=service, ring=ring, deployments=len(chosen),
        deploys_per_day=succeeded / (window_s / 86400.0),
        lead_time_median_s=median(ordered), lead_time_p90_s=quantile(ordered, 0.9),
        change_failure_rate=(sum(failures) / len(chosen)) if chosen else None,
        time_to_restore_median_s=median(sorted(restores)),
        lead_times=tuple(leads),  # type: ignore[arg-type]
        lead_time_to_sync_median_s=to_sync_median, lead_time_to_sync_p90_s=to_sync_p90, clusters=clusters,
    )
