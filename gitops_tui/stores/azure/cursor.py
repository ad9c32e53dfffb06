"""The incremental poll's cursor: a ``Timestamp ge`` window and the rows already seen in it.

Polls query ``Timestamp ge`` a point a little behind the newest change seen (Azurite
compares at millisecond precision, and a write's timestamp can become visible a moment
after it is taken), and drop rows already returned by (PartitionKey, RowKey, ETag). The
window is anchored on the server's clock (its ``Date`` header), never on ours.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

from gitops_tui.domain.rows import Row


@dataclass(frozen=True, slots=True)
class AzureCursor:
    """Where the next incremental poll starts.

    ``since``: query ``Timestamp ge since``; ``seen``: (PartitionKey, RowKey, ETag) of the
    rows at or after ``since`` that were already returned, so they are not returned again.
    """

    since: datetime
    seen: frozenset[tuple[str, str, str]] = frozenset()


def http_date(value: str | None) -> datetime | None:
    """An HTTP ``Date`` header as an aware datetime; None if missing or malformed."""
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def advance(
    cursor: AzureCursor,
    fetched: Sequence[tuple[Row, datetime | None, str]],
    server_now: datetime | None,
    overlap_s: float,
    server_margin_s: float,
) -> tuple[list[Row], AzureCursor]:
    """The rows of a poll from ``cursor`` not seen before, and the cursor after it.

    ``fetched``: (row, timestamp, ETag) of every row the poll read; ``server_now``: the
    server's clock when it answered, if it said.
    """
    newest = cursor.since
    fresh: list[Row] = []
    seen = cursor.seen
    for row, timestamp, etag in fetched:
        if (row["PartitionKey"], row["RowKey"], etag) not in seen:
            fresh.append(row)
        if timestamp is not None and timestamp > newest:
            newest = timestamp
    # Next window: a little behind the newest change, or behind the server's clock
    # when that is later (so a quiet table is not re-read back to its last change).
    since = max(cursor.since, newest - timedelta(seconds=overlap_s))
    if server_now is not None:
        since = max(since, server_now - timedelta(seconds=server_margin_s))
    next_seen = frozenset(
        (row["PartitionKey"], row["RowKey"], etag)
        for row, timestamp, etag in fetched
        if timestamp is None or timestamp >= since
    )
    return fresh, AzureCursor(since=since, seen=next_seen)
