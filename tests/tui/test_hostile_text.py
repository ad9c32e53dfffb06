"""Hostile values in the prompts (Pilot): the filter line's suggestions, the pickers,
the ``:`` line offer and hold only clean text, never markup, and what they offer still
finds its deployment. (``test_e2e_hostile_text.py`` checks the real terminal.)"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from textual import events

from gitops_tui.domain.query import Query, value_matches
from gitops_tui.domain.textsafe import clean
from gitops_tui.tui.widgets.clean_input import CleanInput
from gitops_tui.tui.widgets.picker import Picker
from gitops_tui.writer import StageRecord, record

from .fakes import FakeStore, FrozenClock, T0, deploy, screen_text, wait_for, wait_loaded
from .test_app import WIDE, app_on

# (raw author, as shown) pairs; the ring carries the same escapes, the service too (but
# no "/": a service shows its last "/" segment; see SERVICES).
AUTHORS = [
    ("a\x1b]0;pwned\x07z", "az"),
    ("b\x1b]52;c;cHduZWQ=\x07z", "bz"),
    ("c\x1b[31mz", "cz"),
    ("d[link=http://evil]x[/]z", "d[link=http://evil]x[/]z"),
    ("e[/]z", "e[/]z"),
    ("g\u2028h\u202ez", "g h z"),
]
SERVICES = {"[link=http://evil]x[/]": "[link=evil]x", "[/]": "[red]"}
FORBIDDEN = "\x1b\x07\x9b\x9d\u2028\u2029\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"


def is_clean(text: str) -> bool:
    return not any(c in FORBIDDEN for c in text) and clean(text, None) == text


def screen_is_clean(screen: str) -> bool:
    return all(map(is_clean, screen.splitlines()))


@pytest.fixture
async def hostile() -> FakeStore:
    clock = FrozenClock(T0)
    store = FakeStore(clock=clock)
    for n, (author, _) in enumerate(AUTHORS):
        bad = author[1:-1]
        await deploy(store, clock, n * 10, service=f"{author[0]}svc{SERVICES.get(bad, bad)}",
                     ring=f"{author[0]}ring{bad}",
                     build=100 + n, author=author, commit=f"c{n:06d}", upto="hld")
    return store


@pytest.mark.parametrize(("raw", "shown"), [a for a in AUTHORS if " " not in a[1]])
async def test_the_filter_suggests_an_author_as_shown_and_finds_it(hostile: FakeStore, raw: str, shown: str) -> None:
    app = app_on(hostile)
    async with app.run_test(size=WIDE) as pilot:
        await wait_loaded(pilot)
        bar = app.filter_bar
        await pilot.press("slash", *f"author:{shown[0]}")
        await wait_for(pilot, lambda: bar._suggestion == f"author:{shown}", what="the clean suggestion")
        await pilot.press("right")
        assert bar.value == f"author:{shown}"
        assert [d.author for d in app.index.deployments()] == [raw]
        assert screen_is_clean(screen_text(app))
        assert f"author:{shown}" in screen_text(app)  # markup shows as typed


@asynccontextmanager
async def filter_line_open(store: FakeStore) -> AsyncIterator[tuple[Any, Any, Any]]:
    """The app on ``store``, loaded, with "/" pressed: (app, pilot, its filter line)."""
    app = app_on(store)
    async with app.run_test(size=WIDE) as pilot:
        await wait_loaded(pilot)
        await pilot.press("slash")
        yield app, pilot, app.filter_bar


async def test_the_filter_suggests_services_and_rings_as_shown(hostile: FakeStore) -> None:
    async with filter_line_open(hostile) as (app, pilot, bar):
        for field, expected in (("service", "asvc"), ("ring", "bring")):
            bar.value = ""
            await pilot.press(*f"{field}:{expected[0]}")
            await wait_for(pilot, lambda: bar._suggestion == f"{field}:{expected}", what=f"{field} suggested")
            await pilot.press("right")
            assert len(app.index.deployments()) == 1


async def test_a_suggester_that_returns_escapes_cannot_put_them_in_the_line(hostile: FakeStore) -> None:
    async with filter_line_open(hostile) as (_app, pilot, bar):
        bar._suggestion = "x\x1b]0;pwned\x07y"
        assert bar._suggestion == "xy"
        bar.value = "\x1b[2J\x1b]52;c;cHduZWQ=\x07front"
        assert bar.value == "front"
        bar.post_message(events.Paste("\x1b]0;pwned\x07end\u202e"))
        await pilot.pause()
        assert bar.value == "frontend" and bar.cursor_position == len("frontend")


@pytest.mark.parametrize("key", ["a", "s", "r"])
async def test_the_pickers_offer_complete_and_return_clean_values(hostile: FakeStore, key: str) -> None:
    field = {"a": "author", "s": "service", "r": "ring"}[key]
    app = app_on(hostile)
    async with app.run_test(size=WIDE) as pilot:
        await wait_loaded(pilot)
        assert any(not is_clean(v) for v in app.index.values(field))  # the data is hostile
        await pilot.press(key)
        picker = app.screen
        assert isinstance(picker, Picker)
        assert len(picker.values) == len(AUTHORS) and all(map(is_clean, picker.values))
        assert screen_is_clean(screen_text(app))
        assert "[link=" in screen_text(app)  # shown as written, never as markup
        line = picker.query_one(CleanInput)
        values = list(picker.shown)
        for n in range(len(AUTHORS)):  # tab completes the highlighted value into the line
            line.value = ""
            await pilot.pause()
            await pilot.press(*["down"] * n, "tab")
            assert line.value == values[n] and is_clean(line.value)
        await pilot.press("escape")
        for n in range(len(AUTHORS)):  # each pick finds exactly its deployment
            await pilot.press(key, *["down"] * n, "enter")
            await pilot.pause()
            assert is_clean(app.index.query_text)
            assert len(app.index.deployments()) == 1, app.index.query_text
        await pilot.press("slash")
        assert app.filter_bar.value == app.index.query_text


async def test_markup_in_the_data_is_shown_literally_everywhere(hostile: FakeStore) -> None:
    app = app_on(hostile)
    async with app.run_test(size=WIDE) as pilot:
        await wait_loaded(pilot)
        await pilot.press("a")
        assert "d[link=http://evil]x[/]z" in screen_text(app)
        assert "e[/]z" in screen_text(app)  # no MarkupError, no markup applied
        await pilot.press("escape", "colon", *"[/]", "tab")
        assert app.is_running
        await pilot.press("escape", "enter")  # the details of the newest (g h z)
        await pilot.pause()
        text = screen_text(app)
        assert "g h z" in text and screen_is_clean(text)


def test_a_field_term_matches_a_value_by_its_shown_text() -> None:
    assert value_matches("a\x1b]0;pwned\x07z", "az", exact=True)
    assert value_matches("c\x1b[31mz", "cz")
    assert value_matches(("x", "g\u2028h"), "g h", exact=True)
    assert value_matches("a\x1b]0;pwned\x07z", "pwned")  # the raw text still matches too
    assert not value_matches("az", "a z")
    assert Query.parse('"author:=g h z"').terms[0].accepts("g\u2028h\u202ez")


# Every kind of hostile text at once, in every field a view draws (issue 12's fault
# suite): escapes, 8-bit controls, markup, bidi, combining marks, separators, 1 KB runs.
HOSTILE = ["\x1b]0;pwned\x07", "\x1b]8;;http://evil\x1b\\", "\x1bP1$r\x1b\\", "\x9b2J", "\x1b[5m",
           "[link=http://evil]", "[/]", "[@click=app.quit]", "[bold]", "\u202e", "\u2066", "\u2028",
           "e\u0301\u0301", "\x00\x7f\x85"]


def hostile_value(n: int, field: str) -> str:
    parts = [HOSTILE[(n + i) % len(HOSTILE)] for i in range(4)]
    return f"{field}{n}" + "".join(parts) + ("x" * 1000 if n == 2 else "")


def segments_are_inert(app) -> None:  # type: ignore[no-untyped-def]
    """No drawn segment carries a link or an action from the data (markup applied)."""
    for strip in app.screen._compositor.render_strips():
        for segment in strip:
            style = segment.style
            assert style is None or not style.link, segment
            assert style is None or "@click" not in (style.meta or {}), segment
            assert is_clean(segment.text), segment


@pytest.fixture
async def every_field_hostile() -> FakeStore:
    clock = FrozenClock(T0)
    store = FakeStore(clock=clock)
    for n in range(4):
        await deploy(store, clock, n * 15, service=hostile_value(n, "svc"), ring=hostile_value(n, "ring"),
                     build=300 + n, author=hostile_value(n, "auth"), commit=f"d{n:06d}",
                     pr_title=hostile_value(n, "title"), merged_by=hostile_value(n, "merger"))
        await record(store, StageRecord(partition="hello", cluster=hostile_value(n, "cl"),
                                        manifest_commit_id=f"m{300 + n:06d}", synced_at="2026-11-23T02:00:00Z"),
                     clock=clock)
    return store


@pytest.mark.parametrize("size", [WIDE, (80, 24)])
async def test_every_view_and_prompt_draws_hostile_text_inert(every_field_hostile: FakeStore, size) -> None:
    app = app_on(every_field_hostile)
    async with app.run_test(size=size) as pilot:
        await wait_loaded(pilot)
        seen = []

        async def check(what: str) -> None:
            await pilot.pause()
            text = screen_text(app)
            assert screen_is_clean(text), what
            segments_are_inert(app)
            svg = app.export_screenshot()
            assert "href=" not in svg, what
            seen.append(what)

        await check("deployments")
        assert "ring3[" in screen_text(app).lower()  # markup shown as written
        await pilot.press("enter")
        assert app.view == "detail"
        await check("drill-down")
        await pilot.press("escape", "colon", *"rings", "enter")
        assert app.view == "rings"
        await check("rings")
        await pilot.press("enter")
        await check("rings drill-down")
        await pilot.press("escape", "colon", *"clusters", "enter")
        assert app.view == "clusters"
        await check("clusters")
        await pilot.press("escape", "question_mark")
        await check("help")
        await pilot.press("escape")
        for key in ("s", "r", "a", "m"):
            await pilot.press(key)
            assert isinstance(app.screen, Picker)
            await check(f"picker {key}")
            await pilot.press("down", "enter")
            await check(f"after picking {key}")
        await pilot.press("slash", *"svc")
        await check("filter line")
        await pilot.press("escape", "colon", *"[/]", *"[link=x]")
        await check("command line")
        await pilot.press("escape")
        assert app.is_running and len(seen) == 16
