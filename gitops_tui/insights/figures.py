"""Order statistics over samples: an honest None when there are none."""

from __future__ import annotations

import math
from collections.abc import Sequence


def quantile(ordered: Sequence[float], q: float) -> float | None:
    """The nearest-rank ``q`` quantile of already sorted samples (None when empty)."""
    if not ordered:
        return None
    rank = max(1, math.ceil(q * len(ordered)))
    return float(ordered[min(rank, len(ordered)) - 1])


def median(ordered: Sequence[float]) -> float | None:
    """The median of sorted samples (mean of the middle two for an even count)."""
    n = len(ordered)
    if n == 0:
        return None
    mid = n // 2
    return float(ordered[mid]) if n % 2 else (ordered[mid - 1] + ordered[mid]) / 2.0


def short_duration(seconds: float | None) -> str:
    """``45s``, ``41m``, ``3h``, ``2d``: one unit, as a person says it; ``-`` unknown."""
    if seconds is None:
        return "-"
    total = max(0, int(round(seconds)))
    if total < 60:
        return f"{total}s"
    if total < 3600:
        return f"{total // 60}m"
    if total < 48 * 3600:
        hours, rest = divmod(total, 3600)
        return f"{hours}h{rest // 60:02d}m" if rest >= 60 else f"{hours}h"
    return f"{total // 86400}d"
