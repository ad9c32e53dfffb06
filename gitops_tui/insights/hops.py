"""Per-hop durations of a journey, and the model of them per service and ring.

A journey's hops, in order: the image build (stage ``image``), the metadata update
(``hld``), waiting for approval (the HLD pull request: ``hld`` finished to ``manifest``
started), the manifest generation (``manifest``), then commit-to-sync on each cluster
(``sync:<cluster>``, pooled over clusters as ``sync``; see :mod:`.syncs`). Failed and canceled journeys are
left out of the model: their durations say how long failing took, not shipping.
"""

from __future__ import annotations

import bisect
import heapq
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gitops_tui.domain.model import Deployment
from gitops_tui.domain.vocab import CANCELED, FAILED, HLD, IMAGE, IN_PROGRESS, MANIFEST, SUCCEEDED, WAITING
from gitops_tui.insights.figures import median, quantile

HOPS: tuple[str, ...] = ("image", "metadata", "approval", "manifest")
HOP_WORDS: dict[str, str] = {
    "image": "image build", "metadata": "metadata update",
    "approval": "waiting for approval", "manifest": "manifest generation",
    "sync": "commit-to-sync",
}
SYNC = "sync"
_STAGE_OF = {"image": IMAGE, "metadata": HLD, "manifest": MANIFEST}
Cell = tuple[str | None, str | None]  # (service, ring); None: any
_REBUILD = 128  # removals from one list at once past which it is rebuilt in one pass


def sync_hop(cluster: str) -> str:
    """The hop name of commit-to-sync on one cluster."""
    return f"{SYNC}:{cluster}"


def hop_words(hop: str) -> str:
    """A hop as a person says it: ``image build``, ``sync on west``."""
    if hop.startswith(SYNC + ":"):
        return f"sync on {hop[len(SYNC) + 1:]}"
    return HOP_WORDS.get(hop, hop)


def failed(d: Deployment) -> bool:
    """A deployment that failed: its status, or any of its stages."""
    return d.status == FAILED or any(s.status == FAILED for s in d.stages)


def canceled(d: Deployment) -> bool:
    """A deployment that was canceled: its status, or any of its stages."""
    return d.status == CANCELED or any(s.status == CANCELED for s in d.stages)


def excluded(d: Deployment) -> bool:
    """Left out of the duration model: failed or canceled, anywhere."""
    return failed(d) or canceled(d)


def _span(start: datetime | None, end: datetime | None) -> float | None:
    # A stage that finished before it started, or any missing time: unknown, not 0.
    if start is None or end is None or end < start:
        return None
    return (end - start).total_seconds()


def hop_times(d: Deployment) -> dict[str, tuple[datetime | None, datetime | None]]:
    """Each hop that ran: (start, end), either None when not recorded or not reached."""
    out: dict[str, tuple[datetime | None, datetime | None]] = {}
    for hop, name in _STAGE_OF.items():
        stage = d.stage(name)
        if stage is not None:
            end = stage.finished_at if stage.status == SUCCEEDED else None
            out[hop] = (stage.started_at, end)
    hld, manifest = d.stage(HLD), d.stage(MANIFEST)
    if hld is not None and hld.status == SUCCEEDED and hld.finished_at is not None:
        out["approval"] = (hld.finished_at, manifest.started_at if manifest is not None else None)
    return out


def hop_durations(d: Deployment) -> dict[str, float]:
    """The seconds each finished hop took (only hops with both times, in order)."""
    out = {}
    for hop, (start, end) in hop_times(d).items():
        seconds = _span(start, end)
        if seconds is not None:
            out[hop] = seconds
    return out


def remaining_hops(d: Deployment) -> list[tuple[str, datetime | None]]:
    """The hops an in-flight journey has still to finish, each with when it started
    (None for a hop not started yet). Empty for a journey that is not in flight."""
    if d.status not in (IN_PROGRESS, WAITING):
        return []
    times = hop_times(d)
    hops = HOPS[HOPS.index("manifest"):] if d.manual_hld_edit else HOPS
    left = []
    for hop in hops:
        start, end = times.get(hop, (None, None))
        if end is None:
            left.append((hop, start))
    return left


@dataclass(frozen=True, slots=True)
class HopStats:
    """The duration model of one hop in one scope."""

    samples: int
    median_s: float | None
    p90_s: float | None
    p95_s: float | None
    scope: Cell  # the (service, ring) it rests on; None parts: all


