"""When each cluster was first seen running each commit, kept in the user cache so a
restart keeps "synced at". Keyed by a hash of the repository (no URL, no token)."""

from __future__ import annotations

import json
import os
from pathlib import Path


def load(path: Path) -> dict[str, dict[str, str]]:
    """The remembered times (empty when none or unreadable: they are a cache)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def save(path: Path, seen: dict[str, dict[str, str]]) -> None:
    """Write atomically (a crash mid-write leaves the old file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_suffix(".part")
    part.write_text(json.dumps(seen, sort_keys=True), encoding="utf-8")
    os.replace(part, path)
