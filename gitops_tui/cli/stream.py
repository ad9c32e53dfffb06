"""``get``'s output written a page at a time, so memory is bounded by the page.

The bytes are those ``json.dump(value, indent=2)`` wrote before ``get`` streamed (ASCII
only: every non-ASCII character as ``\\uXXXX``, so no C1 or bidi control reaches a
terminal raw): orjson writes each page, and a page with a non-ASCII byte (or a value
orjson refuses, such as a lone surrogate) is written by ``json`` instead, which is rare.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any, BinaryIO, TypeVar

import orjson

T = TypeVar("T")
PAGE = 1000  # deployments per write


def pages(items: Iterable[T], size: int | None = None) -> Iterator[list[T]]:
    """``items`` in lists of at most ``size`` (default :data:`PAGE`; itertools.batched
    is 3.12+)."""
    it = iter(items)
    size = size or PAGE
    while page := list(islice(it, size)):
        yield page


def binary_stdout() -> BinaryIO:
    """Standard output's byte stream, after anything written as text."""
    sys.stdout.flush()
    return sys.stdout.buffer


def _array_body(page: list[Any]) -> bytes:
    """The elements of ``page`` as ``json.dumps(page, indent=2)`` writes them inside its
    brackets (each indented by two, ``,\\n`` between)."""
    try:
        text = orjson.dumps(page, option=orjson.OPT_INDENT_2)
    except orjson.JSONEncodeError:
        text = b""
    if not text or not text.isascii():
        text = json.dumps(page, indent=2).encode("ascii")
    return text[2:-2]  # without "[\n" and "\n]"


def write_json_array(objects: Iterable[Any], out: BinaryIO) -> None:
    """A JSON array, two-space indented, one page of ``objects`` at a time."""
    first = True
    for page in pages(objects):
        out.write(b"[\n" if first else b",\n")
        out.write(_array_body(page))
        first = False
    out.write(b"[]\n" if first else b"\n]\n")


def _line(value: Any) -> bytes:
    try:
        text = orjson.dumps(value)
        if text.isascii():
            return text
    except orjson.JSONEncodeError:
        pass
    return json.dumps(value, separators=(",", ":")).encode("ascii")


def write_json_lines(objects: Iterable[Any], out: BinaryIO) -> None:
    """One compact JSON object per line (ASCII, as the array), a page at a time."""
    for page in pages(objects):
        out.write(b"".join([_line(v) + b"\n" for v in page]))
