"""End to end: the real ``gitops-tui`` process in a tmux pane of fixed size.

Seeds a SQLite store through ``record``, writes a config file pointing at it, starts
``python -m gitops_tui --config CFG`` in tmux, types a filter with ``send-keys``, reads
the screen with ``capture-pane`` and checks the rows, then quits with ``q`` and checks
that the process ended with status 0. Fails (never skips) without tmux.
"""

from __future__ import annotations

import asyncio
import os
import re
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


# -- issue 11: the on-call engineer's terminal at 80x24 ---------------------------------


def start_app(tmp_path: Path, tmux: Tmux, width: int = 80, height: int = 24, extra: str = "") -> Path:
    """The real app in a ``width``×``height`` pane on the seeded story; returns the db."""
    db = tmp_path / "telemetry.db"
    seed(db)
    config = tmp_path / "gitops-tui.yaml"
    config.write_text("store:\n  kind: sqlite\n  path: telemetry.db\n  partition: trivia\npoll_interval: 500ms\n" + extra)
    command = (
        "unset COLUMNS LINES; "
        f"cd {shlex.quote(str(ROOT))} && "
        f"{shlex.quote(sys.executable)} -m gitops_tui --config {shlex.quote(str(config))}"
    )
    tmux.run("new-session", "-d", "-s", tmux.session, "-x", str(width), "-y", str(height),
             "-e", "TERM=xterm-256color", "sh", "-c", command)
    tmux.wait_for(lambda s: "11/11 deployments" in s and "● OK" in s, "the full load")
    return db


def header_line(screen: str) -> str:
    return next(line for line in screen.splitlines() if line.startswith("State"))


@pytest.mark.parametrize("size", [(80, 24), (120, 40), (200, 50)], ids=["80x24", "120x40", "200x50"])
def test_every_view_fits_the_terminal(tmp_path: Path, tmux: Tmux, size: tuple[int, int]) -> None:
    width, height = size
    start_app(tmp_path, tmux, width, height)
    screen = tmux.screen()
    header = header_line(screen)
    for title in ("State", "Service", "Ring", "Author", "Last Updated"):
        assert title in header, screen
    assert ("more → h/l" in header) == (width < 160), header
    for view, expect in (("rings", "SECURITYBUGFIX"), ("clusters", "WEST-US")):
        tmux.keys(":", view, "Enter")
        screen = tmux.wait_for(lambda s: f":{view}" in s and expect[:6] in s, f"the {view} view")
        assert all(len(line) <= width for line in screen.splitlines())
        tmux.keys(":", "deployments", "Enter")
        tmux.wait_for(lambda s: ":deployments" in s, "home")


def test_80x24_columns_scroll_sideways_and_wide(tmp_path: Path, tmux: Tmux) -> None:
    start_app(tmp_path, tmux)
    assert "Merged By" not in tmux.screen()
    tmux.keys("l", "l", "l", "Right")
    screen = tmux.wait_for(lambda s: "Merged By" in header_line(s), "the hidden columns scrolled in")
    assert header_line(screen).startswith("State") and "← 4" in header_line(screen)
    tmux.keys("h", "h", "Left", "Left")
    tmux.wait_for(lambda s: "← " not in header_line(s) and "Ring" in header_line(s), "scrolled back")
    tmux.keys("w")  # wide: full widths in screen order, so fewer at once; l reaches the rest
    tmux.wait_for(lambda s: "Author" not in header_line(s) and "9 more →" in header_line(s), "wide")  # (ETA: the 12th column)
    tmux.keys("l")
    tmux.wait_for(lambda s: "Author" in header_line(s) and "← 1" in header_line(s), "wide, scrolled")


