"""``get``'s output on fixed data at a frozen clock, for the byte-for-byte comparison.

The files in ``golden/`` were written by the ``get`` of commit 0575ae0 (before ``get``
streamed), by ``python tests/cli/golden_get.py --write``; :mod:`test_get_stream` checks
that today's ``get`` writes the same bytes. The data: Spektate's 92 rows (stored with
the Timestamp they have in the fixture, as an import kept it) and 300 generated rows
shaped as ``record`` writes them (``benchmarks/bench_core.rows``).
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import sys
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "benchmarks")]

from helpers import FROZEN, SPEKTATE  # noqa: E402

GOLDEN = Path(__file__).resolve().parent / "golden"
# name -> get's arguments
CASES: dict[str, tuple[str, ...]] = {
    "json": ("-o", "json"),
    "table": ("-o", "table"),
    "wide": ("-o", "wide"),
    "json-filtered": ("-o", "json", "--filter", "!status:succeeded", "--top", "40"),
    "table-service": ("--service", "hello-spektate"),
    "jsonl-like-top": ("-o", "json", "--top", "5"),
    "rings-json": ("--view", "rings", "-o", "json"),
    "clusters": ("--view", "clusters",),
}


def fixture_rows() -> list[dict[str, str]]:
    """The rows of the comparison store, as plain entities (Timestamps included)."""
    from bench_core import rows

    out = []
    for entry in json.loads((SPEKTATE / "deployments.json").read_text())["entries"]:
        row = {k: (v["_"] if isinstance(v, dict) else v) for k, v in entry.items() if k != ".metadata"}
        row = {k: str(v) for k, v in row.items() if v is not None and v != ""}
        stamp = row.pop("Timestamp", None)
        if stamp:
            row["originalTimestamp"] = stamp
        out.append(row)
    # (A store stamps its own Timestamp on write: originalTimestamp keeps the times fixed.)
    generated = [{**r, "originalTimestamp": r["p3FinishedAt"]} for r in rows(300, partition="trivia")]
    return out + generated


def make_store(tmp: Path) -> Path:
    """A SQLite store holding :func:`fixture_rows`; returns its config file."""
    from gitops_tui.config import StoreConfig
    from gitops_tui.stores.sqlite import SqliteStore

    db = tmp / "golden.db"

    async def fill() -> None:
        store = SqliteStore(StoreConfig(kind="sqlite", path=str(db)))
        await store.open(create=True)
        try:
            await store.upsert_many(fixture_rows())
        finally:
            await store.close()

    asyncio.run(fill())
    cfg = tmp / "golden.yaml"
    cfg.write_text(f"store:\n  kind: sqlite\n  path: {db}\n")
    return cfg


def run_get(cfg: Path, args: tuple[str, ...]) -> bytes:
    """``get``'s standard output, in this process, at the frozen clock."""
    from gitops_tui.cli import main

    raw = io.BytesIO()
    out = io.TextIOWrapper(raw, encoding="utf-8", newline="\n", write_through=True)
    with mock.patch("gitops_tui.cli.commands.get.utcnow", return_value=FROZEN), \
            mock.patch.dict("os.environ", {"COLUMNS": "400"}), \
            contextlib.redirect_stdout(out):
        status = main(["--config", str(cfg), "get", "--no-enrich", *args])
        out.flush()
    assert status == 0
    return raw.getvalue()


if __name__ == "__main__" and sys.argv[1:] == ["--write"]:
    import tempfile

    GOLDEN.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as d:
        cfg = make_store(Path(d))
        for name, args in CASES.items():
            (GOLDEN / f"{name}.out").write_bytes(run_get(cfg, args))
