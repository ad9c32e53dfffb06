"""Compact deployments: projections, compressed row blocks, and the monitor's load.

The monitor keeps 100k deployments in under 1 KB each by building them from the
SQLite store's projections and keeping whole rows compressed; every test here checks
that this gives exactly what the plain merge of decoded rows gives.
"""

from __future__ import annotations

import random
import sqlite3
import time
from pathlib import Path
from typing import Any

import orjson
import pytest

from gitops_tui.index import blocks as rowblocks
from gitops_tui.index import journey
from gitops_tui.config import StoreConfig
from gitops_tui.runtime.heap import release_free_memory
from gitops_tui.domain import rules
from gitops_tui.index.journey import JourneyIndex, from_projection, to_record
from gitops_tui.index.records import SEP, Record, RowRecord, to_plain
from gitops_tui.stores.projection import RECORD_SEP, projection
from gitops_tui.monitor import Monitor
from gitops_tui.present import to_json
from gitops_tui.domain.query import Query
from gitops_tui.stores.base import Page, load_all
from gitops_tui.stores.sqlite import SqliteStore
from gitops_tui.domain.timefmt import to_iso

from helpers import FROZEN, spektate_rows
from test_rules import row, t


def everything(r: Record) -> dict[str, Any]:
    """All a record says (and the plain deployment it reads as), for comparing two."""
    return {**to_json(to_plain(r), FROZEN), "haystack": r.haystack, "group": r.group, "row": r.row,
            "author_slot": r.author, "updated_iso": r.updated_iso, "pushed_iso": r.pushed_iso, "pushed_us": r.pushed_us}


def records(rows: list[dict[str, Any]]) -> list[Record]:
    """The records of a plain (uncompressed) load of ``rows``, newest first."""
    index = JourneyIndex()
    index.load(rows)
    return list(index.snapshot().deployments.records)


