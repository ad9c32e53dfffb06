"""The telemetry table's rows: Bedrock's columns read and written unchanged, and ours.

A *row* is one table entity as a plain ``dict``: ``PartitionKey``, ``RowKey``,
``Timestamp`` (ISO-8601 UTC) and string columns; an absent column may be missing or
None. :mod:`gitops_tui.domain.rules` turns rows into deployments.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from gitops_tui.domain.timefmt import parse_iso

Row = dict[str, Any]
Key = tuple[str, str]  # (PartitionKey, RowKey): a row, and the deployment it stands for

# The Bedrock columns, read and written exactly as `bedrock deployment create` does.
BEDROCK_COLUMNS: tuple[str, ...] = (
    "p1", "imageTag", "commitId", "service", "sourceRepo",
    "p2", "hldCommitId", "env", "pr", "hldRepo",
    "p3", "manifestCommitId", "manifestRepo",
)

# What we add. Bedrock readers ignore unknown columns, so these make our rows complete
# without any provider API while staying readable by Spektate and `bedrock deployment get`.
STAGE_EXTRA_SUFFIXES: tuple[str, ...] = ("Status", "StartedAt", "FinishedAt", "Url")
# Where a stage's result came from (a provider name; absent: ``record`` if it has a
# status) and why it is unknown: filled by enrichment, never written by ``record``.
STAGE_FACT_SUFFIXES: tuple[str, ...] = ("Source", "Error")
EXTENSION_COLUMNS: tuple[str, ...] = tuple(
    f"{pid}{suffix}" for pid in ("p1", "p2", "p3") for suffix in STAGE_EXTRA_SUFFIXES + STAGE_FACT_SUFFIXES
) + (
    "author", "authorEmail", "prState", "prTitle", "mergedBy", "kind", "cluster", "syncedAt",
    # The source table's Timestamp, kept on import because a store sets its own.
    "originalTimestamp",
)
KNOWN_COLUMNS: tuple[str, ...] = BEDROCK_COLUMNS + EXTENSION_COLUMNS
SYSTEM_COLUMNS: tuple[str, ...] = ("PartitionKey", "RowKey", "Timestamp")

# Cluster-sync records live in the same table under their own partition so that Bedrock
# readers (which always filter on their partition) never see them: Spektate would even
# delete rows it cannot match to a build.
CLUSTER_SYNC_KIND = "clusterSync"
CLUSTER_PARTITION_SUFFIX = ".clusters"


def cluster_partition(partition: str) -> str:
    """The partition that holds cluster-sync records for a deployment partition."""
    return partition + CLUSTER_PARTITION_SUFFIX


def is_cluster_row(row: Row) -> bool:
    """Whether a row is a cluster-sync record rather than a deployment."""
    return row.get("kind") == CLUSTER_SYNC_KIND or str(row.get("PartitionKey", "")).endswith(
        CLUSTER_PARTITION_SUFFIX
    )


def row_key(row: Row) -> tuple[str, str]:
    """``(PartitionKey, RowKey)`` as text: a row's identity in the table (a store's are
    text already; a row built in code may hold numbers)."""
    partition, key = row.get("PartitionKey"), row.get("RowKey")
    return (
        partition if partition.__class__ is str else "" if partition is None else str(partition),
        key if key.__class__ is str else "" if key is None else str(key),
    )


def row_time(row: Row) -> "datetime | None":
    """When a row last changed: the imported source's Timestamp if kept, else the store's."""
    return parse_iso(row.get("originalTimestamp")) or parse_iso(row.get("Timestamp"))
