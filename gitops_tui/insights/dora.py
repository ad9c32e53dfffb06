"""DORA figures per service and ring over a window."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from gitops_tui.domain.model import Deployment
from gitops_tui.domain.vocab import IMAGE, SUCCEEDED
from gitops_tui.insights.figures import median, quantile
from gitops_tui.insights.hops import failed


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


def when(d: Deployment) -> datetime | None:
    """The time a deployment counts at: its finish, else its last update."""
    return d.finished_at or d.updated_at


def lead_time(d: Deployment) -> float | None:
    """Image build start to reaching the ring (the journey's finish), for a succeeded one."""
    if d.status != SUCCEEDED or d.finished_at is None:
        return None
    image = d.stage(IMAGE)
    start = image.started_at if image is not None and image.started_at else d.started_at
    if start is None or d.finished_at < start:
        return None
    return (d.finished_at - start).total_seconds()


def dora_of(service: str, ring: str, deployments: Iterable[Deployment], now: datetime, window_s: float) -> Dora:
    """The figures of one cell from its deployments (any order; outside the window or
    in the future are left out)."""
    since = now - timedelta(seconds=window_s)
    chosen = sorted(
        (d for d in deployments if (t := when(d)) is not None and since <= t <= now),
        key=lambda d: (when(d), d.id),
    )
    leads = [(d.finished_at, s) for d in chosen if (s := lead_time(d)) is not None]
    ordered = sorted(s for _, s in leads)
    failures = [failed(d) for d in chosen]
    restores = []
    down: datetime | None = None
    for d, bad in zip(chosen, failures):
        if bad:
            down = down or when(d)
        elif d.status == SUCCEEDED and down is not None:
            restores.append((when(d) - down).total_seconds())  # type: ignore[operator]
            down = None
    succeeded = sum(1 for d in chosen if d.status == SUCCEEDED)
    return Dora(
        service=service, ring=ring, deployments=len(chosen),
        deploys_per_day=succeeded / (window_s / 86400.0),
        lead_time_median_s=median(ordered), lead_time_p90_s=quantile(ordered, 0.9),
        change_failure_rate=(sum(failures) / len(chosen)) if chosen else None,
        time_to_restore_median_s=median(sorted(restores)),
        lead_times=tuple(leads),  # type: ignore[arg-type]
    )
