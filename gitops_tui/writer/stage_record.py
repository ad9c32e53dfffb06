"""What one pipeline step reports (:class:`StageRecord`), and its checks before any write.

The stage is inferred from the ids as ``bedrock deployment create`` does; statuses and
PR states are normalised to the domain's words (:mod:`gitops_tui.domain.vocab`).
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

from gitops_tui.domain.timefmt import parse_iso
from gitops_tui.domain.vocab import (
    PR_STATE_ALIASES, PR_STATES, RECORDED_STATUS_ALIASES, RECORDED_STATUSES, SUCCEEDED,
)

STAGES = ("image", "hld", "manifest", "manifest-push", "cluster-sync")


class RecordError(Exception):
    """The flags do not describe a stage we can record (message is for the user)."""


def normalize_status(value: str | None) -> str | None:
    """``success``/``Succeeded``/``cancelled``… → started | succeeded | failed | canceled."""
    if value is None or value == "":
        return None
    found = RECORDED_STATUS_ALIASES.get(value.strip().lower().replace("-", "").replace(" ", ""))
    if found is None:
        raise RecordError(
            f"unknown status {value!r} (use one of {', '.join(RECORDED_STATUSES)})"
        )
    return found


def normalize_pr_state(value: str | None) -> str | None:
    """A provider's PR state (``active``, ``completed``, ``declined``…) → open | merged | closed."""
    if value is None or value == "":
        return None
    found = PR_STATE_ALIASES.get(value.strip().lower())
    if found is None:
        raise RecordError(
            f"unknown PR state {value!r} (use {', '.join(PR_STATES[:-1])} or {PR_STATES[-1]})"
        )
    return found


@dataclass(frozen=True)
class StageRecord:
    """What one pipeline step reports (the ``record`` flags)."""

    partition: str
    stage: str | None = None  # inferred from the ids when None, as bedrock does
    p1: str | None = None
    image_tag: str | None = None
    commit_id: str | None = None
    service: str | None = None
    p2: str | None = None
    hld_commit_id: str | None = None
    env: str | None = None
    pr: str | None = None
    p3: str | None = None
    manifest_commit_id: str | None = None
    repository: str | None = None  # the repo of this stage: source, HLD or manifest
    cluster: str | None = None
    status: str | None = None
    started_at: str | None = None
    finished_at: str | None = None
    url: str | None = None
    author: str | None = None
    author_email: str | None = None
    pr_state: str | None = None
    pr_title: str | None = None
    merged_by: str | None = None
    synced_at: str | None = None


def infer_stage(rec: StageRecord) -> str:
    """The stage the flags describe, by bedrock's precedence (p1, p2, p3+HLD, p3+manifest)."""
    if rec.stage:
        if rec.stage not in STAGES:
            raise RecordError(f"unknown stage {rec.stage!r} (use one of {', '.join(STAGES)})")
        return rec.stage
    if rec.p1:
        return "image"
    if rec.p2:
        return "hld"
    if rec.p3 and rec.hld_commit_id:
        return "manifest"
    if rec.p3 and rec.manifest_commit_id:
        return "manifest-push"
    if rec.cluster:
        return "cluster-sync"
    raise RecordError(
        "no stage could be inferred: give --p1 (image build), --p2 (metadata update), "
        "--p3 with --hld-commit-id (manifest generation), --p3 with --manifest-commit-id "
        "(manifest pushed), or --cluster (cluster sync)"
    )


_REQUIRED = {
    "image": (("p1", "--p1"), ("image_tag", "--image-tag"), ("commit_id", "--commit-id"),
              ("service", "--service")),
    "hld": (("p2", "--p2"), ("image_tag", "--image-tag"), ("env", "--env")),
    "manifest": (("p3", "--p3"), ("hld_commit_id", "--hld-commit-id")),
    "manifest-push": (("p3", "--p3"), ("manifest_commit_id", "--manifest-commit-id")),
    "cluster-sync": (("cluster", "--cluster"), ("manifest_commit_id", "--manifest-commit-id")),
}


def validate(rec: StageRecord) -> tuple[str, StageRecord]:
    """Check the flags for the stage; returns the stage and the record, normalised."""
    rec = StageRecord(**{f.name: _clean(getattr(rec, f.name)) for f in fields(rec)})
    stage = infer_stage(rec)
    missing = [flag for name, flag in _REQUIRED[stage] if not getattr(rec, name)]
    status = normalize_status(rec.status)
    # An HLD update may start, fail or be canceled before its commit exists; it cannot succeed.
    if stage == "hld" and not rec.hld_commit_id and status == SUCCEEDED:
        missing.append("--hld-commit-id")
    if missing:
        raise RecordError(f"the {stage} stage needs {', '.join(missing)}")
    if not rec.partition:
        raise RecordError("no partition: set store.partition in the config or pass --partition-key")
    for name in ("started_at", "finished_at", "synced_at"):
        value = getattr(rec, name)
        if value and parse_iso(value) is None:
            raise RecordError(f"--{name.replace('_', '-')} {value!r} is not an ISO-8601 time")
    return stage, replace(rec, status=status, pr_state=normalize_pr_state(rec.pr_state))


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    value = str(value).strip()
    return value or None