def many_rows(n: int, seed: int = 3) -> list[dict[str, Any]]:
    """Rows of every kind: full journeys, partial ones, manual edits, retried
    duplicates, odd values, and two cluster syncs."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        kind = rng.random()
        if kind < 0.1:  # a manual HLD edit
            cols = dict(p3=str(900 + i), p3Status="succeeded", hldCommitId=f"{i:07x}",
                        manifestCommitId=f"m{i:06x}", p3FinishedAt=t(i))
        else:
            p1 = str(i // 2 if kind > 0.9 else i)  # some retried (duplicate) image builds
            cols = dict(p1=p1, imageTag=f"svc-{p1}", commitId=f"{i:07x}", service="acme/Svc",
                        env=rng.choice(["DEV", "prod", None]), author=rng.choice(["Ann Lee", "Bo", None]),
                        p1Status=rng.choice(["started", "succeeded", "failed", None]),
                        p1StartedAt=t(i + 5), p1FinishedAt=rng.choice([t(i + 1), None]),
                        p2=rng.choice([str(i), None]), hldCommitId=rng.choice([f"h{i:06x}", None]),
                        pr=rng.choice([str(i), None]), prState=rng.choice(["active", "completed", "abandoned", None]),
                        prTitle=rng.choice(["Update Svc", "Ünïcode <b>[red]x[/]</b>", None]),
                        manifestCommitId=rng.choice(["aaaaaaa", "bbbbbbb", None]),
                        p3=rng.choice([str(i), None]), p3FinishedAt=rng.choice([t(i), None]))
        rows.append(row(RowKey=f"{i:012x}", Timestamp=t(i / 2), **cols))
    rows.append({"PartitionKey": "p.clusters", "RowKey": "east", "kind": "clusterSync",
                 "cluster": "east", "manifestCommitId": "bbbbbbb", "syncedAt": t(3)})
    rows.append({"PartitionKey": "p.clusters", "RowKey": "west", "kind": "clusterSync",
                 "cluster": "west", "manifestCommitId": "aaaaaaa", "syncedAt": t(1)})
    return rows


@pytest.mark.parametrize("source", ["spektate", "synthetic"])
def test_a_projection_builds_the_same_deployment_as_its_row(source):
    rows = spektate_rows() if source == "spektate" else many_rows(300)
    for r in rows:
        line = projection(r)
        assert line, r
        built = from_projection(line.split(SEP), r)
        assert everything(built) == everything(to_record(r))
        assert to_plain(built) == rules.deployment_of(r)


def test_a_value_with_a_separator_has_no_projection():
    assert projection(row(p1="1", prTitle="a\x1fb")) == ""
    assert projection(row(p1="1", prTitle="a\x1eb")) == ""
    assert projection(row(p1="1", prTitle="a b")).startswith("v1\x1f")


def test_a_few_rows_are_sealed_without_a_dictionary_and_read_back():
    rows = many_rows(30, seed=9)  # too few to train a dictionary on
    block = rowblocks.RowBlock(rowblocks.encode(rows))
    rowblocks.seal_all([block])
    assert block.sealed and len(block) == len(rows)
    assert [block.row(j) for j in range(len(rows))] == rows


def test_a_block_read_while_a_worker_thread_seals_it_reads_right_and_ends_sealed():
    import threading

    rows = many_rows(256, seed=12)
    docs = rowblocks.encode(rows)
    joined = RECORD_SEP.encode().join(docs)  # as the SQLite store hands a block over
    errors = []
    for trial in range(200):
        block = rowblocks.RowBlock(joined if trial % 2 else list(docs))
        sealer = threading.Thread(target=rowblocks.seal_all, args=([block],))
        sealer.start()
        try:
            while sealer.is_alive():
                assert len(block) == len(docs) and block.doc(trial % 256) == docs[trial % 256]
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        sealer.join()
        if not block.sealed:
            errors.append(f"trial {trial}: left open")
    assert errors == []


def test_rows_in_blocks_read_back_the_same_open_or_sealed(monkeypatch):
    monkeypatch.setattr(rowblocks, "_trained", None)  # a dictionary learnt from these rows
    rows = many_rows(600)
    blocks = rowblocks.blocks_for(rowblocks.encode(rows))
    assert [len(b) for b in blocks] == [256, 256, 90]
    width = rowblocks.BLOCK_ROWS
    for j in (0, 255, 256, 601):
        assert blocks[j // width].row(j % width) == rows[j]
    rowblocks.seal_all(blocks)
    assert all(b.sealed for b in blocks)
    assert sum(b.nbytes for b in blocks) < sum(map(len, rowblocks.encode(rows))) / 4
    for j in range(len(rows)):
        assert blocks[j // width].row(j % width) == rows[j]
    copy = blocks[0].row(3)
    copy["p1"] = "changed"  # a caller's copy: the block's row stays as it was
    assert blocks[0].row(3) == rows[3]


@pytest.mark.parametrize("with_projections", [True, False])
def test_a_compact_load_equals_the_plain_merge(with_projections):
    rows = many_rows(700, seed=11)
    docs = [orjson.dumps(r) for r in rows]
    projections = [projection(r) for r in rows] if with_projections else None
    index = JourneyIndex(compact=True)
    for start in range(0, len(rows), 250):  # pages, as a store hands them over
        cut = slice(start, start + 250)
        index.add_page(Page(None, docs[cut], projections[cut] if projections else None))
    rowblocks.seal_all(index.take_open_blocks())
    index.finish_load()
    compact = index.snapshot().deployments.records
    plain = records(rows)
    assert [everything(d) for d in compact] == [everything(d) for d in plain]
    assert any(d.synced_clusters for d in compact) and any(d.duplicates for d in compact)
    assert all(isinstance(d._src, rowblocks.RowBlock) for d in compact if not d.duplicates)


def test_a_plain_rows_haystack_is_built_when_first_read_and_equals_the_eager_one():
    rows = many_rows(400, seed=4)
    plain = JourneyIndex()
    plain.add_page(rows)
    early = [d for d in plain._built if d.key[1].endswith(("1", "7"))]
    assert early and all(type(d) is RowRecord for d in early)
    assert {d.haystack.split(SEP)[-1] for d in early} == {""}  # read before the cluster sync
    plain.finish_load()
    eager = JourneyIndex(compact=True)
    eager.load(rows)
    got = {d.key: (d.haystack, d.synced_clusters) for d in plain.snapshot().deployments.records}
    want = {d.key: (d.haystack, d.synced_clusters) for d in eager.snapshot().deployments.records}
    assert got == want
    assert any(names for _, names in got.values())
    assert any(names for d in early for names in [got[d.key][1]])  # synced after its hay was read


def test_compact_updates_equal_the_plain_merge():
    rows = many_rows(200, seed=5)
    index = JourneyIndex(compact=True)
    index.load(rows[:150])
    rng = random.Random(8)
    current = {(r["PartitionKey"], r["RowKey"]): r for r in rows[:150]}
    for step in range(30):
        batch = [dict(rng.choice(rows), Timestamp=t(-step), p1Status=rng.choice(["failed", "succeeded"]))
                 for _ in range(rng.choice([1, 3]))]
        batch.append(rows[150 + step])  # and a new row each time
        index.apply(batch)
        current.update({(r["PartitionKey"], r["RowKey"]): r for r in batch})
    got = {d.key: everything(d) for d in index.snapshot().deployments.records}
    expected = {d.key: everything(d) for d in records(list(current.values()))}
    assert got == expected


async def test_sqlite_pages_carry_documents_and_projections(tmp_path: Path):
    store = SqliteStore(StoreConfig(path=tmp_path / "t.db"))
    await store.open(create=True)
    rows = many_rows(120)
    await store.upsert_many(rows)
    pages = [page async for page in store.scan_projected(50)]
    await store.close()
    assert [len(p) for p in pages] == [50, 50, 22]
    for page in pages:
        assert isinstance(page, Page) and len(page.docs) == len(page.projections) == len(page)
        assert all(line.startswith("v1\x1f") for line in page.projections)
        decoded = list(page)
        assert [projection(r) for r in decoded] == page.projections
    assert sorted(r["RowKey"] for p in pages for r in p) == sorted(r["RowKey"] for r in rows)


async def test_a_table_from_before_projections_gets_the_column_and_still_loads(tmp_path: Path):
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    # The table as the previous version made it: no proj column.
    conn.executescript(
        'CREATE TABLE "deployments" (seq INTEGER PRIMARY KEY, "PartitionKey" TEXT NOT NULL, '
        '"RowKey" TEXT NOT NULL, "Timestamp" TEXT NOT NULL, doc TEXT NOT NULL, etag TEXT NOT NULL);'
    )
    old = many_rows(40)
    for seq, r in enumerate(old, 1):
        conn.execute('INSERT INTO "deployments" VALUES (?, ?, ?, ?, ?, ?)',
                     (seq, r["PartitionKey"], r["RowKey"], r.get("Timestamp", ""), orjson.dumps(r).decode(), f"e{seq}"))
    conn.commit()
    conn.close()
    store = SqliteStore(StoreConfig(path=path))
    monitor = Monitor(store, clock=lambda: FROZEN)
    await monitor.load()
    assert [everything(d) for d in monitor.snapshot.deployments.records] == [everything(d) for d in records(old)]
    new = row(RowKey="fresh", p1="7777", imageTag="svc-7777", Timestamp=to_iso(FROZEN))
    await store.upsert_many([new])
    await monitor.poll()
    await store.close()
    assert monitor.snapshot.deployments[0].id == "fresh"
    with sqlite3.connect(path) as conn:
        projections = dict(conn.execute('SELECT "RowKey", proj FROM "deployments"').fetchall())
    assert projections["fresh"].startswith("v1\x1f") and projections[old[0]["RowKey"]] is None


async def test_the_monitor_keeps_every_row_compressed(tmp_path: Path):
    store = SqliteStore(StoreConfig(path=tmp_path / "t.db"))
    await store.open(create=True)
    await store.upsert_many(many_rows(1200, seed=2))
    rows, _ = await load_all(store)  # as stored: the store sets each row's Timestamp
    monitor = Monitor(store, clock=lambda: FROZEN, page_size=500, first_page=100)
    published = []
    monitor.subscribe(lambda update: published.append(update.snapshot) if update.snapshot.loaded else None)
    assert not monitor.settled
    await monitor.load()
    await store.close()
    assert monitor.settled and published == [monitor.snapshot]  # once, with every row
    deployments = monitor.snapshot.deployments
    assert [everything(d) for d in deployments.records] == [everything(d) for d in records(rows)]
    blocks = {id(d._src): d._src for d in deployments.records if not d.duplicates}
    assert blocks and all(isinstance(b, rowblocks.RowBlock) and b.sealed for b in blocks.values())


def test_freed_heap_goes_back_to_the_os_on_this_machine():
    assert release_free_memory() is True  # glibc (Linux CI); a no-op elsewhere


async def test_a_document_changed_without_its_projection_is_read_from_the_document(tmp_path: Path):
    path = tmp_path / "t.db"
    store = SqliteStore(StoreConfig(path=path))
    await store.open(create=True)
    rows = many_rows(50, seed=4)
    await store.upsert_many(rows)
    await store.close()
    # An older gitops-tui (or SQL by hand) rewrites a document and knows nothing of proj.
    changed = dict(rows[7], p1Status="failed")
    with sqlite3.connect(path) as conn:
        conn.execute('UPDATE "deployments" SET doc=?, seq=(SELECT max(seq) + 1 FROM "deployments") '
                     'WHERE "RowKey"=?', (orjson.dumps(changed).decode(), changed["RowKey"]))
        proj = conn.execute('SELECT proj FROM "deployments" WHERE "RowKey"=?', (changed["RowKey"],)).fetchone()[0]
    assert proj is None  # the trigger forgot the stale projection
    store = SqliteStore(StoreConfig(path=path))
    monitor = Monitor(store, clock=lambda: FROZEN)
    await monitor.load()
    stored, _ = await load_all(store)
    await store.close()
    assert monitor.index.deployments[("p", changed["RowKey"])].status == "failed"
    assert [everything(d) for d in monitor.snapshot.deployments.records] == [everything(d) for d in records(stored)]


async def test_a_locked_file_is_opened_without_projections_and_still_written(tmp_path: Path):
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:  # the table as the previous version made it
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute('CREATE TABLE "deployments" (seq INTEGER PRIMARY KEY, "PartitionKey" TEXT NOT NULL, '
                     '"RowKey" TEXT NOT NULL, "Timestamp" TEXT NOT NULL, doc TEXT NOT NULL, etag TEXT NOT NULL)')
        conn.execute('CREATE UNIQUE INDEX "deployments_key" ON "deployments" ("PartitionKey", "RowKey")')
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # another process in the middle of a write
    store = SqliteStore(StoreConfig(path=path))
    started = time.monotonic()
    await store.open()
    assert time.monotonic() - started < 10  # not the 30 s busy timeout
    writer.execute("ROLLBACK")
    writer.close()
    new = row(RowKey="fresh", p1="1", imageTag="t-1", Timestamp=to_iso(FROZEN))
    await store.insert(new)  # no proj column: written without one
    got = await store.get("p", "fresh")
    pages = [page async for page in store.scan_projected(10)]
    await store.close()
    assert got is not None and got.row["p1"] == "1"
    assert [r["RowKey"] for page in pages for r in page] == ["fresh"]


def test_free_text_does_not_match_times():
    rows = [row(RowKey=f"{i:012x}", p1=str(i), imageTag=f"img-{i}", p1Status="succeeded",
                p1StartedAt=t(10), p1FinishedAt=t(9), p3="9", p3Status="succeeded", p3FinishedAt=t(1),
                manifestCommitId="abcdef0") for i in range(3)]
    deployments = journey.merge(rows)
    for term in ("t0", "z", ":00", "2026-"):
        assert Query.parse(term).filter(deployments) == [], term
    assert len(Query.parse("img-1").filter(deployments)) == 1


def test_rows_built_by_hand_with_odd_timestamps_merge():
    rows = [row(RowKey="a", p1="1", imageTag="x"), row(RowKey="b", p1="2", imageTag="y"),
            row(RowKey="c", p1="3", imageTag="z")]
    rows[0]["Timestamp"] = None
    rows[1]["Timestamp"] = FROZEN  # a datetime
    got = {d.key[1]: d.updated_iso for d in records(rows)}
    assert got == {"a": "", "b": to_iso(FROZEN), "c": to_iso(FROZEN)}


def _slow_seals(monkeypatch) -> None:
    real = rowblocks.seal_all

    def slow(blocks):  # type: ignore[no-untyped-def]
        time.sleep(0.05)
        real(blocks)

    monkeypatch.setattr(rowblocks, "seal_all", slow)


@pytest.mark.parametrize("how", ["cancelled", "listener raises"])
async def test_a_load_interrupted_after_publishing_still_compresses_every_row(tmp_path: Path, monkeypatch, how):
    import asyncio
    import sys

    store = SqliteStore(StoreConfig(path=tmp_path / "t.db"))
    await store.open(create=True)
    await store.upsert_many(many_rows(1200, seed=4))
    _slow_seals(monkeypatch)
    monitor = Monitor(store, clock=lambda: FROZEN, page_size=300, first_page=100)
    switch = sys.getswitchinterval()
    published = asyncio.Event()

    def listener(update):  # type: ignore[no-untyped-def]
        if update.snapshot.loaded:
            published.set()
            if how == "listener raises":
                raise RuntimeError("a view failed")

    monitor.subscribe(listener)
    task = asyncio.create_task(monitor.load())
    await asyncio.wait_for(published.wait(), 10)
    if how == "cancelled":
        task.cancel()
    with pytest.raises((asyncio.CancelledError, RuntimeError)):
        await task
    for _ in range(500):
        if monitor.settled:
            break
        await asyncio.sleep(0.01)
    await store.close()
    assert monitor.settled and sys.getswitchinterval() == switch
    blocks = {id(d._src): d._src for d in monitor.snapshot.deployments.records if not d.duplicates}
    assert blocks and all(isinstance(b, rowblocks.RowBlock) and b.sealed for b in blocks.values())
