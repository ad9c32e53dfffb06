"""Rows written into the SQLite file by hand that are not entities: skipped, counted,
listed by ``check``; every other row is served (the store, the monitor, the CLI)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from rich.style import Style

from gitops_tui.config import StoreConfig
from gitops_tui.monitor import OK, Monitor, PollStatus
from gitops_tui.stores.base import ReportsBadRows
from gitops_tui.stores.sqlite import SqliteStore
from helpers import run_cli

GOOD = 30
# (document as written by hand, why check says it is bad)
BAD = [
    ("null", "a JSON null, not an object"),
    ("[1, 2]", "a JSON list, not an object"),
    ("42", "a JSON number, not an object"),
    ("{not json", "not JSON"),
    ('{"PartitionKey": "hello", "RowKey": {}, "p1": "8"}', "RowKey is not text"),
    ('{"PartitionKey": "hello", "p1": "8"}', "no RowKey"),
    ('{"a": "\x1e"}', "not JSON"),
]
# Not bad: a number where a time is expected reads as its text.
ODD = '{"PartitionKey": "hello", "RowKey": "odd", "p1": "9", "p1StartedAt": 123, "service": {"x": 1}}'


def good_row(i: int) -> dict[str, str]:
    return {"PartitionKey": "hello", "RowKey": f"r{i:03}", "p1": str(i), "imageTag": f"t{i}",
            "commitId": "abc1234", "service": "svc"}


def write_by_hand(db: Path, docs: list[str], key: str = "bad") -> None:
    """Rows as `sqlite3` or raw SQL would write them: no projection, any document. (The
    expression indexes reject invalid JSON: a table made before them has none.)"""
    conn = sqlite3.connect(db)
    indexes = conn.execute("SELECT name FROM sqlite_master WHERE type='index' AND sql LIKE '%json_extract%'")
    for (name,) in indexes.fetchall():
        conn.execute(f'DROP INDEX "{name}"')
    for i, doc in enumerate(docs):
        conn.execute('INSERT INTO deployments ("PartitionKey", "RowKey", "Timestamp", doc, etag) '
                     "VALUES ('hello', ?, '2026-01-01T00:00:00Z', ?, 'x')", (f"{key}{i}\x1b[2J", doc))
    conn.commit()
    conn.close()


@pytest.fixture
async def table(tmp_path: Path) -> Path:
    store = SqliteStore(StoreConfig(kind="sqlite", path=tmp_path / "t.db"))
    await store.open(create=True)
    await store.upsert_many(good_row(i) for i in range(GOOD // 2))
    await store.close()
    write_by_hand(tmp_path / "t.db", [doc for doc, _ in BAD] + [ODD])
    store = SqliteStore(StoreConfig(kind="sqlite", path=tmp_path / "t.db"))
    await store.open()
    await store.upsert_many(good_row(i) for i in range(GOOD // 2, GOOD))  # after the bad ones
    await store.close()
    return tmp_path / "t.db"


def opened(db: Path) -> SqliteStore:
    return SqliteStore(StoreConfig(kind="sqlite", path=db))


@pytest.mark.parametrize("projected", [False, True])
@pytest.mark.parametrize("page_size", [3, 1000])
async def test_every_read_path_skips_and_counts_bad_rows(table: Path, projected: bool, page_size: int) -> None:
    store = opened(table)
    await store.open()
    assert isinstance(store, ReportsBadRows)
    scan = store.scan_projected if projected else store.scan
    rows = [row for page in [p async for p in scan(page_size, first_page=2)] for row in page]
    assert sorted(r["RowKey"] for r in rows) == sorted([f"r{i:03}" for i in range(GOOD)] + ["odd"])
    assert sorted(b.reason for b in store.bad_rows) == sorted(reason for _, reason in BAD)
    assert all(b.partition == "hello" and b.where.startswith("rowid ") for b in store.bad_rows)
    changed, cursor = await store.changed_since(0)
    assert len(changed) == GOOD + 1 and len(store.bad_rows) == len(BAD)
    write_by_hand(table, ["[]"], key="later")
    changed, _ = await store.changed_since(cursor)
    assert changed == [] and len(store.bad_rows) == len(BAD) + 1
    with pytest.raises(Exception, match="not an entity"):
        await store.get("hello", "bad0\x1b[2J")
    assert [v.row["RowKey"] for v in await store.find("hello", "p1", "8")] == ["r008"]  # (not the bad ones)
    await store.close()


async def test_the_monitor_loads_the_good_rows_and_reports_the_bad(table: Path) -> None:
    monitor = Monitor(opened(table), first_page=4, page_size=8)
    update = await monitor.load()
    assert update.status.state == OK and update.status.bad_rows == len(BAD)
    assert {d.id for d in update.snapshot.deployments} == {f"r{i:03}" for i in range(GOOD)} | {"odd"}
    odd = next(d for d in update.snapshot.deployments if d.id == "odd")
    assert odd.service == "{'x': 1}" and odd.started_at is None
    write_by_hand(table, ["null", "{}"], key="later")
    update = await monitor.poll()
    assert update.status.state == OK and update.status.bad_rows == len(BAD) + 2
    assert len(update.snapshot.deployments) == GOOD + 1
    await monitor.close()


def test_the_status_bar_shows_the_bad_rows() -> None:
    from gitops_tui.tui.widgets.status_bar import StatusBar, StatusInfo
    from helpers import FROZEN

    bar = StatusBar()
    bar._style = lambda name: Style()  # type: ignore[method-assign]  # (no app: no theme)

    def line(bad: int) -> str:
        info = StatusInfo(store="sqlite:t.db", partition=None, shown=3, total=3,
                          status=PollStatus(state=OK, last_ok=FROZEN, bad_rows=bad), loaded=True,
                          streaming=False, query="", sort="Last Updated", paused=False, held=0,
                          view="deployments", now=FROZEN)
        return bar.render_info(info).plain.splitlines()[0]

    assert "bad row" not in line(0)
    assert "│ 1 bad row │" in line(1) and "│ 7 bad rows │" in line(7)


def test_cli_get_export_check_serve_the_rest_and_name_the_bad(table: Path, tmp_path: Path) -> None:
    cfg = tmp_path / "c.yaml"
    cfg.write_text(f"store:\n  kind: sqlite\n  path: {table}\n")
    warning = f"gitops-tui: {len(BAD)} rows are not entities and were skipped (gitops-tui check lists them)"

    got = run_cli("--config", str(cfg), "get", "-o", "json")
    assert got.returncode == 0, got.stderr
    assert len(json.loads(got.stdout)) == GOOD + 1
    assert got.stderr.splitlines() == [warning]

    out = tmp_path / "backup.jsonl"
    exported = run_cli("--config", str(cfg), "export", str(out))
    assert exported.returncode == 1  # the backup is incomplete: a script must notice
    assert exported.stderr.splitlines() == [warning]
    assert len(out.read_text().splitlines()) == GOOD + 1
    assert f"exported {GOOD + 1} entities" in exported.stdout

    checked = run_cli("--config", str(cfg), "check")
    assert checked.returncode == 1 and checked.stderr == ""
    lines = checked.stdout.splitlines()
    at = next(i for i, text in enumerate(lines) if text.startswith("bad rows:"))
    assert lines[at].startswith(f"bad rows:  {len(BAD)} ")
    listed = lines[at + 1:]
    assert len(listed) == len(BAD) and "\x1b" not in checked.stdout
    assert {text.rsplit(": ", 1)[1] for text in listed} == {reason for _, reason in BAD}
    assert all(text.startswith("  hello/bad") and "(rowid " in text for text in listed)
    for result in (got, exported, checked):
        assert "Traceback" not in result.stderr
