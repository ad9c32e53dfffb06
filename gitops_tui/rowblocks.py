"""Rows kept compressed: what lets 100k deployments live in a small process.

A decoded row is a dict of ~28 short strings, about 3 KB in CPython; the same row as
its JSON document is ~1 KB, and 256 documents deflated together take ~112 bytes each.
The journey keeps what every view needs for all rows in a deployment's own fields
(see :class:`gitops_tui.model.Deployment`) and the whole row here, decoded only for the
few deployments on screen or in a drill-down.

Blocks are filled open and compressed (*sealed*) in bulk: zlib releases the GIL, so a
full load seals a page's blocks in the worker thread that joined it while the event
loop takes the next page. Reading a sealed block inflates it once; the most recently
read blocks and rows are cached.
"""

from __future__ import annotations

import threading
import zlib
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from typing import Any

import orjson

from .model import RECORD_SEP, Row

BLOCK_ROWS = 256  # documents per block: inflating one takes 0.6 ms; 64 made the seal 4x the GIL hand-offs
_LEVEL = 3  # zlib level 3: 112 bytes a row at 4.7 µs; level 1: 141 bytes at 4.9 µs, level 6: 93 at 13
_BLOCK_CACHE = 16  # inflated blocks kept (about 4 MB)
_ROW_CACHE = 1024  # decoded rows kept: a few screens of the table


class RowBlock:
    """Up to ``BLOCK_ROWS`` rows as JSON documents; compressed once sealed."""

    __slots__ = ("_open", "_packed", "__weakref__")

    def __init__(self, docs: list[bytes] | bytes) -> None:
        """``docs``: the documents, or the documents already joined by RS (0x1e)."""
        self._open: list[bytes] | bytes | None = docs
        self._packed: bytes | None = None

    def _docs(self) -> list[bytes]:
        docs = self._open
        if docs is None:
            with _lock:
                return _inflate(self)
        if isinstance(docs, bytes):
            # Split once (an open block is read row by row for rows without a
            # projection). Only the thread filling the block reads it before it is
            # sealed, so this cannot undo a seal.
            docs = self._open = docs.split(_RS)
        return docs

    def __len__(self) -> int:
        return len(self._docs())

    @property
    def sealed(self) -> bool:
        return self._open is None

    def seal(self) -> None:
        """Compress the documents (safe from a worker thread: a reader sees either)."""
        docs = self._open
        if docs is None:
            return
        self._packed = zlib.compress(docs if isinstance(docs, bytes) else _RS.join(docs), _LEVEL)
        self._open = None  # after _packed is set: readers check _open first

    def doc(self, i: int) -> bytes:
        return self._docs()[i]

    def row(self, i: int) -> Row:
        """Row ``i`` as a fresh dict (callers may keep or change it)."""
        key = (self, i)
        with _lock:
            found = _rows.get(key)
            if found is None:
                found = orjson.loads(self.doc(i))
                _rows[key] = found
                if len(_rows) > _ROW_CACHE:
                    _rows.popitem(last=False)
            else:
                _rows.move_to_end(key)
        return dict(found)

    @property
    def nbytes(self) -> int:
        docs = self._open
        if docs is None:
            return len(self._packed or b"")
        return len(docs) if isinstance(docs, bytes) else sum(map(len, docs))


# Shared by the event loop and worker threads (a merge reads duplicates' rows).
_lock = threading.RLock()
_RS = RECORD_SEP.encode()  # between a block's documents
_blocks: OrderedDict[RowBlock, list[bytes]] = OrderedDict()
_rows: OrderedDict[tuple[RowBlock, int], Row] = OrderedDict()


def _inflate(block: RowBlock) -> list[bytes]:
    docs = _blocks.get(block)
    if docs is not None:
        _blocks.move_to_end(block)
        return docs
    docs = zlib.decompress(block._packed or b"").split(_RS)
    _blocks[block] = docs
    if len(_blocks) > _BLOCK_CACHE:
        _blocks.popitem(last=False)
    return docs


def encode(rows: Sequence[Row], docs: Sequence[Any] | None = None) -> list[bytes]:
    """JSON documents of ``rows``: the store's own (``docs``) when it has them."""
    if docs is None or len(docs) != len(rows):
        dumps = orjson.dumps
        return [dumps(row, default=str) for row in rows]
    return [d.encode() if isinstance(d, str) else d for d in docs]


def blocks_for(docs: list[bytes]) -> list[RowBlock]:
    """``docs`` cut into open blocks, in order."""
    return [RowBlock(docs[i:i + BLOCK_ROWS]) for i in range(0, len(docs), BLOCK_ROWS)]


def seal_all(blocks: Iterable[RowBlock]) -> None:
    for block in blocks:
        block.seal()
