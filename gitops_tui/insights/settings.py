"""The insights settings: ``rings:`` (promotion order) and ``insights:`` (stuck limits)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from gitops_tui.domain.timefmt import parse_duration

DEFAULT_WINDOW_S = 30 * 86400.0
_DAYS = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*d\s*$")


class SettingsError(ValueError):
    """A bad ``rings:``/``insights:`` value or ``--window``: one line for the user."""


@dataclass(frozen=True, slots=True)
class InsightSettings:
    """What the computations need besides the deployments."""

    window_s: float = DEFAULT_WINDOW_S  # the history the figures rest on
    rings: tuple[str, ...] = ()  # configured ring order; empty: vocab.RING_ORDER
    min_samples: int = 5  # fewer samples than this: fall back (ETA) or never stuck (p95)
    pr_wait_limit_s: float = 4 * 3600.0  # a PR open longer than this is stuck
    sync_limit_s: float = 3600.0  # a cluster not synced this long after the push is stuck


def parse_window(text: Any) -> float:
    """Seconds from ``30d``, ``12h``, ``90m`` or a number of seconds; raises SettingsError."""
    seconds: float | None = None
    if isinstance(text, str) and (m := _DAYS.match(text)):
        seconds = float(m.group(1)) * 86400.0
    elif text is not None:
        seconds = parse_duration(text)
    if seconds is None or not math.isfinite(seconds) or seconds <= 0:
        raise SettingsError(f"window {str(text)[:40]!r}: use a positive duration such as 30d, 12h or 90m")
    return seconds


def insight_settings(config: Any, window: str | None = None) -> InsightSettings:
    """The settings from a :class:`~gitops_tui.config.Config` (``rings``/``insights``)."""
    rings_raw = getattr(config, "rings", None)
    rings: tuple[str, ...] = ()
    if rings_raw is not None:
        if not isinstance(rings_raw, list) or not all(isinstance(r, str) and r for r in rings_raw):
            raise SettingsError("rings: must be a list of ring names, e.g. [dev, qa, prod]")
        rings = tuple(r.lower() for r in rings_raw)
    raw = getattr(config, "insights", None) or {}
    if not isinstance(raw, dict):
        raise SettingsError("insights: must be a mapping")
    unknown = set(raw) - {"window", "min_samples", "pr_wait_limit", "sync_limit"}
    if unknown:
        raise SettingsError(f"insights: unknown key {sorted(map(str, unknown))[0]!r}")
    base = InsightSettings()
    min_samples = raw.get("min_samples", base.min_samples)
    if isinstance(min_samples, bool) or not isinstance(min_samples, int) or min_samples < 1:
        raise SettingsError("insights.min_samples: must be a whole number, 1 or more")

    def limit(key: str, default: float) -> float:
        if key not in raw:
            return default
        try:
            return parse_window(raw[key])
        except SettingsError:
            raise SettingsError(f"insights.{key}: use a positive duration such as 30m or 4h") from None

    window_s = parse_window(window) if window is not None else limit("window", base.window_s)
    return InsightSettings(
        window_s=window_s, rings=rings, min_samples=min_samples,
        pr_wait_limit_s=limit("pr_wait_limit", base.pr_wait_limit_s),
        sync_limit_s=limit("sync_limit", base.sync_limit_s),
    )
