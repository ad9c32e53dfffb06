"""The SQLite store's documents read back: which are entities, and which are not.

The store writes only JSON objects of text values, but the file is open to ``sqlite3``
and raw SQL: a document written by hand may be ``null``, a list, a number, not JSON at
all, or an object whose RowKey is not text. Such a row is *bad*: reads skip it and
remember it (``BadRow``) so the monitor can count it and ``check`` list it; every other
row is served. Values that are numbers, booleans, objects or lists in other columns are
kept: the journey reads them as text (``domain.rules.text``: ``str(value)``), the
reference and the fast path alike.
"""

from __future__ import annotations

from itertools import repeat
from operator import itemgetter, methodcaller

import sqlite3
from collections.abc import Sequence
import orjson

from gitops_tui.domain.rows import Key, Row
from gitops_tui.stores.base import BadRow, Page
from gitops_tui.stores.projection import PROJECTION_VERSION, FIELD_SEP, RECORD_SEP, projection

_JSON_KINDS = {type(None): "null", list: "list", str: "string", int: "number", float: "number", bool: "boolean"}
_VERSION = PROJECTION_VERSION + FIELD_SEP
_RS = RECORD_SEP.encode()


def entity_of(doc: bytes | str) -> Row | str:
    """The row a stored document holds, or (a str) why it is not an entity."""
    try:
        row = orjson.loads(doc)
    except orjson.JSONDecodeError:
        return "not JSON"
    if type(row) is not dict:
        return f"a JSON {_JSON_KINDS.get(type(row), 'value')}, not an object"
    partition, key = row.get("PartitionKey"), row.get("RowKey")
    if partition is not None and type(partition) is not str:
        return "PartitionKey is not text"
    if type(key) is not str or not key:
        return "no RowKey" if key is None or key == "" else "RowKey is not text"
    return row


def _bad(found: dict[Key, BadRow], partition: str, key: str, seq: int, reason: str) -> None:
    found[(partition, key)] = BadRow(partition, key, f"rowid {seq}", reason)


def entities_page(fetched: Sequence[tuple[bytes, int, str, str]], bad: dict[Key, BadRow]) -> Page:
    """A page of the rows in ``fetched`` (document, seq, PartitionKey, RowKey) that are
    entities; the others go into ``bad`` (and a good row takes its key out of it)."""
    rows, docs = [], []
    for doc, seq, partition, key in fetched:
        found = entity_of(doc)
        if type(found) is str:
            _bad(bad, partition, key, seq, found)
            continue
        bad.pop((partition, key), None)
        rows.append(found)  # type: ignore[arg-type]
        docs.append(doc)
    return Page(rows, docs)


def entities_only(fetched: Sequence[tuple[bytes, int]], bad: dict[Key, BadRow]) -> Page | None:
    """The page of ``fetched`` (document, seq) if every row is an entity (checked in
    C-level passes, ~10 ms per 100k rows), else None (read it with ``entities_page``)."""
    docs = list(map(itemgetter(0), fetched))
    rows = _all_entities(docs)
    if rows is None:
        return None
    if bad:  # a bad row rewritten as a good one is not bad any more
        for row in rows:
            bad.pop((row.get("PartitionKey") or "", row["RowKey"]), None)
    return Page(rows, docs)


def _all_entities(docs: list[bytes]) -> list[Row] | None:
    """The rows of ``docs`` if every one is an entity (as ``entity_of`` decides), else None."""
    try:
        rows = list(map(orjson.loads, docs))
    except orjson.JSONDecodeError:
        return None
    if rows and set(map(type, rows)) != {dict}:
        return None
    keys = list(map(dict.get, rows, repeat("RowKey")))
    if rows and (set(map(type, keys)) != {str} or "" in keys):
        return None
    if not set(map(type, map(dict.get, rows, repeat("PartitionKey")))) <= {str, type(None)}:
        return None
    return rows


def fill_projections(docs: bytes, lines: list[str], count: int) -> list[str] | None:
    """``lines`` (a block's projections) with one made for each row that has none (or
    an older one) from its document; None when a document is not an entity or holds a
    raw RS (the block must then be read row by row)."""
    if len(lines) != count or docs.count(_RS) != count - 1:
        return None
    if all(map(methodcaller("startswith", _VERSION), lines)):
        return lines  # the common case, in C: every row written by the store (~2 ms per 100k)
    split = docs.split(_RS)
    filled = list(lines)
    for i, line in enumerate(lines):
        if line.startswith(_VERSION):
            continue
        found = entity_of(split[i])
        if type(found) is str:
            return None
        filled[i] = projection(found)  # type: ignore[arg-type]  # ("" still: decoded later)
    return filled


def block_by_rows(
    rows: Sequence[tuple[str, str, int, str, str]], bad: dict[Key, BadRow]
) -> tuple[bytes, int, list[str]]:
    """One block from its rows (document, projection, seq, PartitionKey, RowKey) read one
    by one: the entities' documents joined by RS, how many, and their projections; the
    others go into ``bad``."""
    docs: list[bytes] = []
    lines: list[str] = []
    for doc, line, seq, partition, key in rows:
        raw = doc.encode() if isinstance(doc, str) else bytes(doc)
        if line.startswith(_VERSION) and _RS not in raw:  # written by the store
            docs.append(raw)
            lines.append(line)
            continue
        found = entity_of(raw)  # (valid JSON never holds a raw RS)
        if type(found) is not str:
            docs.append(raw)
            lines.append(projection(found))  # type: ignore[arg-type]
            continue
        _bad(bad, partition, key, seq, found)  # type: ignore[arg-type]
    return _RS.join(docs), len(docs), lines


def missing_keys(conn: sqlite3.Connection, query: tuple[str, tuple[str, ...]], keys: set[Key]) -> set[Key]:
    """Those of ``keys`` that ``query`` (every key in scope) does not list. The keys are
    read one at a time and only counted, so the common answer (none missing) allocates
    nothing that outlives a row: a set of every key, made in a worker thread, left its
    glibc arena and Python's heap ~10-18 MB larger at each reconcile."""
    found = sum(map(keys.__contains__, conn.execute(*query)))  # (a key is listed once)
    return set() if found == len(keys) else keys.difference(conn.execute(*query))
