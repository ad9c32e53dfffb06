"""The words of the domain, each defined once: stages, statuses, PR states, ring order."""

from __future__ import annotations

from collections.abc import Callable, Sequence

# A journey's stages, in order, and the Bedrock id column that carries each one's run id.
STAGES: tuple[str, ...] = ("image", "hld", "manifest")
IMAGE, HLD, MANIFEST = STAGES
STAGE_ID_COLUMN: dict[str, str] = {IMAGE: "p1", HLD: "p2", MANIFEST: "p3"}

# The status of a stage and of a whole deployment.
STATUSES: tuple[str, ...] = (
    "succeeded", "in_progress", "waiting", "failed", "canceled", "unknown", "superseded",
)
SUCCEEDED, IN_PROGRESS, WAITING, FAILED, CANCELED, UNKNOWN, SUPERSEDED = STATUSES
# A journey in one of these has ended: it has a finish time and no elapsed clock.
TERMINAL: frozenset[str] = frozenset({SUCCEEDED, FAILED, CANCELED, SUPERSEDED})
# The "State" column sorts what needs attention first.
STATUS_RANK: dict[str, int] = {
    FAILED: 0, IN_PROGRESS: 1, WAITING: 2, UNKNOWN: 3, CANCELED: 4, SUPERSEDED: 5, SUCCEEDED: 6,
}
# Words a person types for a status (the filter language, `get --status`).
STATUS_SYNONYMS: dict[str, str] = {
    "running": IN_PROGRESS, "in-progress": IN_PROGRESS, "inprogress": IN_PROGRESS,
    "progress": IN_PROGRESS, "ok": SUCCEEDED, "success": SUCCEEDED, "done": SUCCEEDED,
    "fail": FAILED, "failure": FAILED, "cancelled": CANCELED, "wait": WAITING,
    "pending": WAITING, "replaced": SUPERSEDED,
}

# How far a pushed manifest commit has reached the clusters that should run it (the
# sync layer's ``rollout`` fact; None where no sync source and no cluster says).
ROLLOUTS: tuple[str, ...] = ("pending", "partial", "synced")
ROLLOUT_PENDING, ROLLOUT_PARTIAL, ROLLOUT_SYNCED = ROLLOUTS

# What `record --status` stores in a ``pNStatus`` column, and the stage status it means.
RECORDED_STATUSES: tuple[str, ...] = ("started", "succeeded", "failed", "canceled")
RECORDED_TO_STATUS: dict[str, str] = {
    "started": IN_PROGRESS, "succeeded": SUCCEEDED, "failed": FAILED, "canceled": CANCELED,
}
# How CI systems spell a result (lower-cased, without "-" and " "): pipelines pass theirs
# straight through and `record` stores the recorded status it means.
RECORDED_STATUS_ALIASES: dict[str, str] = {
    "started": "started", "start": "started", "running": "started", "inprogress": "started",
    "in_progress": "started", "pending": "started", "queued": "started",
    # Provider spellings (Azure DevOps builds/releases, GitLab pipelines).
    "notstarted": "started", "created": "started", "manual": "started", "scheduled": "started",
    "preparing": "started", "waiting_for_resource": "started", "undeployed": "started",
    "partiallysucceeded": "succeeded", "partiallydeployed": "succeeded",
    "succeeded": "succeeded", "success": "succeeded", "successful": "succeeded",
    "passed": "succeeded", "ok": "succeeded", "succeededwithissues": "succeeded",
    "failed": "failed", "failure": "failed", "error": "failed", "errored": "failed",
    "canceled": "canceled", "cancelled": "canceled", "skipped": "canceled",
    "abandoned": "canceled", "stopped": "canceled",
}

# Pull-request states, and how providers spell them (Azure DevOps: active/completed/
# abandoned; Bitbucket: declined). The writer normalises with it, the reader too.
PR_STATES: tuple[str, ...] = ("open", "merged", "closed")
PR_OPEN, PR_MERGED, PR_CLOSED = PR_STATES
PR_STATE_ALIASES: dict[str, str] = {
    "open": PR_OPEN, "opened": PR_OPEN, "active": PR_OPEN,
    "merged": PR_MERGED, "completed": PR_MERGED,
    "closed": PR_CLOSED, "abandoned": PR_CLOSED, "declined": PR_CLOSED,
}

# The promotion order of well-known ring names; any other ring (a feature ring) has no
# place in it and no upstream.
RING_ORDER: dict[str, int] = {
    "dev": 0, "development": 0,
    "test": 1, "qa": 1, "int": 1, "integration": 1,
    "master": 2, "main": 2, "staging": 2, "stage": 2, "uat": 2, "preprod": 2, "pre-prod": 2,
    "canary": 3,
    "prod": 4, "production": 4, "live": 4,
}


def ring_rank(ring: str) -> int | None:
    """Position of a ring in the promotion order, None for rings outside it."""
    return RING_ORDER.get(ring.lower())


def ring_ranker(order: Sequence[str] = ()) -> Callable[[str], int | None]:
    """:func:`ring_rank` for a configured promotion order (``rings: [dev, qa, prod]``):
    only those rings, in that order; the built-in order when none is configured."""
    if not order:
        return ring_rank
    place = {r.lower(): i for i, r in enumerate(order)}
    return lambda ring: place.get(ring.lower())
