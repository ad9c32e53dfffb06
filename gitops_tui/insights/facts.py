"""What the figures need of one deployment, without its stages and texts.

The engine keeps one :class:`Fact` per deployment of the whole history (the in-flight
ones also as deployments, for their ETA and stuck checks): at 100k deployments a few
hundred bytes each instead of the few kilobytes of a deployment value.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from gitops_tui.domain.model import Deployment
from gitops_tui.domain.vocab import IMAGE, SUCCEEDED
from gitops_tui.insights.hops import canceled, failed, hop_durations


@dataclass(frozen=True, slots=True)
class Fact:
    """One deployment as the DORA figures, ring drift and hop model read it."""

    id: str
    partition: str
    service: str | None
    ring: str | None
    status: str
    updated_at: datetime | None
    finished_at: datetime | None
    pushed_at: datetime | None
    build_start: datetime | None  # the image build's start, else the journey's
    image_tag: str | None
    manifest_commit: str | None
    failed: bool  # its status or any stage failed
    excluded: bool  # failed or canceled anywhere: out of the duration model
    lead_s: float | None  # build start to reaching the ring, for a succeeded one
    hops: tuple[tuple[str, float], ...]  # the seconds each finished hop took

    @property
    def key(self) -> tuple[str, str]:
        return (self.partition, self.id)


def build_start(d: Deployment) -> datetime | None:
    """Where lead time starts: the image build's start, else the journey's."""
    image = d.stage(IMAGE)
    return image.started_at if image is not None and image.started_at else d.started_at


def lead_time(d: Deployment, start: datetime | None = None) -> float | None:
    """Image build start (``start``, if known already) to reaching the ring (the
    journey's finish), for a succeeded one."""
    if d.status != SUCCEEDED or d.finished_at is None:
        return None
    start = start or build_start(d)
    if start is None or d.finished_at < start:
        return None
    return (d.finished_at - start).total_seconds()


def fact_of(d: Deployment | Fact) -> Fact:
    """The fact of a deployment (a fact is its own)."""
    if d.__class__ is Fact:
        return d  # type: ignore[return-value]
    bad = failed(d)  # type: ignore[arg-type]
    out = bad or canceled(d)  # (hops.excluded, failed() asked once)
    start = build_start(d)  # type: ignore[arg-type]
    return Fact(d.id, d.partition, d.service, d.ring, d.status, d.updated_at, d.finished_at, d.pushed_at, start,
                d.image_tag, d.manifest_commit, bad, out, lead_time(d, start),  # type: ignore[arg-type]
                () if out else tuple(hop_durations(d).items()))  # type: ignore[arg-type]
