"""End to end: hostile values never reach the terminal from the real app in tmux.

Deployments whose author, service and ring carry OSC title and clipboard writes, a
colour escape, Rich markup and a bidi override are written to a SQLite store through
``record``; the real ``gitops-tui`` process is driven in a tmux pane the way a person
uses it: ``/`` and ``author:`` (the suggester), → to accept, the ``s`` ``r`` ``a``
pickers (tab completes into their line), ``:``. Each screen is captured with its
escapes (``capture-pane -e``): only tmux's own colour sequences may be there, none of
the data's text, and the pane title must never change.
"""

from __future__ import annotations

import asyncio
import re
import shlex
import sys
from pathlib import Path

from gitops_tui.config import StoreConfig
from gitops_tui.stores.sqlite import SqliteStore

from .fakes import FrozenClock, T0, deploy
from .test_e2e_tmux import ROOT, Tmux, tmux  # noqa: F401  (tmux: the fixture)

WIDTH, HEIGHT = 120, 36
OSC_TITLE = "\x1b]0;pwned\x07"
OSC_CLIPBOARD = "\x1b]52;c;cHduZWQ=\x07"
RED = "\x1b[31m"
LINK = "[link=http://evil]x[/]"
CLOSE = "[/]"
BIDI = "\u202e"
HOSTILE = (OSC_TITLE, OSC_CLIPBOARD, RED, LINK, CLOSE, BIDI)
SERVICE_MARKUP = {LINK: "[link=evil]x", CLOSE: "[red]"}
# Each field's six values as the screen shows them (and as completion offers them).
SHOWN = {
    "author": ("az", "bz", "cz", "d[link=http://evil]x[/]z", "e[/]z", "f z"),
    "service": ("asvcx", "bsvcx", "csvcx", "dsvc[link=evil]xx", "esvc[red]x", "fsvc x"),
    "ring": ("aring", "bring", "cring", "dring[link=http://evil]x[/]", "ering[/]", "fring"),
}
# What tmux itself writes in a capture with -e: SGR colour/attribute sequences only.
TMUX_SGR = re.compile(r"\x1b\[[0-9;:]*m")
# Text of the data that must never show (what the escapes carried, or left behind).
LEAKS = ("pwned", "cHduZWQ", "]0;", "]52;", "\x07", BIDI, "\x9b", "\x9d")


def seed(db: Path) -> None:
    async def go() -> None:
        store = SqliteStore(StoreConfig(path=db, partition="trivia"))
        await store.open(create=True)
        clock = FrozenClock(T0)
        try:
            for n, bad in enumerate(HOSTILE):
                letter = "abcdef"[n]
                # (A service is shown by its last "/" segment: markup with a slash in it
                # would show as "]x"; the services carry markup of their own instead.)
                service = f"{letter}svc{bad if '/' not in bad else SERVICE_MARKUP[bad]}x"
                await deploy(store, clock, n * 10, service=service, ring=f"{letter}ring{bad}",
                             build=100 + n, author=f"{letter}{bad}z", commit=f"c{n:06d}", upto="hld")
        finally:
            await store.close()

    asyncio.run(go())


def filter_line(screen: str) -> str:
    """The text in the filter line (three lines above the bottom), "" when it is empty."""
    line = screen.splitlines()[-4].strip()
    return "" if line.startswith("filter: text") else line


def assert_clean(tmux: Tmux, title: str, what: str) -> str:
    raw = tmux.run("capture-pane", "-p", "-e", "-t", tmux.session, check=False)
    rest = TMUX_SGR.sub("", raw)
    assert "\x1b" not in rest, f"{what}: an escape sequence from the data reached the pane: {rest!r}"
    for leak in LEAKS:
        assert leak not in raw, f"{what}: {leak!r} reached the pane:\n{raw!r}"
    assert tmux.run("display", "-p", "-t", tmux.session, "#{pane_title}").strip() == title, what
    return rest


