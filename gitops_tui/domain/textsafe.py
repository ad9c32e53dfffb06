"""Untrusted text (commit messages, names, branches, table values) made safe to print.

Escape sequences and control characters are removed, not escaped: a terminal must never
receive them from data. Rich/Textual markup is not interpreted by the views (they build
``rich.text.Text`` objects), so brackets need no escaping here.
"""

from __future__ import annotations

import re

# CSI/OSC/DCS/… sequences first (so their parameters go with them), then any other C0/C1
# control character, DEL, the zero-width and bidi controls (embeddings, overrides,
# isolates, marks: they can make text read backwards), the line and paragraph separators
# (U+2028/U+2029: a line break to some terminals and editors) and lone surrogates (no
# terminal encoding holds them). ``str.isprintable`` is false for every one of these, so
# text without them never reaches the regular expressions. (``CONTROLS`` is public:
# export writes each of them as a JSON ``\uXXXX`` escape, see ``transfer.entity_line``.)
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC … BEL/ST
    r"|\x1b[PX^_][^\x1b]*(?:\x1b\\)?"  # DCS/SOS/PM/APC … ST
    r"|\x1b[@-Z\\-_]"  # other two-byte escapes
    r"|\x9b[0-?]*[ -/]*[@-~]"  # 8-bit CSI
)
CONTROLS = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff]"
)


def clean(value: object, limit: int | None = 500) -> str:
    """``value`` as one line of printable text, at most ``limit`` characters."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    if text.isprintable():  # the common case costs one C-level scan
        cleaned = text
    else:
        cleaned = CONTROLS.sub(" ", _ESCAPES.sub("", text)).strip()
    if limit is not None and len(cleaned) > limit:
        cleaned = cleaned[: limit - 1] + "…"
    return cleaned