class HopModel:
    """Sorted samples per (service, ring, hop), (service, None, hop) and (None, None,
    hop); a deployment added or removed touches only its own few lists. Each
    deployment's samples carry the time they count at, so :meth:`expire` drops those
    that slid out of the window (oldest first, without a recompute)."""

    def __init__(self, track: bool = True) -> None:
        # track=False: add only (a one-shot pass): no per-deployment record for remove,
        # replace or expire, so memory is the samples' alone.
        self._track = track
        self._samples: dict[tuple[str | None, str | None, str], list[float]] = {}
        # (service, ring, hop) → its three lists (that cell, the service, all): one
        # lookup per sample instead of three.
        self._lists: dict[tuple[str | None, str | None, str], tuple[list[float], ...]] = {}
        self._of: dict[tuple[str, str], list[tuple[tuple[list[float], ...], float]]] = {}
        self._when: dict[tuple[str, str], datetime] = {}
        self._heap: list[tuple[datetime, tuple[str, str]]] = []  # (when, key); stale ones skipped
        self._unsorted = False  # deferred adds (a whole history): sorted once, on first read

    def _lists_of(self, service: str | None, ring: str | None, hop: str) -> tuple[list[float], ...]:
        found = self._lists.get((service, ring, hop))
        if found is None:
            scopes = {(service, ring), (service, None), (None, None)}  # (a set: no list twice)
            found = tuple(self._samples.setdefault((s, r, hop), []) for s, r in sorted(scopes, key=str))
            self._lists[(service, ring, hop)] = found
        return found

    def add(self, d: Any, since: datetime | None = None, syncs: dict[str, float] | None = None,
            when: datetime | None = None, defer: bool = False) -> None:
        """Count ``d`` (a deployment or a facts.Fact; once: a second add replaces the first), with ``syncs`` (cluster →
        commit-to-sync seconds); ``when`` (default its last update) places it in the window.
        ``defer``: append now and sort on the first read (a bulk load: one sort per list
        instead of an insertion into a long list per sample)."""
        key = d.key
        if key in self._of:
            self.remove(key)
        elif self._unsorted and not defer:
            self._settle()
        when = when or d.updated_at
        own = getattr(d, "hops", None)  # a facts.Fact carries its durations, worked out once
        out = excluded(d) if own is None else d.excluded
        if out or (since is not None and (when is None or when < since)):
            return
        durations = list(hop_durations(d).items() if own is None else own)
        for cluster, seconds in sorted((syncs or {}).items()):
            durations += [(SYNC, seconds), (sync_hop(cluster), seconds)]
        if not durations:
            return
        entries = []
        service, ring = d.service, d.ring
        for hop, seconds in durations:
            lists = self._lists.get((service, ring, hop)) or self._lists_of(service, ring, hop)
            for values in lists:
                values.append(seconds) if defer else bisect.insort(values, seconds)
            if self._track:
                entries.append((lists, seconds))
        self._unsorted = self._unsorted or defer
        if not self._track:
            return
        self._of[key] = entries
        if when is not None:
            self._when[key] = when
            heapq.heappush(self._heap, (when, key))

    def settle_steps(self, per_step: int = 100_000) -> Iterator[None]:
        """Sort the deferred lists, yielding after about ``per_step`` samples (a UI
        worker gives way between)."""
        if not self._unsorted:
            return
        done = 0
        for values in list(self._samples.values()):
            values.sort()
            done += len(values)
            if done >= per_step:
                done = 0
                yield
        self._unsorted = False

    def _settle(self) -> None:
        for _ in self.settle_steps():  # (all of it now: nothing to give way to)
            pass

    def remove(self, key: tuple[str, str]) -> None:
        self._remove_many([key])

    def _remove_many(self, keys: Iterable[tuple[str, str]]) -> None:
        self._settle()
        gone: dict[int, tuple[list[float], list[float]]] = {}  # by list identity
        for key in keys:
            self._when.pop(key, None)
            for lists, seconds in self._of.pop(key, ()):
                for values in lists:
                    gone.setdefault(id(values), (values, []))[1].append(seconds)
        for values, drop in gone.values():
            if len(drop) < _REBUILD:
                for seconds in drop:
                    del values[bisect.bisect_left(values, seconds)]
                continue
            # Many at once (the window slid far): one pass beats a move of the list per sample.
            left = Counter(drop)
            kept = []
            for v in values:
                if left.get(v):
                    left[v] -= 1
                else:
                    kept.append(v)
            values[:] = kept

    def expire(self, since: datetime) -> int:
        """Drop the deployments that count before ``since``; returns how many."""
        heap = self._heap
        out = []
        while heap and heap[0][0] < since:
            when, key = heapq.heappop(heap)
            if self._when.get(key) == when:
                del self._when[key]
                out.append(key)
        if out:
            self._remove_many(out)
        return len(out)

    def stats(self, service: str | None, ring: str | None, hop: str) -> HopStats:
        """The model in exactly this scope (no fallback)."""
        self._settle()
        values = self._samples.get((service, ring, hop), [])
        return HopStats(len(values), median(values), quantile(values, 0.9), quantile(values, 0.95),
                        (service, ring))

    def best(self, service: str | None, ring: str | None, hop: str, min_samples: int) -> HopStats:
        """The narrowest scope with ``min_samples``: service × ring, then service, then
        all services; the widest scope (perhaps with too few samples) otherwise."""
        found = self.stats(None, None, hop)
        for scope in ((service, ring), (service, None)):
            if scope[0] is None:
                continue
            stats = self.stats(scope[0], scope[1], hop)
            if stats.samples >= min_samples:
                return stats
        return found

    def best_sync(self, service: str | None, ring: str | None, cluster: str, min_samples: int) -> HopStats:
        """Commit-to-sync on ``cluster`` (narrowing as :meth:`best`), else pooled over
        every cluster when that cluster has too few samples."""
        own = self.best(service, ring, sync_hop(cluster), min_samples)
        if own.samples >= min_samples:
            return own
        pooled = self.best(service, ring, SYNC, min_samples)
        return pooled if pooled.samples > own.samples else own

    def sync_clusters(self, service: str | None, ring: str | None) -> list[str]:
        """The clusters with commit-to-sync samples in this exact scope."""
        head = SYNC + ":"
        return sorted(h[len(head):] for (s, r, h), values in self._samples.items()
                      if s == service and r == ring and values and h.startswith(head))

    def cells(self) -> Iterable[Cell]:
        return {(s, r) for s, r, _ in self._samples if s is not None and r is not None}


def build_model(deployments: Iterable[Deployment], since: datetime | None = None) -> HopModel:
    """The hop model of a history (``since``: only deployments updated since then)."""
    model = HopModel()
    for d in deployments:
        model.add(d, since, defer=True)
    return model
