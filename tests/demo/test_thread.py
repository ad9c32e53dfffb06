"""The demo in its background thread: fills a real file, stops fast, keeps its error."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from datetime import UTC, datetime

from gitops_tui.demo import start_in_thread
from gitops_tui.domain.model import Deployment
from gitops_tui.stores.base import StoreError
from gitops_tui.stores.sqlite import SqliteStore

from .support import deployments, sqlite_config


def test_thread_fills_a_real_file_and_stops_within_a_second(tmp_path):
    path = tmp_path / "demo.db"
    started = datetime.now(UTC)
    handle = start_in_thread(sqlite_config(path), seed=5, speed=40.0)
    try:
        assert handle.ready.wait(10), "backfill did not finish"
        assert handle.error is None
        assert handle.alive

        async def read() -> list[Deployment]:
            reader = SqliteStore(sqlite_config(path))  # a separate connection, like the TUI
            try:
                return await deployments(reader, datetime.now(UTC))
            finally:
                await reader.close()

        assert len(asyncio.run(read())) >= 30
        # At speed 40 the first live journey (25-42 s at speed 1) ends in about a second.
        deadline = time.monotonic() + 8
        while True:
            live = [d for d in asyncio.run(read()) if d.started_at and d.started_at >= started]
            done = [d for d in live if d.status == "succeeded" and len(d.synced_clusters) == 2]
            if done or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert done, [(d.status, d.synced_clusters) for d in live]
        assert handle.error is None
    finally:
        t = time.monotonic()
        assert handle.stop()
        assert time.monotonic() - t < 1.0
    assert not handle.alive and handle.error is None
    assert handle.store is not None and handle.store._conn is None  # closed
    before = len(asyncio.run(read()))
    time.sleep(0.2)
    assert len(asyncio.run(read())) == before  # nothing writes after stop


def test_thread_stops_within_a_second_at_normal_speed(tmp_path):
    handle = start_in_thread(sqlite_config(tmp_path / "demo.db"), seed=1, backfill=False)
    assert handle.ready.wait(5)
    time.sleep(0.3)  # inside a multi-second pause between steps
    t = time.monotonic()
    assert handle.stop()
    assert time.monotonic() - t < 1.0
    assert handle.error is None


def test_thread_keeps_the_error_that_stopped_it(tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    handle = start_in_thread(sqlite_config(blocker / "demo.db"), seed=1)
    assert handle.ready.wait(5)  # set even on failure, so nobody waits forever
    handle.thread.join(5)
    assert not handle.alive
    assert isinstance(handle.error, StoreError)
    assert handle.stop()


def test_demo_does_not_import_textual():
    code = "import sys, gitops_tui.demo; sys.exit('textual' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0
