"""The SQLite store's schema: the table, its indexes, the ``_columns`` view and the
trigger that forgets a stale projection (see :mod:`gitops_tui.stores.sqlite`)."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from pathlib import Path

from gitops_tui.domain.rows import KNOWN_COLUMNS

# Columns the writer looks rows up by get an expression index each.
_INDEXED = ("imageTag", "hldCommitId", "pr", "p1", "p3")


def has_table(conn: sqlite3.Connection, table: str) -> bool:
    found = conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (table,)).fetchone()
    return found is not None


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


def add_projection(conn: sqlite3.Connection, table: str, timeout_s: float) -> tuple[bool, bool]:
    """Whether the table has the ``proj`` column (so writes fill it) and its stale-
    projection trigger (so reads may trust it), adding both to a file made before
    they existed (its rows then have none: they are read from their documents).

    That takes the write lock: if a writer holds it for long, or the file is read-
    only, the store goes on without projections rather than wait ``timeout_s``."""
    def present() -> tuple[bool, bool]:
        columns = {row[1] for row in conn.execute(f'PRAGMA table_info("{table}")')}
        trigger = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type='trigger' AND name=?", (f"{table}_proj_stale",)
        ).fetchone()
        return "proj" in columns, "proj" in columns and trigger is not None

    found = present()
    if found[1]:
        return found
    conn.execute(f"PRAGMA busy_timeout={min(2000, int(timeout_s * 1000))}")
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            if not present()[0]:
                conn.execute(f'ALTER TABLE "{table}" ADD COLUMN proj TEXT')
            conn.execute(stale_projection_sql(table).strip())
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    except sqlite3.OperationalError:  # locked or read-only: documents only
        return present()
    finally:
        conn.execute(f"PRAGMA busy_timeout={int(timeout_s * 1000)}")
    return present()


def file_identity(path: Path) -> tuple[int, int]:
    """Which file is at ``path`` (its device and inode; while a connection holds the
    file open its inode cannot be reused)."""
    found = os.stat(path)
    return found.st_dev, found.st_ino


# Below this much free space an I/O error is taken for a full disk.
_FULL_BELOW = 1 << 20


def error_text(exc: sqlite3.Error, path: Path) -> str:
    """The message for ``exc``; an I/O error on a full filesystem says so (sqlite
    reports a -shm or -wal file it cannot grow as a bare "disk I/O error")."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    if name.startswith("SQLITE_IOERR") or name == "SQLITE_FULL":
        try:
            free = shutil.disk_usage(path.parent).free
        except OSError:
            free = None
        if free is not None and free < _FULL_BELOW:
            return f"{exc}: disk full ({free // 1024} KiB free)"
    return str(exc)
