"""ETA of an in-flight deployment: the median time left of each remaining hop."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from gitops_tui.domain.model import Deployment
from gitops_tui.insights.hops import HopModel, remaining_hops


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
        if not self.hops or any(h.seconds is None for h in self.hops):
            return None
        return sum(h.seconds or 0.0 for h in self.hops)

    @property
    def samples(self) -> int:
        """The fewest samples any remaining hop rests on."""
        return min((h.samples for h in self.hops), default=0)

    def at(self, now: datetime) -> datetime | None:
        """The clock time it should be live."""
        seconds = self.seconds
        return None if seconds is None else now + timedelta(seconds=seconds)


def eta_of(d: Deployment, model: HopModel, now: datetime, min_samples: int = 5) -> Eta | None:
    """The ETA of ``d``; None for a deployment not in flight."""
    left = remaining_hops(d)
    if not left:
        return None
    hops = []
    for hop, started in left:
        stats = model.best(d.service, d.ring, hop, min_samples)
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
