"""Moving entities in and out: JSON Lines, the old Node SDK wrapping, Spektate dumps.

Import into a store that sets its own Timestamp on write (Azure) keeps the source's
``Timestamp`` as ``originalTimestamp`` (on a legacy row that time is the only time there
is); the embedded store keeps the ``Timestamp`` itself (``keep_timestamp``), so export →
import → export gives the same file.
"""

from __future__ import annotations

import json
import re
from typing import Any

from gitops_tui.domain.rows import Row
from gitops_tui.domain.textsafe import CONTROLS
from gitops_tui.domain.timefmt import parse_iso, to_iso

_BAD_KEY = re.compile(r"[/\\#?\x00-\x1f\x7f-\x9f]")
_BEDROCK_MARKERS = ("p1", "p2", "p3")
_ROW_KEY = re.compile(r"^[0-9a-f]{12}$")


def _plain(value: Any) -> Any:
    """``{"_": "6872", "$": "Edm.String"}`` (old azure-storage Node SDK) → ``"6872"``."""
    if isinstance(value, dict) and "_" in value:
        value = value["_"]
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def to_entity(raw: Any, default_partition: str | None, keep_timestamp: bool = False) -> Row:
    """A plain entity from one imported object; ValueError says what is wrong with it.
    ``keep_timestamp``: leave ``Timestamp`` as it is (else it becomes ``originalTimestamp``)."""
    if not isinstance(raw, dict):
        raise ValueError(f"expected a JSON object, got {type(raw).__name__}")
    row: Row = {}
    for key, value in raw.items():
        if key == ".metadata" or key.startswith(("odata.", "@odata")):
            continue
        plain = _plain(value)
        if plain is not None and plain != "":
            row[key] = plain
    if not row.get("PartitionKey"):
        if not default_partition:
            raise ValueError("no PartitionKey (pass --partition to supply one)")
        row["PartitionKey"] = default_partition
    if not row.get("RowKey"):
        raise ValueError("no RowKey")
    for key in ("PartitionKey", "RowKey"):
        if _BAD_KEY.search(row[key]) or len(row[key]) > 1024:
            raise ValueError(f"{key} {row[key][:40]!r} has characters a table key cannot hold")
    if keep_timestamp:
        return row
    stamp = row.pop("Timestamp", None)
    if stamp and not row.get("originalTimestamp"):
        parsed = parse_iso(stamp)
        if parsed is not None:
            row["originalTimestamp"] = to_iso(parsed)
    return row


def read_entities(
    text: str, default_partition: str | None, keep_timestamps: bool = False
) -> tuple[list[Row], list[tuple[int, str]]]:
    """Entities from a whole file, and (line number, problem) for each one skipped.

    Accepts JSON Lines, a JSON array, or Spektate's ``{"entries": [...]}`` dump.
    ``keep_timestamps``: as :func:`to_entity`'s ``keep_timestamp``.
    """
    stripped = text.lstrip()
    whole: Any = None
    if stripped[:1] in ("{", "["):
        try:
            whole = json.loads(text)
        except json.JSONDecodeError:
            whole = None  # not one document: read it line by line
    if isinstance(whole, dict) and isinstance(whole.get("entries"), list):
        items: list[tuple[int, Any]] = [(i + 1, e) for i, e in enumerate(whole["entries"])]
    elif isinstance(whole, list):
        items = [(i + 1, e) for i, e in enumerate(whole)]
    elif isinstance(whole, dict):
        items = [(1, whole)]
    else:
        items = []
        problems: list[tuple[int, str]] = []
        # "\n" only: str.splitlines also splits at U+2028, U+0085, \x1c… which an older
        # export (or another tool's) may hold raw inside a JSON string.
        for number, line in enumerate(text.split("\n"), start=1):
            if not line.strip():
                continue
            try:
                items.append((number, json.loads(line)))
            except json.JSONDecodeError as exc:
                problems.append((number, f"not JSON ({exc.msg})"))
        entities, more = _convert(items, default_partition, keep_timestamps)
        return entities, sorted(problems + more)
    return _convert(items, default_partition, keep_timestamps)


def _convert(
    items: list[tuple[int, Any]], default_partition: str | None, keep: bool
) -> tuple[list[Row], list[tuple[int, str]]]:
    entities: list[Row] = []
    problems: list[tuple[int, str]] = []
    for number, raw in items:
        try:
            entities.append(to_entity(raw, default_partition, keep))
        except ValueError as exc:
            problems.append((number, str(exc)))
    return entities, problems


def _escaped(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def entity_line(row: Row) -> str:
    """One export line: plain property values, absent ones left out.

    The values are kept exactly (an export is a backup: importing it gives the same
    rows back), but no character a terminal or a line reader could act on is written
    raw: json escapes C0, and DEL, C1, the zero-width and bidi controls, U+2028/U+2029
    and lone surrogates are written as ``\\uXXXX`` too, so ``cat`` of an export cannot
    be an attack and every line is one line to any reader (they only occur inside
    JSON strings, where the escape means the same character).
    """
    line = json.dumps({k: v for k, v in row.items() if v is not None}, ensure_ascii=False)
    return line if line.isprintable() else CONTROLS.sub(_escaped, line)


def looks_like_bedrock(row: Row) -> bool:
    """Whether a row has the shape `bedrock deployment create` writes."""
    return bool(_ROW_KEY.match(str(row.get("RowKey", "")))) and any(row.get(c) for c in _BEDROCK_MARKERS)
