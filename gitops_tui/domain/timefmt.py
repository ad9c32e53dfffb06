"""Time in one canonical form: aware UTC datetimes, ISO-8601 strings ending in ``Z``."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from typing import Any


# What a missing time sorts as: before every real one.
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def to_iso(value: datetime) -> str:
    """``2019-10-24T21:28:43.902000Z``: fixed width, so strings sort as times do."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_iso(value: str | datetime | None) -> datetime | None:
    """An aware UTC datetime from an ISO-8601 string (or datetime); None if empty or bad."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        parsed = value
    else:
        try:
            parsed = datetime.fromisoformat(value)
        except (TypeError, ValueError):
            return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:  # (year 1 with an offset east of UTC, year 9999 west of it)
        return None


def iso_or_none(value: datetime | None) -> str | None:
    """ISO-8601 UTC for JSON output, or None."""
    if value is None:
        return None
    try:
        value = value.astimezone(UTC)
    except OverflowError:
        pass  # (kept with its offset: no UTC form exists)
    return value.isoformat().replace("+00:00", "Z")


def format_duration(seconds: float | None) -> str:
    """``45s``, ``12m05s``, ``3h02m``, ``2d04h``; ``-`` when unknown (never negative: a
    span that ends before it starts, clock skew, is ``0s``)."""
    if seconds is None:
        return "-"
    total = max(0, int(round(seconds)))
    if total < 60:
        return f"{total}s"
    minutes, secs = divmod(total, 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours}h{minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{days}d{hours:02d}h"


# A time at most this far ahead of the clock is clock skew between writers and us:
# shown as "just now". Further ahead it is marked as skewed, never as a negative age.
SKEW_TOLERANCE_S = 300.0


def relative(when: datetime | None, now: datetime) -> str:
    """``just now``, ``5m ago``, ``3h ago``, ``2d ago``; ``-`` when unknown. A time up
    to :data:`SKEW_TOLERANCE_S` ahead is ``just now``; further ahead ``2h ahead (skew)``."""
    if when is None:
        return "-"
    seconds = (now - when).total_seconds()
    if seconds < -SKEW_TOLERANCE_S:
        return format_duration(-seconds) + " ahead (skew)"
    if seconds < 10:
        return "just now"
    if seconds < 60:
        return f"{int(seconds)}s ago"
    if seconds < 3600:
        return f"{int(seconds // 60)}m ago"
    if seconds < 172800:
        return f"{int(seconds // 3600)}h ago"
    return f"{int(seconds // 86400)}d ago"


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$")


def parse_duration(value: Any) -> float | None:
    """Seconds from ``5``, ``2.5``, ``"5s"``, ``"500ms"``, ``"1m"``, ``"1h"``; None if bad.

    Not range-checked: a number too large for a float is ``inf``, a NaN stays NaN."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        try:
            return float(value)
        except OverflowError:
            return math.inf if value > 0 else -math.inf
    if isinstance(value, float):
        return value
    if isinstance(value, str):
        match = _DURATION.match(value)
        if match:
            number, unit = float(match.group(1)), match.group(2) or "s"
            return number * {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}[unit]
    return None


def format_setting(seconds: float) -> str:
    """A configured duration as written: ``0.1`` -> ``100ms``, ``5`` -> ``5s``."""
    return f"{seconds * 1000:g}ms" if seconds < 1 else f"{seconds:g}s"
