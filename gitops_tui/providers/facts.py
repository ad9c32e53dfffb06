"""Provider answers as row facts: the recorded-status words and extension columns."""

from __future__ import annotations

from typing import Any

from gitops_tui.domain.vocab import PR_STATE_ALIASES, RECORDED_STATUS_ALIASES

Facts = dict[str, Any]  # column suffix or column -> value


def recorded(word: object) -> str | None:
    """A provider's status word as a recorded status (started/succeeded/...), or None."""
    if not isinstance(word, str):
        return None
    return RECORDED_STATUS_ALIASES.get(word.lower().replace("-", "").replace(" ", ""))


def stage(status: object, started: object, finished: object, url: object) -> Facts:
    """A stage's facts (``Status``, ``StartedAt``, ``FinishedAt``, ``Url`` suffixes)."""
    out: Facts = {"Status": recorded(status)}
    if out["Status"] is None:
        out["Error"] = f"unrecognised status {str(status)[:40]!r}"
    for suffix, value in (("StartedAt", started), ("FinishedAt", finished), ("Url", url)):
        if isinstance(value, str) and value and not value.startswith("0001-"):
            out[suffix] = value
    return out


def finished(facts: Facts) -> bool:
    """Whether a stage's facts never change again (cacheable for good)."""
    return facts.get("Status") in ("succeeded", "failed", "canceled")


def pr(state: object, title: object, merged_by: object) -> Facts:
    """A PR's facts; a merger only for a merged PR (an abandoned PR's closer is no merger)."""
    word = PR_STATE_ALIASES.get(state.lower()) if isinstance(state, str) else None
    out: Facts = {"prState": word, "prTitle": title if isinstance(title, str) else None}
    if word == "merged" and isinstance(merged_by, str):
        out["mergedBy"] = merged_by
    return out


def pr_finished(facts: Facts) -> bool:
    return facts.get("prState") in ("merged", "closed")


def dig(data: Any, *path: str) -> Any:
    """``data[path[0]][path[1]]...``, None where any step is missing or not a mapping."""
    for step in path:
        if not isinstance(data, dict):
            return None
        data = data.get(step)
    return data
