"""Rows kept compressed: what lets 100k deployments live in a small process.

A decoded row is a dict of ~28 short strings, about 3 KB in CPython; the same row as
its JSON document is ~1 KB, and compressed on its own with a zstd dictionary trained on
the table's first documents it takes ~150 bytes. The journey keeps what every view
needs for all rows in a deployment's own fields (see
:class:`gitops_tui.domain.model.Deployment`) and the whole row here, decoded only for the few
deployments on screen or in a drill-down.

Each document is its own zstd frame, so reading one row decompresses ~150 bytes (2-3 µs);
with rows deflated 256 to a block (zlib, the stdlib's only codec with no per-row
dictionary cost) a screen of scattered rows (a filter, a sort) inflated a block each,
0.75 ms a row. Frames are packed per block of ``BLOCK_ROWS`` rows with their offsets,
so there is no Python object per row.

Blocks are filled open and compressed (*sealed*) in bulk, one zstd call per block
(which releases the GIL): a full load seals the blocks of a page in a worker thread
while the event loop takes the next page.
"""

from __future__ import annotations

import threading
from array import array
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from itertools import accumulate
from typing import Any

import orjson
import zstandard

from gitops_tui.domain.rows import Row
from gitops_tui.stores.projection import RECORD_SEP
from gitops_tui.stores.base import BLOCK_ROWS

_LEVEL = 1  # level 1 with the dictionary: 150 bytes a row at 4 µs; level 3 no smaller
_DICT_BYTES = 16 * 1024
_TRAIN_ROWS = 100  # a dictionary needs this many sample documents; fewer: no dictionary
# Decoded rows kept (~2 KB each): a screen's rows; to_plain keeps their deployments.
_ROW_CACHE = 256


class _Codec:
    """One zstd dictionary (or none) with what compresses and decompresses with it."""

    __slots__ = ("dictionary", "decompressor")

    def __init__(self, dictionary: zstandard.ZstdCompressionDict | None) -> None:
        self.dictionary = dictionary
        if dictionary is not None:
            dictionary.precompute_compress(level=_LEVEL)
            self.decompressor = zstandard.ZstdDecompressor(dict_data=dictionary)
        else:
            self.decompressor = zstandard.ZstdDecompressor()

    def compressor(self) -> zstandard.ZstdCompressor:
        """A fresh compressor (one per sealing call: they are not thread-safe)."""
        return zstandard.ZstdCompressor(
            level=_LEVEL, dict_data=self.dictionary, write_checksum=False, write_dict_id=False
        )


class RowBlock:
    """Up to ``BLOCK_ROWS`` rows as JSON documents; compressed once sealed."""

    __slots__ = ("_open", "_packed", "_offsets", "_codec", "__weakref__")

    def __init__(self, docs: list[bytes] | bytes) -> None:
        """``docs``: the documents, or the documents already joined by RS (0x1e)."""
        self._open: list[bytes] | bytes | None = docs
        self._packed = b""
        self._offsets = _NO_OFFSETS
        self._codec: _Codec | None = None

    def _docs(self) -> list[bytes] | None:
        """The documents while the block is open (None once sealed). Reads ``_open``
        once: a worker thread may seal the block meanwhile."""
        docs = self._open
        if isinstance(docs, bytes):
            split = docs.split(_RS)
            with _lock:  # keep the split (it is read row by row) unless sealed since
                if self._open is docs:
                    self._open = split
            return split
        return docs

    def __len__(self) -> int:
        docs = self._docs()
        return len(docs) if docs is not None else len(self._offsets) - 1

    @property
    def sealed(self) -> bool:
        return self._open is None

    def seal(self) -> None:
        """Compress the documents (safe from a worker thread: a reader sees either)."""
        docs = self._docs()
        if docs is not None:
            _seal([self], _codec_for(docs))

    def doc(self, i: int) -> bytes:
        docs = self._docs()
        if docs is not None:
            return docs[i]
        codec = self._codec
        assert codec is not None
        offsets = self._offsets
        with _lock:  # a decompressor is not thread-safe
            return codec.decompressor.decompress(self._packed[offsets[i]:offsets[i + 1]])

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
            return len(self._packed) + self._offsets.itemsize * len(self._offsets)
        return len(docs) if isinstance(docs, bytes) else sum(map(len, docs))


# Shared by the event loop and worker threads (a merge reads duplicates' rows).
_lock = threading.RLock()
_RS = RECORD_SEP.encode()  # between the documents of a page from the store
_NO_OFFSETS = array("I")
_rows: OrderedDict[tuple[RowBlock, int], Row] = OrderedDict()
_PLAIN = _Codec(None)
_trained: _Codec | None = None  # the process's dictionary, from the first big enough seal


def _codec_for(sample: Sequence[bytes]) -> _Codec:
    """The dictionary codec, trained on ``sample`` if there is none yet and it is big
    enough; else no dictionary (a table of a few rows needs none)."""
    global _trained
    if _trained is None and len(sample) >= _TRAIN_ROWS:
        try:  # (outside the lock: readers of other blocks need not wait the 35 ms)
            codec = _Codec(zstandard.train_dictionary(_DICT_BYTES, list(sample)))
        except zstandard.ZstdError:  # samples too alike or too small to learn from
            return _PLAIN
        with _lock:
            if _trained is None:
                _trained = codec
    return _trained or _PLAIN


def _seal(blocks: Sequence[RowBlock], codec: _Codec) -> None:
    compressor = codec.compressor()
    for block in blocks:
        docs = block._docs()
        if docs is None:  # sealed meanwhile
            continue
        try:
            frames = [segment.tobytes() for segment in compressor.multi_compress_to_buffer(docs)]
        except NotImplementedError:  # zstandard's CFFI backend: one call per document
            frames = [compressor.compress(doc) for doc in docs]
        block._packed = b"".join(frames)
        block._offsets = array("I", accumulate(map(len, frames), initial=0))
        block._codec = codec
        with _lock:
            block._open = None  # last: readers check _open first


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
    """Compress ``blocks`` (those still open)."""
    pending = [block for block in blocks if block._open is not None]
    if pending:
        first = pending[0]._docs()
        _seal(pending, _codec_for(first or []))
