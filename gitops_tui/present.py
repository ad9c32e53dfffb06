"""How a deployment reads in text: the peers' columns, status words and icons, JSON.

Shared by ``get`` and the TUI so a deployment reads the same everywhere. Every value
from the table passes through :func:`gitops_tui.domain.textsafe.clean` here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from gitops_tui.domain.model import Deployment
from gitops_tui.domain.vocab import CANCELED, FAILED, HLD, IMAGE, IN_PROGRESS, MANIFEST, SUCCEEDED, SUPERSEDED, UNKNOWN, WAITING
from gitops_tui.domain.textsafe import clean
from gitops_tui.domain.timefmt import format_duration, iso_or_none, relative, utcnow

# Icon and word, never colour alone.
STATUS_ICONS = {
    SUCCEEDED: "✔",
    IN_PROGRESS: "▶",
    WAITING: "‖",  # not ⏸: terminals draw that one double-width or as a box
    FAILED: "✘",
    CANCELED: "⊘",
    UNKNOWN: "?",
    SUPERSEDED: "»",
}
STATUS_WORDS = {
    SUCCEEDED: "Succeeded",
    IN_PROGRESS: "In progress",
    WAITING: "Waiting",
    FAILED: "Failed",
    CANCELED: "Canceled",
    UNKNOWN: "Unknown",
    SUPERSEDED: "Superseded",
}

# (header, key) of the peers' columns, in their order.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("State", "state"),
    ("Service", "service"),
    ("Ring", "ring"),
    ("Author", "author"),
    ("Image Creation", "image"),
    ("Metadata Update", "metadata"),
    ("Approval PR", "pr"),
    ("Merged By", "merged_by"),
    ("Ready to Deploy", "manifest"),
    ("Last Updated", "updated"),
    ("Synced Clusters", "clusters"),
    ("ETA", "eta"),  # in-flight rows: time left (the TUI fills it from the insights)
)
NARROW = ("state", "service", "ring", "image", "metadata", "pr", "manifest", "updated")
# Which columns stay when a table is too narrow for all: the first ones here, then the
# next that fit (the TUI table and `get --output table` drop from the end).
COLUMN_PRIORITY: tuple[str, ...] = (
    "state", "service", "ring", "updated", "author",
    "image", "metadata", "pr", "manifest", "merged_by", "clusters", "eta",
)


def fit_columns(widths: dict[str, int], width: int, order: tuple[str, ...] | None = None) -> tuple[str, ...]:
    """The columns of ``widths`` (key -> cells it needs) that fit ``width`` cells with one
    space between them, taken in :data:`COLUMN_PRIORITY` order (or ``order``) up to the
    first that does not fit, returned in screen (``COLUMNS``) order; the first always stays."""
    taken: list[str] = []
    used = -1
    for key in order or COLUMN_PRIORITY:
        if key not in widths:
            continue
        if taken and used + 1 + widths[key] > width:
            break
        taken.append(key)
        used += 1 + widths[key]
    screen = [k for _, k in COLUMNS]
    return tuple(sorted(taken, key=screen.index))


def status_label(status: str) -> str:
    return f"{STATUS_ICONS.get(status, '?')} {STATUS_WORDS.get(status, status)}"


def _short(sha: str | None, n: int = 7) -> str:
    return clean(sha[:n]) if sha else "-"


def cells(d: Deployment, now: datetime) -> dict[str, str]:
    """Every column's text for one deployment (clean, one line each)."""
    image, hld, manifest = d.stage(IMAGE), d.stage(HLD), d.stage(MANIFEST)
    image_text = "-"
    if image is not None or d.commit:
        image_text = f"{clean(image.run_id) if image and image.run_id else '-'} {_short(d.commit)}"
    metadata = "-"
    if hld is not None or d.image_tag:
        metadata = f"{clean(hld.run_id) if hld and hld.run_id else '-'} {clean(d.image_tag or '-', 60)}"
    pr = "-"
    if d.pr:
        pr = f"#{clean(d.pr)}" + (f" {d.pr_state}" if d.pr_state else "")
    ready = "-"
    if manifest is not None or d.manifest_commit:
        ready = f"{clean(manifest.run_id) if manifest and manifest.run_id else '-'} {_short(d.manifest_commit)}"
    if d.manual_hld_edit:
        ready += " (manual HLD edit)"
    duration = d.elapsed_s(now)
    updated = relative(d.updated_at, now)
    if duration is not None:
        updated += f" ({format_duration(duration)})"
    merged_by = d.merged_by
    return {
        "state": status_label(d.status),
        "service": clean(d.service or "-", 60),
        "ring": clean(d.ring.upper(), 40) if d.ring else "-",
        "author": clean(d.author or "-", 40),
        "image": image_text,
        "metadata": metadata,
        "pr": pr,
        "merged_by": clean(merged_by or "-", 40),
        "manifest": ready,
        "updated": updated,
        "clusters": clusters_cell(d),
        "eta": "-",
    }


def clusters_cell(d: Deployment) -> str:
    """The Synced cell: the names, led by ``2/3`` once the expected clusters are known."""
    names = ", ".join(clean(c.upper(), 40) for c in d.synced_clusters)
    if d.rollout is None:
        return names or "-"
    expected = len(set(d.synced_clusters) | set(d.pending_clusters))
    return f"{len(d.synced_clusters)}/{expected} {names}".rstrip()


def to_json(d: Deployment, now: datetime | None = None) -> dict[str, Any]:
    """The ``get --output json`` object: public interface, keys fixed (more may follow)."""
    return {
        "id": d.id,
        "partition": d.partition,
        "service": d.service,
        "ring": d.ring,
        "status": d.status,
        "author": d.author,
        "commit": d.commit,
        "image_tag": d.image_tag,
        "pr": d.pr,
        "pr_state": d.pr_state,
        "merged_by": d.merged_by,
        "hld_commit": d.hld_commit,
        "manifest_commit": d.manifest_commit,
        "synced_clusters": list(d.synced_clusters),
        "manual_hld_edit": d.manual_hld_edit,
        "started_at": iso_or_none(d.started_at),
        "updated_at": iso_or_none(d.updated_at),
        "duration_s": _round(d.elapsed_s(now or utcnow())),
        "stages": [
            {
                "name": s.name,
                "status": s.status,
                "run_id": s.run_id,
                "url": s.url,
                "started_at": iso_or_none(s.started_at),
                "finished_at": iso_or_none(s.finished_at),
                "source": s.source,
                "error": s.error,
            }
            for s in d.stages
        ],
        "pr_title": d.pr_title,
        "author_email": d.author_email,
        "source_repo": d.source_repo,
        "hld_repo": d.hld_repo,
        "manifest_repo": d.manifest_repo,
        "duplicates": list(d.duplicates),
        "rollout": d.rollout,
        "pending_clusters": list(d.pending_clusters),
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)
