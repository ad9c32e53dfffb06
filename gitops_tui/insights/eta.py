"""ETA of an in-flight deployment: the median time left of each remaining hop."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from gitops_tui.domain.model import Deployment
from gitops_tui.domain.vocab import IN_PROGRESS, MANIFEST, SUCCEEDED, WAITING
from gitops_tui.insights.hops import SYNC, HopModel, HopStats, remaining_hops, sync_hop


@dataclass(frozen=True, slots=True)
class HopEta:
    """Time left of one remaining hop, and what that rests on."""

    hop: str
    seconds: float | None  # None: no sample at all, or a start time in the future
    samples: int
    scope: tuple[str | None, str | None]
    running_s: float | None = None  # how long the hop has run (None: not started)


@dataclass(frozen=True, slots=True)
class Eta:
    """Time left of a whole journey: the sum of its hops', unknown if any is."""

    hops: tuple[HopEta, ...]

    @property
    def seconds(self) -> float | None:
        """The hops in a row, then the slowest cluster (clusters sync in parallel)."""
        if not self.hops or any(h.seconds is None for h in self.hops):
            return None
        serial = sum(h.seconds or 0.0 for h in self.hops if not h.hop.startswith(SYNC))
        return serial + max((h.seconds or 0.0 for h in self.hops if h.hop.startswith(SYNC)), default=0.0)

    @property
    def samples(self) -> int:
        """The fewest samples any remaining hop rests on."""
        return min((h.samples for h in self.hops), default=0)

    def at(self, now: datetime) -> datetime | None:
        """The clock time it should be live."""
        seconds = self.seconds
        return None if seconds is None else now + timedelta(seconds=seconds)


def _sync_hops(d: Deployment, model: HopModel, min_samples: int,
               ) -> list[tuple[str, datetime | None, HopStats]]:
    """The commit-to-sync hops left: one per cluster still to sync a pushed manifest
    commit; before the push, one pooled hop when the history has any sync samples."""
    if d.status not in (IN_PROGRESS, WAITING):
        return []
    manifest = d.stage(MANIFEST)
    if manifest is not None and manifest.status == SUCCEEDED and d.pushed_at is not None:
        return [(sync_hop(c), d.pushed_at, model.best_sync(d.service, d.ring, c, min_samples))
                for c in d.pending_clusters]
    pooled = model.best(d.service, d.ring, SYNC, min_samples)
    return [(SYNC, None, pooled)] if pooled.samples else []


def eta_of(d: Deployment, model: HopModel, now: datetime, min_samples: int = 5) -> Eta | None:
    """The ETA of ``d``; None for a deployment not in flight."""
    left = [(hop, started, model.best(d.service, d.ring, hop, min_samples)) for hop, started in remaining_hops(d)]
    left += _sync_hops(d, model, min_samples)
    if not left:
        return None
    hops = []
    for hop, started, stats in left:
        seconds = stats.median_s
        running = None
        if started is not None:
            running = (now - started).total_seconds()
            if running < 0:  # a start in the future: the clock cannot be trusted
                seconds = None
            elif seconds is not None:
                # Overrunning the median: say "any moment" (0), never a negative time.
                seconds = max(0.0, seconds - running)
        hops.append(HopEta(hop, seconds, stats.samples, stats.scope, running))
    return Eta(tuple(hops))
