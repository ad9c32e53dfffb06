"""End to end: the real ``gitops-tui`` process in a tmux pane of fixed size.

Seeds a SQLite store through ``record``, writes a config file pointing at it, starts
``python -m gitops_tui --config CFG`` in tmux, types a filter with ``send-keys``, reads
the screen with ``capture-pane`` and checks the rows, then quits with ``q`` and checks
that the process ended with status 0. Fails (never skips) without tmux.
"""

from __future__ import annotations

import asyncio
import os
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from gitops_tui.config import StoreConfig
from gitops_tui.stores.sqlite import SqliteStore

from .fakes import FrozenClock, T0, seed_story

ROOT = Path(__file__).resolve().parents[2]
WIDTH, HEIGHT = 120, 36


class Tmux:
    """One private tmux server (its own socket) with one session."""

    def __init__(self, socket: str, session: str) -> None:
        self.socket = socket
        self.session = session

    def run(self, *args: str, check: bool = True) -> str:
        done = subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True, check=False)
        if check and done.returncode != 0:
            raise AssertionError(f"tmux {' '.join(args)} failed: {done.stderr.strip()}")
        return done.stdout

    def keys(self, *keys: str, literal: bool = False) -> None:
        self.run("send-keys", "-t", self.session, *(["-l"] if literal else []), *keys)

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", self.session, check=False)

    def wait_for(self, predicate: Callable[[str], bool], what: str, timeout: float = 20.0) -> str:
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if predicate(screen):
                return screen
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {what}; the screen was:\n{screen}")


@pytest.fixture
def tmux() -> Iterator[Tmux]:
    if shutil.which("tmux") is None:
        pytest.fail("tmux is not installed: the end-to-end test needs it (apt-get install tmux)",
                    pytrace=False)
    server = Tmux(socket=f"gitops-tui-test-{os.getpid()}", session="e2e")
    try:
        yield server
    finally:
        server.run("kill-server", check=False)
        # A server whose last session ended leaves its socket file behind.
        tmpdir = Path(os.environ.get("TMUX_TMPDIR") or "/tmp")
        (tmpdir / f"tmux-{os.getuid()}" / server.socket).unlink(missing_ok=True)


def seed(db: Path) -> None:
    async def go() -> None:
        store = SqliteStore(StoreConfig(path=db, partition="trivia"))
        await store.open(create=True)
        try:
            await seed_story(store, FrozenClock(T0), injection=True)
        finally:
            await store.close()

    asyncio.run(go())


def test_real_process_in_tmux_filters_and_quits(tmp_path: Path, tmux: Tmux) -> None:
    db = tmp_path / "telemetry.db"
    seed(db)
    config = tmp_path / "gitops-tui.yaml"
    config.write_text("store:\n  kind: sqlite\n  path: telemetry.db\n  partition: trivia\npoll_interval: 2s\n")
    exit_file = tmp_path / "exit-status"
    command = (
        # pytest exports COLUMNS/LINES (80x24), and Textual would believe them over the pane.
        "unset COLUMNS LINES; "
        f"cd {shlex.quote(str(ROOT))} && "
        f"{shlex.quote(sys.executable)} -m gitops_tui --config {shlex.quote(str(config))}; "
        f"echo $? > {shlex.quote(str(exit_file))}"
    )
    tmux.run("new-session", "-d", "-s", tmux.session, "-x", str(WIDTH), "-y", str(HEIGHT),
             "-e", "TERM=xterm-256color", "sh", "-c", command)

    screen = tmux.wait_for(lambda s: "11/11 deployments" in s and "● OK" in s, "the full load")
    assert "State" in screen and "Last Updated" in screen
    assert "sqlite:/" in screen and "telemetry.db · partition trivia" in screen
    assert "\x1b" not in screen

    tmux.keys("/")
    tmux.keys("service:backend", literal=True)  # typed at once, as a paste would
    screen = tmux.wait_for(lambda s: "4/11 deployments" in s, "the live filter")
    rows = [line for line in screen.splitlines() if line and line[0] in "✔✘▶‖⊘?"]
    assert len(rows) == 4, screen
    assert all("backend" in row for row in rows), screen
    assert any(row.startswith("✘ Failed") for row in rows), screen

    tmux.keys("Enter")
    # The status bar shows the filter while it is typed too; what says the filter line
    # closed (and the table has the keys again) is the table's own footer hint.
    screen = tmux.wait_for(
        lambda s: "filter: service:backend" in s and "⏎ Details" in s
        and not any(line.strip() == "service:backend" for line in s.splitlines()),
        "the kept filter and the filter line closed",
    )
    tmux.keys("Enter")  # drill into the newest backend deployment
    screen = tmux.wait_for(lambda s: "Who to contact" in s, "the drill-down")
    assert "backend → " in screen and "Timeline" in screen
    tmux.keys("Escape")
    tmux.wait_for(lambda s: "4/11 deployments" in s and "Last Updated" in s and "Who to contact" not in s,
                  "back to the table")
    tmux.keys("Escape")  # clears the kept filter
    tmux.wait_for(lambda s: "11/11 deployments" in s, "the filter cleared")

    tmux.keys("r", "master", "Enter")  # pick a ring, typed in one burst
    screen = tmux.wait_for(lambda s: "filter: ring:=master" in s and "2/11 deployments" in s, "the ring picker")
    rows = [line for line in screen.splitlines() if line and line[0] in "✔✘▶‖⊘?"]
    assert len(rows) == 2 and all("MASTER" in row for row in rows), screen

    tmux.keys("q")
    deadline = time.monotonic() + 15
    while not exit_file.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert exit_file.exists(), f"the process did not end after q; the screen was:\n{tmux.screen()}"
    assert exit_file.read_text().strip() == "0"
