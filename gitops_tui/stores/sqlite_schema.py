"""The SQLite store's schema: the table, its indexes, the ``_columns`` view and the
trigger that forgets a stale projection (see :mod:`gitops_tui.stores.sqlite`)."""

from __future__ import annotations

import json

from gitops_tui.domain.rows import KNOWN_COLUMNS

# Columns the writer looks rows up by get an expression index each.
_INDEXED = ("imageTag", "hldCommitId", "pr", "p1", "p3")


def json_path(column: str) -> str:
    return "$." + json.dumps(column)


def table_sql(table: str) -> str:
    indexes = "\n".join(
        f'CREATE INDEX IF NOT EXISTS "{table}_{c}" ON "{table}" '
        f"(\"PartitionKey\", json_extract(doc, '{json_path(c)}'));"
        for c in _INDEXED
    )
    view_cols = ",\n  ".join(
        f"json_extract(doc, '{json_path(c)}') AS \"{c}\"" for c in KNOWN_COLUMNS
    )
    return f"""
CREATE TABLE IF NOT EXISTS "{table}" (
  seq INTEGER PRIMARY KEY,
  "PartitionKey" TEXT NOT NULL,
  "RowKey" TEXT NOT NULL,
  "Timestamp" TEXT NOT NULL,
  doc TEXT NOT NULL,
  etag TEXT NOT NULL,
  proj TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS "{table}_key" ON "{table}" ("PartitionKey", "RowKey");
{indexes}
CREATE VIEW IF NOT EXISTS "{table}_columns" AS SELECT "PartitionKey", "RowKey", "Timestamp",
  {view_cols}
FROM "{table}";
{stale_projection_sql(table)}
"""


def stale_projection_sql(table: str) -> str:
    """A trigger that forgets a row's projection when its document changes and the
    writer did not write one: an older gitops-tui, or SQL by hand, would leave it stale."""
    return f"""
CREATE TRIGGER IF NOT EXISTS "{table}_proj_stale" AFTER UPDATE OF doc ON "{table}"
WHEN NEW.proj IS OLD.proj AND NEW.doc IS NOT OLD.doc
BEGIN UPDATE "{table}" SET proj = NULL WHERE seq = NEW.seq; END;
"""
