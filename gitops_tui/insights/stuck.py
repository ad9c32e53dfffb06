"""Stuck deployments, each with the reason in words."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from gitops_tui.domain.model import ClusterSync, Deployment
from gitops_tui.domain.vocab import IN_PROGRESS, WAITING
from gitops_tui.insights.figures import short_duration as format_duration
from gitops_tui.domain.vocab import PR_OPEN
from gitops_tui.insights.hops import HopModel, hop_words, remaining_hops
from gitops_tui.insights.settings import InsightSettings
from gitops_tui.insights.syncs import SyncLog, count


def stuck_reasons(d: Deployment, model: HopModel, now: datetime, settings: InsightSettings) -> list[str]:
    """Why ``d`` is stuck (empty: it is not). Checks: the running hop past its p95
    (with at least ``min_samples`` samples), the PR waiting past ``pr_wait_limit``, a
    cluster not synced ``sync_limit`` after the manifest commit was pushed."""
    reasons = []
    for hop, started in remaining_hops(d)[:1]:
        if started is None:
            continue
        running = (now - started).total_seconds()
        if running < 0:
            continue
        if hop == "approval" and d.pr_state in (PR_OPEN, None) and running > settings.pr_wait_limit_s:
            pr = f"PR {d.pr} " if d.pr else "PR "
            reasons.append(f"{pr}waiting {format_duration(running)}, limit {format_duration(settings.pr_wait_limit_s)}")
            continue
        stats = model.best(d.service, d.ring, hop, settings.min_samples)
        if stats.samples >= settings.min_samples and stats.p95_s is not None and running > stats.p95_s:
            reasons.append(f"{hop_words(hop)} running {format_duration(running)}, "
                           f"p95 {format_duration(stats.p95_s)} over {stats.samples} runs")
    if d.pending_clusters and d.pushed_at is not None:
        waited = (now - d.pushed_at).total_seconds()
        if waited > settings.sync_limit_s:
            names = ", ".join(d.pending_clusters[:3]) + (" …" if len(d.pending_clusters) > 3 else "")
            reasons.append(f"not synced on {names} {format_duration(waited)} after its manifest commit, "
                           f"limit {format_duration(settings.sync_limit_s)}")
    return reasons


def stuck_now(deployments: Iterable[Deployment], clusters: Iterable[ClusterSync], now: datetime,
              settings: InsightSettings) -> dict[tuple[str, str], list[str]]:
    """Every stuck in-flight deployment of a history with its reasons, in one pass that
    keeps only the hop model and the in-flight ones (what ``get`` needs for
    ``status:stuck``; the same answer as the engine's ``stuck_ids``)."""
    log = SyncLog()
    log.add(clusters)
    since = now - timedelta(seconds=settings.window_s)
    model = HopModel(track=False)
    flying = []
    for d in deployments:
        count(model, d, log, since, now, defer=True)
        if d.status in (IN_PROGRESS, WAITING):
            flying.append(d)
    return {d.key: reasons for d in flying if (reasons := stuck_reasons(d, model, now, settings))}
