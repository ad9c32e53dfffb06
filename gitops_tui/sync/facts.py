"""Which clusters run which deployments: the sync rules turned into monitor facts.

A deployment whose manifest was pushed is synced on a cluster when its manifest commit
is the cluster's revision or an ancestor of it; it is expected on the ring's clusters
(``sync.clusters``) or else on every cluster the sources report. The facts are the
columns :mod:`gitops_tui.domain.rules` reads (``rollout``, ``syncedClusters``,
``pendingClusters``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from gitops_tui.domain import rules
from gitops_tui.domain.model import Deployment
from gitops_tui.domain.rows import Key, Row
from gitops_tui.domain.timefmt import EPOCH, to_iso, utcnow
from gitops_tui.domain.vocab import MANIFEST, ROLLOUT_PARTIAL, ROLLOUT_PENDING, ROLLOUT_SYNCED, SUCCEEDED
from gitops_tui.sync.flux_tags import Ancestry, ClusterTag



@dataclass(frozen=True, slots=True)
class Seen:
    """One deployment on one cluster: since when it runs there."""

    cluster: str
    synced_at: datetime | None


def pushed(d: Deployment) -> bool:
    """Whether the deployment's manifest commit reached the manifest branch."""
    stage = d.stage(MANIFEST)
    return bool(d.manifest_commit) and stage is not None and stage.status == SUCCEEDED


def expected_clusters(ring: str | None, reported: Iterable[str],
                      configured: Mapping[str, list[str]]) -> tuple[str, ...]:
    """The clusters a ring deploys to: configured, else every one reported."""
    if configured and ring is not None and ring in configured:
        return tuple(sorted(configured[ring]))
    return tuple(sorted(reported))


def sync_facts(
    deployments: Iterable[Deployment], tags: Mapping[str, ClusterTag], found: Ancestry,
    configured: Mapping[str, list[str]], first_seen: dict[str, dict[str, str]],
    now: datetime | None = None,
) -> dict[Key, Row]:
    """The facts for every pushed deployment; ``first_seen`` (cluster → commit → ISO
    time, the remembered synced-at) is updated in place."""
    now = now or utcnow()
    mine = [d for d in deployments if pushed(d)]
    runs: dict[Key, dict[str, str]] = {}
    for d in mine:
        commit = (d.manifest_commit or "").lower()
        seen = {}
        for cluster, tag in tags.items():
            if found.contains(tag.commit, commit):
                watched = cluster in first_seen
                memory = first_seen.setdefault(cluster, {})
                # First time seen at a revision containing it; on a first look ever,
                # the tag's own time (the sync happened before we watched).
                when = memory.get(commit[:7])
                if when is None:
                    at = now if watched else tag.at
                    when = memory[commit[:7]] = to_iso(at) if at else ""
                seen[cluster] = when
        runs[d.key] = seen
    later = _later_reached(mine, runs)
    facts: dict[Key, Row] = {}
    for d in mine:
        expected = expected_clusters(d.ring, tags, configured)
        if not expected:
            continue
        synced = [c for c in expected if c in runs[d.key]]
        pending = [c for c in expected if c not in runs[d.key]]
        if not pending:
            rollout = ROLLOUT_SYNCED
        elif all(c in later.get(d.key, ()) for c in pending):
            rollout = rules.SUPERSEDED_ROLLOUT
        else:
            rollout = ROLLOUT_PARTIAL if synced else ROLLOUT_PENDING
        facts[d.key] = {
            rules.ROLLOUT_COLUMN: rollout,
            rules.SYNCED_COLUMN: ",".join(sorted(runs[d.key])),
            rules.PENDING_COLUMN: ",".join(pending),
        }
    return facts


def _later_reached(mine: list[Deployment], runs: dict[Key, dict[str, str]]) -> dict[Key, set[str]]:
    """Per deployment, the clusters a later deployment of its service and ring reached."""
    by_stream: dict[tuple[str, str | None, str | None], list[Deployment]] = {}
    for d in mine:
        by_stream.setdefault((d.partition, d.service, d.ring), []).append(d)
    out: dict[Key, set[str]] = {}
    for stream in by_stream.values():
        stream.sort(key=lambda d: (rules.push_time(d) or EPOCH, d.id))
        reached: set[str] = set()
        for d in reversed(stream):  # newest first: what the later ones reached so far
            out[d.key] = set(reached)
            reached |= set(runs[d.key])
    return out
