"""A row's *projection*: the columns a deployment is built from, as one string.

Values are joined by US (0x1f) behind a version tag. The SQLite store keeps it beside
each JSON document, so a full load builds deployments without decoding 100k documents
(the decode was half of the load). Change the version whenever the columns change: an
older projection is then ignored and its document decoded instead.
"""

from __future__ import annotations

from gitops_tui.domain.rows import Row

PROJECTED_COLUMNS: tuple[str, ...] = (
    "p1", "p2", "p3", "p1Status", "p2Status", "p3Status", "prState", "originalTimestamp",
    "Timestamp", "p1StartedAt", "p2StartedAt", "p3StartedAt", "p1FinishedAt", "p2FinishedAt",
    "p3FinishedAt", "service", "env", "PartitionKey", "RowKey", "imageTag", "hldCommitId",
    "author", "commitId", "pr", "mergedBy", "manifestCommitId", "prTitle", "kind",
)
PROJECTION_VERSION = "v1"
# ASCII unit and record separators: between the fields of a projection, and between the
# documents and projections of a page or block. Valid JSON never contains a raw RS; a
# projection with either in a value is not made.
FIELD_SEP, RECORD_SEP = "\x1f", "\x1e"


def projection(row: Row) -> str:
    """``row``'s projection; "" when a value holds a separator, so that row is read
    from its document instead."""
    values = [PROJECTION_VERSION]
    for column in PROJECTED_COLUMNS:
        value = row.get(column)
        text = "" if value is None else value if isinstance(value, str) else str(value)
        if FIELD_SEP in text or RECORD_SEP in text:
            return ""
        values.append(text)
    return FIELD_SEP.join(values)
