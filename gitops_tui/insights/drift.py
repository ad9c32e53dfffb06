"""Ring drift: per service, how far each later ring is behind the first ring."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from gitops_tui.domain.model import Deployment
from gitops_tui.domain.vocab import SUCCEEDED, ring_ranker


@dataclass(frozen=True, slots=True)
class Drift:
    """One later ring against its service's first ring."""

    service: str
    ring: str
    first_ring: str
    first_image: str | None  # the newest image the first ring runs
    image: str | None  # the image this ring runs (None: nothing succeeded there yet)
    behind: int  # first-ring deployments newer than the one of this ring's image
    behind_s: float | None  # first-ring time between this ring's image and the newest


def ring_order(rings: Iterable[str], configured: Sequence[str] = ()) -> list[str]:
    """Rings in promotion order: the configured ``rings:`` if any, else vocab.RING_ORDER;
    rings outside the order (feature rings) are left out."""
    rank = ring_ranker(configured)
    ranked = {r for r in rings if rank(r) is not None}
    return sorted(ranked, key=lambda r: (rank(r), r))


def _when(d: Deployment) -> datetime | None:
    return d.finished_at or d.updated_at


def ring_drift(deployments: Iterable[Deployment], configured: Sequence[str] = ()) -> list[Drift]:
    """The drift of every later ring of every service, from succeeded deployments."""
    by: dict[str, dict[str, list[Deployment]]] = {}
    for d in deployments:
        if d.status == SUCCEEDED and d.service and d.ring and _when(d) is not None:
            by.setdefault(d.service, {}).setdefault(d.ring, []).append(d)
    out = []
    for service in sorted(by):
        rings = by[service]
        order = ring_order(rings, configured)
        if len(order) < 2:
            continue
        first = sorted(rings[order[0]], key=lambda d: (_when(d), d.id))
        newest = first[-1]
        arrived: dict[str, datetime] = {}
        for d in first:  # the first arrival of each image in the first ring
            if d.image_tag and d.image_tag not in arrived:
                arrived[d.image_tag] = _when(d)  # type: ignore[assignment]
        for ring in order[1:]:
            here = max(rings[ring], key=lambda d: (_when(d), d.id))
            since = arrived.get(here.image_tag or "")
            if since is None:  # an image the first ring never ran: compare by time
                since = _when(here)
            behind = sum(1 for d in first if _when(d) > since and d.image_tag != here.image_tag)  # type: ignore[operator]
            gap = (_when(newest) - since).total_seconds() if behind else 0.0  # type: ignore[operator]
            out.append(Drift(service, ring, order[0], newest.image_tag, here.image_tag, behind, max(0.0, gap)))
    return out
