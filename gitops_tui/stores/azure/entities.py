"""Table entities as plain row dicts, and row dicts as entities to write.

Every value read comes back as a string (see :mod:`gitops_tui.domain.model`), the
``Timestamp`` as an ISO-8601 UTC string; nothing here imports the SDK.
"""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime
from typing import Any

from gitops_tui.domain.rows import Row
from gitops_tui.domain.timefmt import to_iso
from gitops_tui.stores.base import StoreError, Versioned

# Characters the service does not allow in PartitionKey/RowKey. Sent anyway, a ``/``
# ends up in the URL of a single-entity request (Azurite answers 500): refuse them here.
_BAD_KEY = re.compile(r"[/\\#?\x00-\x1f\x7f-\x9f]")


def _plain(value: Any) -> Any:
    """A property value as a plain value: strings stay strings, anything else a string."""
    if isinstance(value, str):
        return value
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return to_iso(value)
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode("ascii")
    inner = getattr(value, "value", value)  # EntityProperty(value, edm_type)
    if inner is not value:
        return _plain(inner)
    return str(value)


def entity_to_row(entity: Any) -> Row:
    """A TableEntity as a plain row dict (the hot path of a full load: keep it lean)."""
    row: Row = dict(entity)
    for key, value in row.items():
        if value.__class__ is not str:
            row[key] = _plain(value)
    timestamp = entity.metadata.get("timestamp")
    if timestamp is not None:
        # The service's own string (7 fractional digits) cut to to_iso's form is 20x
        # cheaper than strftime; anything unusual (Cosmos) goes through to_iso.
        text = getattr(timestamp, "tables_service_value", "")
        if len(text) == 28 and text[19] == "." and text[27] == "Z":
            row["Timestamp"] = text[:26] + "Z"
        else:
            row["Timestamp"] = to_iso(timestamp)
    return row


def entity_to_change(entity: Any) -> tuple[Row, datetime | None, str]:
    """A TableEntity as (row, its timestamp as a plain UTC datetime or None, its ETag)."""
    metadata = entity.metadata
    timestamp = metadata.get("timestamp")
    if timestamp is not None:  # a plain datetime, not the SDK's subclass
        t = timestamp.astimezone(UTC)
        timestamp = datetime(
            t.year, t.month, t.day, t.hour, t.minute, t.second, t.microsecond, tzinfo=UTC
        )
    return entity_to_row(entity), timestamp, metadata.get("etag") or ""


def entity_to_versioned(entity: Any) -> Versioned:
    """A TableEntity as a row with the ETag it was read at."""
    return Versioned(entity_to_row(entity), entity.metadata.get("etag") or "")


def row_to_entity(row: Row) -> dict[str, Any]:
    """The properties to write: no system columns, no None (Azure cannot store null)."""
    entity = {
        key: value
        for key, value in row.items()
        if value is not None and key != "Timestamp" and not key.startswith("odata.")
    }
    if "PartitionKey" not in entity or "RowKey" not in entity:
        raise StoreError("a row needs PartitionKey and RowKey")
    entity["PartitionKey"] = str(entity["PartitionKey"])
    entity["RowKey"] = str(entity["RowKey"])
    return entity


def key_problem(entity: dict[str, Any]) -> str | None:
    """Why the service would refuse this entity's keys, or None if it would not."""
    for name in ("PartitionKey", "RowKey"):
        if _BAD_KEY.search(entity[name]):
            return f"{name} has a character a table key cannot hold (/ \\ # ? or a control character)"
    return None
