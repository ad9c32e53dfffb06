"""The headless sync component: on every monitor update, refresh the sources once and
feed the monitor facts (which clusters run which deployment)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from gitops_tui.domain.model import Deployment
from gitops_tui.domain.rules import DERIVED_SOURCE
from gitops_tui.domain.rows import CLUSTER_SYNC_KIND, Key, Row, cluster_partition
from gitops_tui.domain.timefmt import to_iso, utcnow
from gitops_tui.sync import memory
from gitops_tui.sync.facts import pushed, sync_facts
from gitops_tui.sync.flux_tags import (Ancestry, ClusterTag, SyncError, ancestry, cache_root, cluster_tags,
                                       mirror_path, refresh)
from gitops_tui.sync.settings import SyncSettings


# Per poll, given the deployments: cluster -> its revision (Argo CD, Flux v2 statuses).
Source = Callable[[Sequence[Deployment]], Awaitable[dict[str, ClusterTag]]]


@dataclass(frozen=True, slots=True)
class SyncState:
    """The last known sync: per cluster its tag and how far behind the branch it is."""

    tags: dict[str, ClusterTag]
    behind: dict[str, tuple[int, int | None]]  # cluster -> (commits, oldest missing, epoch s)
    at: datetime | None  # when it was read
    error: str | None = None  # the last refresh's failure (the state is then older)


class FluxTagSync:
    """Flux v1 tags on one manifest repository (and the revisions other sources
    report, e.g. Argo CD), turned into facts."""

    def __init__(self, settings: SyncSettings, root: Path | None = None,
                 sources: Sequence[Source] = ()) -> None:
        self.settings = settings
        self.sources = list(sources)
        self._reported: dict[str, ClusterTag] = {}  # the sources' last known answer
        self._source_error: str | None = None
        self.root = root or cache_root()
        self.state = SyncState({}, {}, None)
        self.checks = 0
        self._memory_path = mirror_path(settings.manifest_repo or "", self.root).with_suffix(".seen.json")
        self._seen = memory.load(self._memory_path)

    def repo_for(self, deployments: Sequence[Deployment]) -> str | None:
        """The configured repository, else the first one a pushed row names."""
        return self.settings.manifest_repo or next(
            (d.manifest_repo for d in deployments if d.manifest_repo and pushed(d)), None)

    async def ask_sources(self, deployments: Sequence[Deployment] = ()) -> None:
        """One call per source; a failing source keeps its last known answer and its
        error (safe text: providers never put tokens in errors)."""
        errors = []
        for source in self.sources:
            try:
                self._reported.update(await source(deployments))
            except Exception as exc:  # noqa: BLE001 - any source failure is shown, never raised
                errors.append(str(exc)[:200] or type(exc).__name__)
        self._source_error = "; ".join(errors) or None

    def facts(self, deployments: Sequence[Deployment]) -> dict[Key, Row]:
        """Refresh the mirror (one fetch) and work out every deployment's sync. On a
        failure the last known state is kept and its error recorded."""
        repo = self.repo_for(deployments)
        reported = dict(self._reported)
        if repo is None and not reported:
            if self._source_error:
                self.state = SyncState(self.state.tags, self.state.behind, self.state.at, self._source_error)
            return {}
        try:
            tags: dict[str, ClusterTag] = {}
            if repo is not None:
                mirror = refresh(repo, self.root)
                tags = cluster_tags(mirror, self.settings.tag_prefix)
            tags.update(reported)
            found = ancestry(mirror, {t.commit for t in tags.values()}) if repo is not None else _exact(tags)
        except SyncError as exc:
            self.state = SyncState(self.state.tags, self.state.behind, self.state.at, str(exc))
            return {}
        behind = {c: found.behind(t.commit) for c, t in tags.items()}
        self.state = SyncState(tags, behind, utcnow(), self._source_error)
        out = sync_facts(deployments, tags, found, self.settings.clusters, self._seen)
        out.update(cluster_rows(deployments, tags, behind, repo))
        self.checks += found.checks
        memory.save(self._memory_path, self._seen)
        return out


def cluster_rows(deployments: Sequence[Deployment], tags: dict[str, ClusterTag],
                 behind: dict[str, tuple[int, int | None]], repo: str | None) -> dict[Key, Row]:
    """A cluster-sync row per reported cluster and partition (so tag- and API-derived
    clusters are listed like recorded ones), with how far behind the branch it is."""
    out: dict[Key, Row] = {}
    for partition in sorted({d.partition for d in deployments if pushed(d)}):
        for cluster, t in tags.items():
            count, since = behind.get(cluster, (0, None))
            key = (cluster_partition(partition), f"sync-{cluster}")
            out[key] = {"PartitionKey": key[0], "RowKey": key[1], "kind": CLUSTER_SYNC_KIND, "source": DERIVED_SOURCE,
                        "cluster": cluster, "manifestCommitId": t.commit,
                        "syncedAt": to_iso(t.at) if t.at else "", "manifestRepo": repo or "",
                        "behindCommits": count,
                        "behindSince": to_iso(datetime.fromtimestamp(since, UTC)) if since else ""}
    return out


def _exact(tags: dict[str, ClusterTag]) -> Ancestry:
    """Without a mirror, a revision contains only itself (no ancestry known)."""
    found = Ancestry()
    for t in tags.values():
        found.contained[t.commit] = frozenset({t.commit})
        found.short[t.commit] = frozenset({t.commit[:7]})
    return found


def watch(monitor, sync: FluxTagSync) -> None:  # type: ignore[no-untyped-def]
    """Subscribe ``sync`` to ``monitor``: after each published update, refresh in a
    worker thread and add the facts (skipped while one refresh still runs)."""
    busy: list[bool] = [False]

    async def refresh_once() -> None:
        busy[0] = True
        try:
            deployments = list(monitor.snapshot.deployments)
            await sync.ask_sources(deployments)
            facts = await asyncio.to_thread(sync.facts, deployments)
            state = sync.state
            monitor.sync_problem = (state.error, state.at) if state.error else None
            if facts:
                mine[0] = True  # (the update add_facts publishes is ours: no refetch)
                try:
                    monitor.add_facts(facts)
                finally:
                    mine[0] = False
        finally:
            busy[0] = False

    mine: list[bool] = [False]

    def on_update(_update: object) -> None:
        if not busy[0] and not mine[0]:
            asyncio.get_running_loop().create_task(refresh_once())

    monitor.subscribe(on_update)


def with_sync(rows: list[Row], deployments: Sequence[Deployment], settings: SyncSettings | None,
              root: Path | None = None, sources: Sequence[Source] | None = None) -> tuple[list[Row], str | None]:
    """``rows`` with the sync facts of a one-shot listing (``get``) overlaid, and the
    refresh's error if it failed (the rows are then as stored)."""
    if settings is None:
        return rows, None
    sync = FluxTagSync(settings, root, sources or ())
    if sync.sources:
        asyncio.run(sync.ask_sources(deployments))
    facts = sync.facts(deployments)
    if not facts:
        return rows, sync.state.error
    from gitops_tui.domain.rows import row_key

    out = [{**row, **facts[k]} if (k := row_key(row)) in facts else row for row in rows]
    held = {row_key(row) for row in rows}
    out.extend(f for k, f in facts.items() if k not in held and "PartitionKey" in f)  # the clusters seen
    return out, sync.state.error