def test_hostile_values_never_reach_the_terminal(tmp_path: Path, tmux: Tmux) -> None:  # noqa: F811
    db = tmp_path / "telemetry.db"
    seed(db)
    config = tmp_path / "gitops-tui.yaml"
    config.write_text("store:\n  kind: sqlite\n  path: telemetry.db\n  partition: trivia\npoll_interval: 2s\n")
    command = (
        "unset COLUMNS LINES; "
        f"cd {shlex.quote(str(ROOT))} && "
        f"{shlex.quote(sys.executable)} -m gitops_tui --config {shlex.quote(str(config))}"
    )
    tmux.run("new-session", "-d", "-s", tmux.session, "-x", str(WIDTH), "-y", str(HEIGHT),
             "-e", "TERM=xterm-256color", "sh", "-c", command)
    tmux.wait_for(lambda s: "6/6 deployments" in s and "● OK" in s, "the full load")
    title = tmux.run("display", "-p", "-t", tmux.session, "#{pane_title}").strip()
    assert "pwned" not in title
    assert_clean(tmux, title, "the table")

    # The filter line's completion: "author:" alone, then each value's first letter. The
    # suggestion (and what → accepts) is the value as shown, and it finds its deployment.
    tmux.keys("/")
    tmux.keys("author:", literal=True)
    # (Either the suggestion as shown, or the raw one's leftovers: assert_clean decides.)
    tmux.wait_for(lambda s: "author:az" in s or "pwned" in s, "the first author suggested")
    assert_clean(tmux, title, "the suggestion for author:")
    tmux.keys("C-u")
    for field, shown in SHOWN.items():
        for letter, value in zip("abcdef", shown):
            typed = f"{field}:{letter}"
            line = f"{field}:{value}" if " " not in value else typed  # (a space: no suggestion)
            tmux.wait_for(lambda s: filter_line(s) == "", "the filter line emptied")
            tmux.keys(typed, literal=True)
            tmux.wait_for(lambda s: filter_line(s) == line, f"{line} suggested")
            assert_clean(tmux, title, f"the suggestion for {typed}")
            tmux.keys("Right")  # accepts the suggestion
            tmux.wait_for(lambda s: f"filter: {line} " in s and "1/6 deployments" in s,
                          f"{line} accepted and finding its deployment")
            assert_clean(tmux, title, f"{line} accepted")
            tmux.keys("C-u")  # Textual's Input: delete to the start of the line
    tmux.keys("Escape")
    # (The line was empty already, so "6/6" alone would not wait for esc: the closed
    # line's placeholder is gone, else the picker key would be typed into the line.)
    tmux.wait_for(lambda s: "6/6 deployments" in s and "filter: text" not in s,
                  "the filter line closed")

    # The pickers: the list, then tab (completes the highlighted value into the line).
    for key in ("s", "r", "a"):
        tmux.keys(key)
        tmux.wait_for(lambda s: "type to narrow" in s, f"the {key} picker")
        assert_clean(tmux, title, f"the {key} picker")
        for _ in range(len(HOSTILE)):
            tmux.keys("Tab")
            assert_clean(tmux, title, f"tab in the {key} picker")
            tmux.keys("C-u", "Down")
        tmux.keys("Escape")
        tmux.wait_for(lambda s: "type to narrow" not in s, f"the {key} picker closed")

    # A picked author filters to its deployment, and the kept filter shows clean.
    tmux.keys("a")
    tmux.wait_for(lambda s: "type to narrow" in s, "the author picker")
    tmux.keys("Enter")
    tmux.wait_for(lambda s: "1/6 deployments" in s, "the picked author's deployment")
    assert_clean(tmux, title, "the picked author's filter")
    tmux.keys("/")
    tmux.wait_for(lambda s: "author:=a" in s, "the picked filter in the filter line")
    assert_clean(tmux, title, "the picked filter in the filter line")
    tmux.keys("Escape")
    tmux.wait_for(lambda s: "6/6 deployments" in s, "the filter cleared")

    tmux.keys("Enter")  # the newest deployment's details
    tmux.wait_for(lambda s: "Who to contact" in s, "the drill-down")
    assert_clean(tmux, title, "the drill-down")
    tmux.keys("Escape")
    tmux.wait_for(lambda s: "Who to contact" not in s and "6/6 deployments" in s, "back to the table")

    tmux.keys(":")
    tmux.wait_for(lambda s: "jump to a view" in s, "the command line")
    assert_clean(tmux, title, "the command line")
    tmux.keys("clusters", literal=True)
    tmux.keys("Enter")
    tmux.wait_for(lambda s: ":clusters" in s, "the clusters view")
    assert_clean(tmux, title, "the clusters view")
    tmux.keys(":")
    tmux.wait_for(lambda s: "jump to a view" in s, "the command line")
    tmux.keys("rings", literal=True)
    tmux.keys("Enter")
    tmux.wait_for(lambda s: "ARING" in s or "aring" in s.lower(), "the rings view")
    assert_clean(tmux, title, "the rings view")
    tmux.keys(":")
    tmux.wait_for(lambda s: "jump to a view" in s, "the command line")
    tmux.keys("help", literal=True)
    tmux.keys("Enter")
    tmux.wait_for(lambda s: "gitops-tui keys" in s, "help")
    assert_clean(tmux, title, "help")
