"""The fault suite's SQLite half (issue 12): the file locked by another process for
longer than store.timeout, truncated (to half, to nothing), and on a full disk (a small
tmpfs). The monitor says STALE with the reason, keeps its age and the last data, and is
fresh within one poll of the recovery; `record` on a full disk fails in one line, exit 1,
and loses nothing."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from gitops_tui.config import StoreConfig
from gitops_tui.monitor import OK, STALE, Monitor
from gitops_tui.stores.sqlite import SqliteStore
from helpers import run_cli
from test_sqlite_file_swap import ids, make_db, remove

# Another process holding SQLite's EXCLUSIVE lock on a rollback-journal file (a WAL file
# cannot be locked against readers while they have it open: this is what a reader meets
# when such a file is moved over the path, or a tool switches it out of WAL).
LOCKER = textwrap.dedent("""
    import sqlite3, sys
    conn = sqlite3.connect(sys.argv[1], isolation_level=None)
    conn.execute("PRAGMA journal_mode=DELETE")
    conn.execute("PRAGMA locking_mode=EXCLUSIVE")
    conn.execute("BEGIN EXCLUSIVE")
    conn.execute("UPDATE deployments SET etag=etag")
    print("held", flush=True)
    sys.stdin.read()
    conn.execute("COMMIT")
""")


def monitor_on(db: Path, timeout_s: float = 0.5) -> Monitor:
    return Monitor(SqliteStore(StoreConfig(kind="sqlite", path=db, timeout_s=timeout_s)),
                   interval_s=0.5, deadline_s=10)


def assert_stale(update, loaded, reason: str, keys: set[str]) -> None:  # type: ignore[no-untyped-def]
    assert update.status.state == STALE, update.status
    assert reason in (update.status.error or ""), update.status.error
    assert "\n" not in update.status.error
    assert update.status.last_ok == loaded.status.last_ok  # the age runs on
    assert ids(update) == keys  # the last data stays


async def test_a_file_locked_longer_than_the_timeout_goes_stale_then_fresh(tmp_path: Path) -> None:
    db, other = tmp_path / "t.db", tmp_path / "other.db"
    await make_db(db, ["a", "b"])
    await make_db(other, ["x"])
    monitor = monitor_on(db)
    loaded = await monitor.load()
    holder = subprocess.Popen([sys.executable, "-c", LOCKER, str(other)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        os.replace(other, db)
        for _ in range(2):
            assert_stale(await monitor.poll(), loaded, "database is locked", {"a", "b"})
    finally:
        holder.communicate("", timeout=10)
    fresh = await monitor.poll()  # released: the very next poll reads the new file
    assert fresh.status.state == OK and fresh.status.failures == 0 and ids(fresh) == {"x"}
    await monitor.close()


@pytest.mark.parametrize("cut", ["half", "zero"])
async def test_a_truncated_file_goes_stale_then_fresh_when_restored(tmp_path: Path, cut: str) -> None:
    db = tmp_path / "t.db"
    keys = {f"k{i:03d}" for i in range(300)}
    await make_db(db, sorted(keys))
    monitor = monitor_on(db)
    loaded = await monitor.load()
    with open(db, "r+b") as f:
        f.truncate(os.path.getsize(db) // 2 if cut == "half" else 0)
    for _ in range(2):
        assert_stale(await monitor.poll(), loaded, "malformed", keys)
    remove(db)
    await make_db(db, ["restored"])
    fresh = await monitor.poll()
    assert fresh.status.state == OK and ids(fresh) == {"restored"}
    await monitor.close()


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 1 MiB tmpfs (needs root; skipped otherwise)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)],
                          capture_output=True)
    if done.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (not root?)")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(disk: Path) -> Path:
    filler = disk / "filler"
    with open(filler, "wb", buffering=0) as f:
        try:
            while True:
                f.write(b"\0" * 4096)
        except OSError:
            pass
    return filler


def record(cfg: Path, n: int):  # type: ignore[no-untyped-def]
    return run_cli("record", "--config", str(cfg), "--p1", str(n), "--image-tag", f"img-{n}",
                   "--commit-id", f"c{n:04x}", "--service", "svc", "--pr-title", "t" * 2000)


async def test_a_full_disk_fails_record_in_one_line_and_loses_nothing(small_disk: Path) -> None:
    db = small_disk / "t.db"
    cfg = small_disk / "c.yaml"
    cfg.write_text(f"store:\n  kind: sqlite\n  path: {db}\n  partition: hello\n")
    for n in range(1, 4):
        assert record(cfg, n).returncode == 0
    monitor = monitor_on(db)
    loaded = await monitor.load()
    assert len(ids(loaded)) == 3
    filler = fill(small_disk)
    failed = [record(cfg, n) for n in range(4, 9)]
    for result in failed:
        assert result.returncode == 1, result
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
        assert "disk full" in result.stderr, result.stderr
    # reads need no space: the monitor serves on (and does not lie: nothing changed)
    full = await monitor.poll()
    assert full.status.state == OK and len(ids(full)) == 3
    filler.unlink()
    assert record(cfg, 9).returncode == 0
    fresh = await monitor.poll()
    assert fresh.status.state == OK and len(ids(fresh)) == 4  # the three, and the new one
    await monitor.close()
    listed = run_cli("get", "--config", str(cfg), "-o", "json")
    assert listed.returncode == 0
    assert sorted(d["image_tag"] for d in __import__("json").loads(listed.stdout)) == [
        "img-1", "img-2", "img-3", "img-9"]


async def test_a_monitor_opening_on_a_full_disk_says_so_and_recovers(small_disk: Path) -> None:
    db = small_disk / "t.db"
    await make_db(db, ["a", "b"])
    remove_sidecars = [Path(f"{db}-wal"), Path(f"{db}-shm")]
    for path in remove_sidecars:
        path.unlink(missing_ok=True)
    filler = fill(small_disk)  # (no room for the -shm file a WAL reader needs)
    monitor = monitor_on(db)
    failed = await monitor.load()
    assert failed.status.state == "ERROR" and "disk full" in (failed.status.error or ""), failed.status
    filler.unlink()
    fresh = await monitor.poll()  # the very next poll
    assert fresh.status.state == OK and ids(fresh) == {"a", "b"}
    await monitor.close()