def test_80x24_sort_esc_pickers_and_journey(tmp_path: Path, tmux: Tmux) -> None:
    start_app(tmp_path, tmux)
    tmux.keys("o")
    screen = tmux.wait_for(lambda s: "State ▲" in header_line(s), "sorted on the first column")
    tmux.keys("o")
    tmux.wait_for(lambda s: "Service ▲" in header_line(s), "the next column on screen")
    # pickers: only values present, fuzzy, and a miss says so
    tmux.keys("m")
    tmux.keys("zzq", literal=True)
    tmux.wait_for(lambda s: "no value matches 'zzq'" in s, "the picker's miss")
    tmux.keys("BSpace", "BSpace", "BSpace")
    tmux.keys("bbr", literal=True)  # fuzzy: b…b r
    tmux.keys("Enter")
    tmux.wait_for(lambda s: 'merged_by:=bob ruiz' in s, "the merger picked")
    tmux.keys("Escape")
    tmux.wait_for(lambda s: "11/11 deployments" in s, "filter cleared")
    # the manual HLD edit explained; esc up one level, :deployments resets
    tmux.keys("/")
    tmux.keys("7001", literal=True)
    tmux.keys("Enter")
    # the table has the keys again once its own footer hint is back
    tmux.wait_for(lambda s: "1/11 deployments" in s and "⏎ Details" in s, "the manual edit found")
    tmux.keys("Enter")
    try:
        screen = tmux.wait_for(lambda s: "Manual HLD edit:" in s, "the journey", timeout=4)
    except AssertionError:  # under load an enter right after the filter closed was lost once in 3 runs
        tmux.keys("Enter")
        screen = tmux.wait_for(lambda s: "Manual HLD edit:" in s, "the journey")
    assert "by hand" in screen and "(p3)" in screen
    tmux.keys("Escape")
    tmux.wait_for(lambda s: ":deployments" in s and "Manual HLD edit:" not in s, "back to the list")


def test_80x24_rings_lag_since_and_esc_goes_up(tmp_path: Path, tmux: Tmux) -> None:
    # The seeded rows were all written just now: a grace of 1s makes MASTER's lag real.
    start_app(tmp_path, tmux, extra="ring_lag_grace: 1s\n")
    tmux.keys(":", "rings", "Enter")
    screen = tmux.wait_for(lambda s: ":rings" in s and "⚠ behind DEV" in s, "the rings view")
    assert "since just now" in screen or re.search(r"since \d+s ago", screen), screen
    assert "in 0s" not in screen and "ahead" not in screen  # times written just now, never "in 0s"
    tmux.keys("j", "j", "l", "Enter")  # the cursor to frontend × MASTER, then its journey
    tmux.wait_for(lambda s: "frontend → MASTER" in s and "Timeline" in s, "the cell's journey")
    tmux.keys("Escape")  # up one level: back to the rings
    tmux.wait_for(lambda s: ":rings" in s and "⚠ behind DEV" in s, "the rings again")
    tmux.keys(":", "clusters", "Enter")
    tmux.wait_for(lambda s: ":clusters" in s, "the clusters view")
    tmux.keys("Escape")  # up one level: home, not back to rings
    tmux.wait_for(lambda s: ":deployments" in s and "State" in s, "home")


def test_80x24_new_rows_show_on_top_or_are_announced(tmp_path: Path, tmux: Tmux) -> None:
    db = start_app(tmp_path, tmux)

    def add(n: int, first: int) -> None:
        async def go() -> None:
            store = SqliteStore(StoreConfig(path=db, partition="trivia"))
            await store.open(create=False)
            try:
                from .fakes import deploy

                clock = FrozenClock(T0)
                for i in range(first, first + n):
                    await deploy(store, clock, 5000 + i, service=f"new{i}", ring="dev", build=9000 + i,
                                 author="Zoe Quinn", commit=f"{i:07x}", upto="image")
            finally:
                await store.close()

        asyncio.run(go())

    add(25, 0)  # more than a screen, the cursor on the first row: they show, cursor on top
    screen = tmux.wait_for(lambda s: "36/36 deployments" in s, "the new rows")
    first = next(line for line in screen.splitlines() if line[:1] in "✔✘▶‖⊘?")
    assert "new24" in first, screen
    tmux.keys("G")  # down the list: the top is off screen, new rows there are announced
    tmux.wait_for(lambda s: "new0 " in s, "the last row")
    add(4, 100)
    screen = tmux.wait_for(lambda s: "40/40 deployments" in s, "more rows")
    assert "↑ 4 new (g)" in screen, screen
    tmux.keys("g")
    screen = tmux.wait_for(lambda s: "↑ 4 new" not in s, "jumped to them")
    first = next(line for line in screen.splitlines() if line[:1] in "✔✘▶‖⊘?")
    assert "new103" in first, screen
