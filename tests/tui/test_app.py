"""Pilot tests: every binding and view, on an in-memory store with a frozen clock."""

from __future__ import annotations

from datetime import timedelta

import pytest
from textual.widgets import Input

from gitops_tui.present import COLUMNS, STATUS_ICONS
from gitops_tui.domain.query import Query
from gitops_tui.domain.textsafe import clean
from gitops_tui.writer import StageRecord, record
from gitops_tui.tui.app import GitopsApp, make_app
from gitops_tui.tui.views.help import HelpScreen
from gitops_tui.tui.widgets.deployment_table import DeploymentTable
from gitops_tui.tui.widgets.picker import Picker
from gitops_tui.tui.widgets.column_layout import HEADERS

from .fakes import (
    NOW,
    T0,
    FakeStore,
    FrozenClock,
    config_for,
    deploy,
    monitor_for,
    screen_text,
    story_store,
    wait_for,
    wait_loaded,
)

WIDE = (160, 50)
SMALL = (80, 24)


def app_on(store: FakeStore, clock: FrozenClock | None = None, **config) -> GitopsApp:
    clock = clock or FrozenClock(NOW)
    return make_app(config_for(**config), monitor_for(store, clock), clock=clock)


def rows(app: GitopsApp) -> list[str]:
    return app.table.visible_text()[1:]


@pytest.fixture
async def story() -> FakeStore:
    return await story_store()


# -- the home view ---------------------------------------------------------------------


async def test_home_shows_the_peers_columns_newest_first(story: FakeStore) -> None:
    app = app_on(story)
    async with app.run_test(size=WIDE) as pilot:
        await wait_loaded(pilot)
        header = app.table.visible_text()[0]
        for title, _ in COLUMNS:
            assert title[:6] in header  # every column (a long one may end in …)
        assert "Last Updated ▼" in header
        shown = list(app.index.deployments())
        assert len(shown) == 11
        updated = [d.updated_at for d in shown]
        assert updated == sorted(updated, reverse=True)
        first = rows(app)[0]
        assert first.startswith(f"{STATUS_ICONS['in_progress']} In progress") and "frontend" in first
        failed = next(r for r in rows(app) if "Failed" in r)
        assert failed.startswith("✘ Failed") and "backend" in failed
        text = screen_text(app)
        assert "● OK" in text and "11/11 deployments" in text
        assert "fake:telemetry" in text and "partition all" in text
        assert "polled 12:00:00Z (just now)" in text
        assert app.focused is app.table  # AUTO_FOCUS: keys go to the table at once


async def test_80_columns_show_the_priority_columns_and_scroll_to_the_rest(story: FakeStore) -> None:
    app = app_on(story)
    async with app.run_test(size=SMALL) as pilot:
        await wait_loaded(pilot)
        header = app.table.visible_text()[0]
        for title in ("State", "Service", "Ring", "Author", "Last Updated"):  # the priorities
            assert title in header, header
        assert "Merged By" not in header and "Synced" not in header
        assert "more → h/l" in header  # says columns are hidden, and how to reach them
        assert all(len(line) <= 80 for line in screen_text(app).splitlines())
        assert "● OK" in screen_text(app)
        seen = set()
        for _ in range(12):
            await pilot.press("l")
            header = app.table.visible_text()[0]
            assert header.startswith("State") and "Service" in header  # pinned
            seen |= {title for title, _ in COLUMNS if title[:6] in header}
        assert {"Merged By", "Synced Clusters", "Ready to Deploy"} <= seen
        assert "← " in header and "more →" not in header  # the right end reached
        await pilot.press("left", "h")
        assert "← " in app.table.visible_text()[0]
        await pilot.press("w")  # wide: full widths, screen order from the left
        header = app.table.visible_text()[0]
        assert app.table.wide and header.startswith("State") and "more → h/l" in header
        assert all(len(line) <= 80 for line in screen_text(app).splitlines())


async def image_builds(count: int, services: int) -> tuple[FakeStore, FrozenClock]:
    """A store of ``count`` image builds (more than a screenful) over a few services."""
    clock = FrozenClock(T0)
    store = FakeStore(clock=clock)
    for i in range(count):
        await deploy(store, clock, i, service=f"svc{i % services}", ring="dev", build=1000 + i,
                     author="Alice Ng", commit=f"{i:07x}", upto="image")
    return store, clock


async def test_cursor_keys_move_and_scroll() -> None:
    store, _ = await image_builds(60, services=3)
    app = app_on(store)
    async with app.run_test(size=SMALL) as pilot:
        await wait_loaded(pilot)
        table = app.table
        page = table.page_rows
        await pilot.press("down", "j", "down")
        assert table.cursor == 3
        await pilot.press("up", "k")
        assert table.cursor == 1
        await pilot.press("pagedown")
        assert table.cursor == 1 + page
        assert table.top_row > 0  # scrolled to keep the cursor on screen
        await pilot.press("pageup")
        assert table.cursor == 1
        await pilot.press("G")
        assert table.cursor == 59
        assert table.top_row == 60 - page
        assert rows(app)[-1].startswith("✔ Succeeded") or rows(app)[-1]
        await pilot.press("g")
        assert table.cursor == 0 and table.top_row == 0
        await pilot.press("end")
        assert table.cursor == 59
        await pilot.press("home")
        assert table.cursor == 0


async def test_filter_keys_resize_the_scroll_range_without_laying_out_the_screen(monkeypatch) -> None:
    from textual.screen import Screen

    layouts = []
    real = Screen._refresh_layout

    def counting(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        layouts.append(self)
        return real(self, *args, **kwargs)

    store, _ = await image_builds(120, services=3)
    app = app_on(store)
    async with app.run_test(size=SMALL) as pilot:
        await wait_loaded(pilot)
        table = app.table
        await pilot.press("slash")
        await pilot.pause()

        def check(text: str) -> int:
            n = len(Query.parse(text).filter(app.snapshot.deployments))
            assert len(app.index) == n and table.virtual_size.height == n + 1
            assert table.max_scroll_y == max(0, n + 1 - table.container_size.height)
            if table.show_vertical_scrollbar:
                assert table.vertical_scrollbar.window_virtual_size == n + 1
            return n

        monkeypatch.setattr(Screen, "_refresh_layout", counting)
        await pilot.press(*"svc1")  # 40 rows: more than a screen, the scrollbar stays
        await pilot.pause()
        assert check("svc1") == 40 and table.show_vertical_scrollbar
        await pilot.press("backspace")
        await pilot.pause()
        assert check("svc") == 120 and table.show_vertical_scrollbar
        assert layouts == []  # typing and filtering redrew the line and the table only
        await pilot.press(*"1 0000001")  # one row: the scrollbar goes, the screen is laid out
        await pilot.pause()
        assert check("svc1 0000001") == 1 and not table.show_vertical_scrollbar
        assert layouts
        await pilot.press(*["backspace"] * 8, "enter")
        await pilot.pause()
        assert check("svc1") == 40 and table.show_vertical_scrollbar
        await pilot.press("G")
        assert table.cursor == 39 and table.top_row == 40 - table.page_rows
        assert rows(app)[-1] == table.visible_text()[-1] and "svc1" in rows(app)[-1]


async def test_sort_keys_cycle_and_reverse(story: FakeStore) -> None:
    app = app_on(story)
    async with app.run_test(size=WIDE) as pilot:
        await wait_loaded(pilot)
        await pilot.press("o")
        assert app.index.sort_column == "state" and not app.index.descending
        assert "State ▲" in app.table.visible_text()[0]
        assert rows(app)[0].startswith("✘ Failed")
        assert "sort State ▲" in screen_text(app)
        await pilot.press("O")
        assert app.index.descending and rows(app)[0].startswith("✔ Succeeded")
        await pilot.press("o")
        assert app.index.sort_column == "service"
        assert not app.index.descending  # a new column sorts ascending (time: newest first)
        services = [d.service or "\uffff" for d in app.index.deployments()]
        assert services == sorted(services)
        # Every further o takes the next column to the right, as the screen shows them.
        header = app.table.visible_text()[0]
        seen = ["state", "service"]
        for _ in range(12):
            await pilot.press("o")
            seen.append(app.index.sort_column or "updated")
        shown = [key for key in seen[:len(set(seen))]]
        order = sorted(set(seen), key=lambda k: header.index(HEADERS[k][:8]))  # (cut to fit)
        assert shown == order, (shown, header)
        assert seen[len(order)] == "state"  # from the right end back to the first


async def test_enter_drills_down_and_esc_goes_back(story: FakeStore) -> None:
    app = app_on(story)
    async with app.run_test(size=WIDE) as pilot:
        await wait_loaded(pilot)
        await pilot.press("down", "down")
        key = app.table.cursor_key
        d = app.index.get(key)
        await pilot.press("enter")
        assert app.view == "detail" and app.detail_key == key
        text = screen_text(app)
        for expected in ("Who to contact", "Alice Ng <alice@trivia.example>", "Merged by", "Bob Ruiz",
                         "Commit", d.commit, "Image tag", d.image_tag, f"#{d.pr} merged",
                         "HLD commit", "h000107", "Timeline", "Image build (CI)", "Metadata update (HLD)",
                         "Manifest generation", "In progress", "Clusters", "EAST-US", "WEST-US",
                         "https://dev.azure.com/trivia/_build/results?buildId=107", ":detail"):
            assert expected in text, expected
        await pilot.press("escape")
        assert app.view == "deployments" and app.table.cursor_key == key
        assert app.focused is app.table


async def test_drill_down_of_a_synced_deployment_shows_clusters_and_since(story: FakeStore) -> None:
    app = app_on(story)
    async with app.run_test(size=WIDE) as pilot:
        await wait_loaded(pilot)
        app.set_filter("image:frontend-dev-101 ring:master")
        await pilot.pause()
        await pilot.press("enter")
        text = screen_text(app)
        assert "frontend → MASTER" in text
        assert "Succeeded" in text and "m000101" in text
        east = next(line for line in text.splitlines() if "EAST-US" in line)
        assert "yes" in east and "2025-01-15 10:50:00Z" in east
        assert "Update frontend in master" in text


async def test_colon_jumps_between_views_with_completion(story: FakeStore) -> None:
    app = app_on(story)
    async with app.run_test(size=WIDE) as pilot:
        await wait_loaded(pilot)
        await pilot.press("colon")
        assert isinstance(app.screen, Picker)
        await pilot.press("r", "i")
        assert app.screen.shown == ["rings"]  # completion narrowed to one
        await pilot.press("enter")
        await pilot.pause()
        assert app.view == "rings"
        text = screen_text(app)
        assert "DEV" in text and "MASTER" in text and "SECURITYBUGFIX" in text
        assert "⚠ behind DEV" in text
        await pilot.press("colon", "c", "tab", "enter")
        await pilot.pause()
        assert app.view == "clusters"
        text = screen_text(app)
        assert "EAST-US" in text and "WEST-US" in text and "Not synced yet: 2" in text
        await pilot.press("escape")
        assert app.view == "deployments"  # esc goes up one level, not back through history
        assert app.view_stack == ["deployments"]
        await pilot.press("colon", *"deployments", "enter")
        await pilot.pause()
        assert app.view == "deployments" and app.view_stack == ["deployments"]
        await pilot.press("colon", "z", "z", "enter")
        await pilot.pause()
        assert app.view == "deployments"  # unknown: a warning, no change
        await pilot.press("colon", "escape")
        assert not isinstance(app.screen, Picker)


async def test_markup_or_escapes_typed_at_the_command_line_are_shown_as_text(story: FakeStore) -> None:
    # `:` then `[/]x`: a MarkupError used to end the app with a traceback and status 0.
    app = app_on(story)
    async with app.run_test(size=WIDE) as pilot:
        await wait_loaded(pilot)
        await pilot.press("colon", *"[/]x", "enter")
        await pilot.pause()
        await pilot.press("colon", *"[bold]b", "enter")
        await pilot.pause()
        assert app.is_running and app.view == "deployments"
        notes = list(app._notifications)
        assert not any(n.markup for n in notes)
        shown = [n.message for n in notes]
        assert any("'[/]x'" in m for m in shown) and any("'[bold]b'" in m for m in shown), shown
        app.notify("\x1b]0;pwned\x07 value")  # anything else that reaches a notification
        await pilot.pause()
        assert len(app._notifications) == len(notes) + 1
        assert all("\x1b" not in n.message and "\x07" not in n.message for n in app._notifications)


async def test_filter_live_enter_keeps_esc_clears(story: FakeStore) -> None:
    app = app_on(story)
    async with app.run_test(size=WIDE) as pilot:
        await wait_loaded(pilot)
        await pilot.press("slash")
        bar = app.filter_bar
        assert app.focused is bar
        await pilot.press(*"back")
        assert len(app.index) == 4  # live, on every keystroke
        assert all("backend" in r for r in rows(app))
        await pilot.press("space", *"!status:failed")
        assert len(app.index) == 3
        await pilot.press("enter")
        assert app.focused is app.table and not bar.has_class("-active")
        assert len(app.index) == 3
        assert "filter: back !status:failed" in screen_text(app)
        await pilot.press("slash")
        assert bar.value == "back !status:failed"  # reopened with the filter kept
        await pilot.press("escape")
        assert app.index.query_text == "" and len(app.index) == 11
        assert app.focused is app.table
        # esc on the table also clears a kept filter
        await pilot.press("slash", *"front", "enter")
        assert len(app.index) < 11
        await pilot.press("escape")
        assert len(app.index) == 11


async def test_filter_suggests_fields_and_values(story: FakeStore) -> None:
    app = app_on(story)
    async with app.run_test(size=WIDE) as pilot:
        await wait_loaded(pilot)
        await pilot.press("slash", *"ser")
        await wait_for(pilot, lambda: app.filter_bar._suggestion == "service:", what="field suggestion")
        await pilot.press("right", *"fr")
        await wait_for(pilot, lambda: app.filter_bar._suggestion == "service:frontend", what="value suggestion")
        await pilot.press("right")
        assert app.filter_bar.value == "service:frontend"
        assert {d.service for d in app.index.deployments()} == {"frontend"}


@pytest.mark.parametrize(
    ("key", "typed", "term", "check"),
    [
        ("s", "back", "service:=backend", lambda d: d.service == "backend"),
        ("r", "secu", "ring:=securitybugfix", lambda d: d.ring == "securitybugfix"),
        ("a", "alice", '"author:=alice ng"', lambda d: d.author == "Alice Ng"),
        ("a", "ang", '"author:=alice ng"', lambda d: d.author == "Alice Ng"),  # fuzzy: a…n…g
        ("m", "bob", '"merged_by:=bob ruiz"', lambda d: d.merged_by == "Bob Ruiz"),
    ],
)
async def test_pickers_add_a_term_from_the_data(story: FakeStore, key, typed, term, check) -> None:
    app = app_on(story)
    async with app.run_test(size=WIDE) as pilot:
        await wait_loaded(pilot)
        await pilot.press(key)
        picker = app.screen
        assert isinstance(picker, Picker)
        assert picker.values  # values come from the data
        await pilot.press(*typed, "enter")
        await pilot.pause()
        assert app.index.query_text == term
        shown = list(app.index.deployments())
        assert shown and all(check(d) for d in shown)
        # picking again replaces the term instead of AND-ing two values
        await pilot.press(key, "escape")
        assert app.index.query_text == term


async def test_picker_lists_only_values_present_and_says_when_nothing_matches(story: FakeStore) -> None:
    app = app_on(story)
    async with app.run_test(size=WIDE) as pilot:
        await wait_loaded(pilot)
        await pilot.press("a")
        picker = app.screen
        assert set(picker.values) == {clean(d.author, None) for d in app.index.deployments() if d.author}
        await pilot.press(*"zzq")
        await pilot.pause()
        assert picker.shown == []
        assert "no value matches 'zzq'" in str(picker.query_one("#picker-none").render())
        await pilot.press("enter")  # not taken as an author: the picker stays open
        await pilot.pause()
        assert app.screen is picker and app.index.query_text == ""
        await pilot.press("escape")


async def test_picker_down_tab_enter(story: FakeStore) -> None:
    app = app_on(story)
    async with app.run_test(size=WIDE) as pilot:
        await wait_loaded(pilot)
        await pilot.press("r")
        picker = app.screen
        assert picker.shown[:3] == ["dev", "master", "securitybugfix"]
        await pilot.press("down", "tab")
        assert picker.query_one(Input).value == "master"
        await pilot.press("enter")
        await pilot.pause()
        assert app.index.query_text == "ring:=master"


async def test_help_lists_every_binding_with_its_current_key(story: FakeStore) -> None:
    app = app_on(story)
    async with app.run_test(size=WIDE) as pilot:
        await wait_loaded(pilot)
        active = {b.binding.id: key for key, b in app.screen.active_bindings.items() if b.binding.id}
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        ids = {row.binding_id for row in app.screen.rows}
        for binding in (*GitopsApp.BINDINGS, *DeploymentTable.BINDINGS):
            assert binding.id in ids, binding.id
        assert set(active) <= ids  # nothing live is missing from help
        text = screen_text(app)
        assert "Filter line: type to filter live" in text and "pick_service" in text
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)
        await pilot.press("question_mark", "q")  # q closes help first, then quits
        assert not isinstance(app.screen, HelpScreen) and app.is_running


async def test_keymap_from_config_remaps_and_help_follows(story: FakeStore) -> None:
    app = app_on(story, keymap={"filter": "e", "quit": "x", "sort_next": "ctrl+s"})
    async with app.run_test(size=WIDE) as pilot:
        await wait_loaded(pilot)
        await pilot.press("slash")
        assert app.focused is app.table  # / no longer opens the filter
        await pilot.press("e")
        assert app.focused is app.filter_bar
        await pilot.press("escape", "ctrl+s")
        assert app.index.sort_column == "state"
        rows_ = {r.binding_id: r.keys for r in app.help_rows()}
        assert rows_["filter"] == "e" and rows_["quit"] == "x" and rows_["sort_next"] == "^s"
        await pilot.press("x")
        await pilot.pause()
    assert app.return_code == 0


async def test_q_quits_but_types_into_the_filter(story: FakeStore) -> None:
    app = app_on(story)
    async with app.run_test(size=WIDE) as pilot:
        await wait_loaded(pilot)
        await pilot.press("slash", "q")
        assert app.filter_bar.value == "q" and app.is_running
        await pilot.press("escape", "q")
        await pilot.pause()
    assert not app.is_running and app.return_code == 0


# -- live behaviour --------------------------------------------------------------------


async def test_ctrl_r_polls_now_and_new_rows_appear_on_top(story: FakeStore) -> None:
    clock = FrozenClock(NOW)
    app = app_on(story, clock)
    async with app.run_test(size=WIDE) as pilot:
        await wait_loaded(pilot)
        reads = story.reads
        await deploy(story, story.clock, 160, service="search", ring="dev", build=900, author="Zoe Quinn",
                     commit="9999999", upto="image")
        await pilot.pause(0.05)
        assert len(app.index) == 11  # the interval is an hour: nothing yet
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: len(app.index) == 12, what="the new row")
        assert story.reads > reads
        assert "search" in rows(app)[0]


async def test_space_pauses_the_display_while_polling_goes_on(story: FakeStore) -> None:
    app = app_on(story)
    async with app.run_test(size=WIDE) as pilot:
        await wait_loaded(pilot)
        await pilot.press("space")
        assert app.paused and "PAUSED" in screen_text(app)
        await deploy(story, story.clock, 160, service="search", ring="dev", build=900, author="Zoe Quinn",
                     commit="9999999", upto="image")
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: len(app.held) == 1, what="a held update")
        assert len(app.index) == 11
        assert "PAUSED (1 update held)" in screen_text(app)
        await pilot.press("space")
        assert not app.paused and len(app.index) == 12 and "PAUSED" not in screen_text(app)


async def test_store_failure_mid_session_goes_stale_and_recovers(story: FakeStore) -> None:
    clock = FrozenClock(NOW)
    app = app_on(story, clock)
    async with app.run_test(size=WIDE) as pilot:
        await wait_loaded(pilot)
        before = rows(app)
        story.fail = "database is locked"
        clock.advance(90)
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: app.status.state == "STALE", what="STALE")
        text = screen_text(app)
        assert "⚠ STALE" in text
        assert "fake:telemetry: database is locked" in text
        assert "polled 12:00:00Z (1m30s ago)" in text
        assert rows(app) == before  # the last good data stays on screen
        await pilot.press("down")  # still usable
        assert app.table.cursor == 1
        # The monitor retries by itself (capped backoff); the store comes back.
        await deploy(story, story.clock, 300, service="search", ring="dev", build=901,
                     author="Zoe Quinn", commit="1234567", upto="image")
        story.fail = None
        await wait_for(pilot, lambda: app.status.state == "OK", what="recovery")
        await wait_for(pilot, lambda: len(app.index) == 12, what="the row written during the outage")
        text = screen_text(app)
        assert "● OK" in text and "STALE" not in text and "database is locked" not in text


async def test_hanging_store_times_out_to_stale(story: FakeStore) -> None:
    app = app_on(story)
    async with app.run_test(size=WIDE) as pilot:
        await wait_loaded(pilot)
        story.hang = True
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: app.status.state == "STALE", what="STALE")
        assert "no answer within" in screen_text(app)
        await pilot.press("down", "enter")  # the UI never waited for the store
        assert app.view == "detail"
        story.hang = False
        await wait_for(pilot, lambda: app.status.state == "OK", what="recovery")


async def test_store_down_at_start_shows_error_then_loads() -> None:
    store = await story_store()
    store.fail = "connection refused"
    app = app_on(store)
    async with app.run_test(size=SMALL) as pilot:
        await wait_for(pilot, lambda: app.status.state == "ERROR", what="ERROR")
        text = screen_text(app)
        assert "✘ ERROR" in text and "connection refused" in text
        assert "No data: the store cannot be read" in text
        store.fail = None
        await wait_loaded(pilot)
        assert len(app.index) == 11 and app.status.state == "OK"


async def test_a_crashing_monitor_is_shown_and_restarted(story: FakeStore, monkeypatch) -> None:
    app = app_on(story)
    calls = {"n": 0}
    real = story.changed_since

    async def boom(cursor):
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("bug in a store adapter")
        return await real(cursor)

    monkeypatch.setattr(story, "changed_since", boom)
    monkeypatch.setattr("gitops_tui.tui.live.MONITOR_RESTART_S", 0.3)
    async with app.run_test(size=WIDE) as pilot:
        await wait_loaded(pilot)
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: "monitor stopped" in (app.status.error or ""), what="the crash shown")
        assert "RuntimeError: bug in a store adapter" in screen_text(app)
        await wait_for(pilot, lambda: calls["n"] >= 2 and app.status.state == "OK", what="restart")


async def test_cursor_stays_on_the_same_deployment_when_newer_rows_arrive(story: FakeStore) -> None:
    app = app_on(story)
    async with app.run_test(size=WIDE) as pilot:
        await wait_loaded(pilot)
        await pilot.press("down", "down", "down")
        key = app.table.cursor_key
        for i, service in enumerate(("search", "payments")):
            await deploy(story, story.clock, 160 + i, service=service, ring="dev", build=900 + i,
                         author="Zoe Quinn", commit=f"{i:07d}", upto="image")
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: len(app.index) == 13, what="two new rows")
        assert app.table.cursor_key == key
        assert app.table.cursor == 5  # moved down by the two rows inserted above
        assert "payments" in rows(app)[0] and "search" in rows(app)[1]


async def test_scroll_position_is_kept_across_updates() -> None:
    store, clock = await image_builds(80, services=4)
    app = app_on(store)
    async with app.run_test(size=SMALL) as pilot:
        await wait_loaded(pilot)
        await pilot.press("pagedown", "pagedown", "down")
        table = app.table
        key, top, screen_row = table.cursor_key, table.top_row, table.cursor - table.top_row
        first_on_screen = rows(app)[0]
        for i in range(3):
            await deploy(store, clock, 100 + i, service="new", ring="dev", build=5000 + i,
                         author="Bob Ruiz", commit=f"{i:07x}", upto="image")
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: len(app.index) == 83, what="new rows")
        assert table.cursor_key == key
        assert table.cursor - table.top_row == screen_row  # same place on the screen
        assert table.top_row == top + 3
        assert rows(app)[0] == first_on_screen  # nothing on screen moved
        assert "↑ 3 new (g)" in table.visible_text()[0]  # the header says rows came above
        await pilot.press("g")
        assert table.cursor == 0 and "new" in rows(app)[0]
        assert "↑" not in table.visible_text()[0]


async def test_at_the_top_or_following_new_rows_show_with_the_cursor_on_top() -> None:
    store, clock = await image_builds(40, services=4)
    app = app_on(store)
    async with app.run_test(size=SMALL) as pilot:
        await wait_loaded(pilot)
        table = app.table
        assert table.cursor == 0
        for i in range(30):  # more than a screen of new rows
            await deploy(store, clock, 100 + i, service="new", ring="dev", build=5000 + i,
                         author="Bob Ruiz", commit=f"{i:07x}", upto="image")
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: len(app.index) == 70, what="new rows")
        assert table.cursor == 0 and table.top_row == 0
        assert app.index.at(0).commit == f"{29:07x}"  # the newest on top, the cursor with it
        await pilot.press("down", "down", "f")  # follow: back on top and stays there
        assert table.cursor == 0 and "follow" in table.visible_text()[0]
        await pilot.press("down")
        await deploy(store, clock, 200, service="new", ring="dev", build=6000,
                     author="Bob Ruiz", commit="6000000", upto="image")
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: len(app.index) == 71, what="one more row")
        assert table.cursor == 0 and app.index.at(0).commit == "6000000"


async def test_changed_row_updates_in_place(story: FakeStore) -> None:
    app = app_on(story)
    async with app.run_test(size=WIDE) as pilot:
        await wait_loaded(pilot)
        assert rows(app)[0].startswith("▶ In progress")
        key = app.table.cursor_key
        story.clock.set(story.clock.now + timedelta(minutes=5))
        await record(story, StageRecord(partition="trivia", p1="108", image_tag="frontend-dev-108",
                                        commit_id="0718293", service="frontend", status="failed"),
                     clock=story.clock)
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: rows(app)[0].startswith("✘ Failed"), what="the status change")
        assert app.table.cursor_key == key and len(app.index) == 11


# -- untrusted text, themes ------------------------------------------------------------


async def test_markup_and_escapes_in_data_are_shown_as_text(story: FakeStore) -> None:
    app = app_on(story)
    async with app.run_test(size=(200, 50)) as pilot:
        await wait_loaded(pilot)
        text = screen_text(app)
        assert "[bold red]x[/]-dev-666" in text  # the image tag, literally
        assert "mallory [b]boss" in text  # the author, escape sequences dropped
        assert "\x1b" not in text
        app.set_filter("bad0bad")
        await pilot.pause()
        await pilot.press("enter")
        text = screen_text(app)
        assert "[link=http://evil.example]click me[/link]" in text
        assert "https://github.com/trivia/[bold red]x[/]" in text
        assert "mallory [b]boss[/b] <mallory@trivia.example>" in text
        for segment in _strips_segments(app):
            assert "\x1b" not in segment.text and "\x07" not in segment.text
            assert not any(ord(c) < 32 for c in segment.text), repr(segment.text)
            style = segment.style
            assert style is None or not style.link  # no [link] survived as a style
        await pilot.press("escape", "a")
        picker = app.screen
        assert isinstance(picker, Picker)
        # The value is offered as it is shown (cleaned, literally), and picking it finds
        # the raw value's deployment.
        assert "mallory [b]boss[/b]" in picker.values and "mallory [b]boss[/b]" in screen_text(app)
        await pilot.press(*"mallory", "enter")
        await pilot.pause()
        assert [d.author for d in app.index.deployments()] == ["\x1b[31mmallory\x1b[0m [b]boss[/b]"]


def _strips_segments(app: GitopsApp):
    from textual._compositor import LayoutUpdate

    update = app.screen._compositor.render_update(full=True)
    assert isinstance(update, LayoutUpdate)
    for line in update.strips:
        for strip in line:
            yield from strip


@pytest.mark.parametrize(("theme", "expected"), [("dark", "textual-dark"), ("light", "textual-light"),
                                                 ("ansi", "ansi-dark")])
async def test_theme_from_config(story: FakeStore, theme: str, expected: str) -> None:
    app = app_on(story, theme=theme)
    async with app.run_test(size=SMALL) as pilot:
        await wait_loaded(pilot)
        assert app.theme == expected


async def test_no_color_is_respected(story: FakeStore, monkeypatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = app_on(story)
    async with app.run_test(size=SMALL) as pilot:
        await wait_loaded(pilot)
        assert app.no_color
        colours = {seg.style.color for seg in _strips_segments(app) if seg.style and seg.style.color}
        colours |= {seg.style.bgcolor for seg in _strips_segments(app) if seg.style and seg.style.bgcolor}
        # Monochrome: every colour left is a shade of grey.
        for colour in colours:
            r, g, b = colour.get_truecolor()
            assert r == g == b, colour


async def test_a_publication_before_the_widgets_exist_is_applied_on_mount(story: FakeStore) -> None:
    clock = FrozenClock(NOW)
    monitor = monitor_for(story, clock)
    update = await monitor.load()  # a fast store: the whole load is done before mount

    class Early(GitopsApp):
        def on_load(self) -> None:
            self.post_message(GitopsApp.DataUpdate(update))

    app = Early(config_for(), monitor, clock=clock, poll=False)
    async with app.run_test(size=SMALL) as pilot:
        await wait_loaded(pilot)
        assert len(app.index) == 11 and "● OK" in screen_text(app)
    # And straight into the handler before mount: held, then applied on mount.
    app = make_app(config_for(), monitor, clock=clock, poll=False)
    app.on_gitops_app_data_update(GitopsApp.DataUpdate(update))
    assert app._early_updates == [update]
    async with app.run_test(size=SMALL) as pilot:
        await wait_loaded(pilot)
        assert len(app.index) == 11


async def test_first_page_shows_with_a_progress_indicator_while_the_rest_loads(story: FakeStore) -> None:
    clock = FrozenClock(NOW)
    story.hold_after_first_page = True
    monitor = monitor_for(story, clock, page_size=5, deadline=30)
    app = make_app(config_for(), monitor, clock=clock)
    async with app.run_test(size=WIDE) as pilot:
        await wait_for(pilot, lambda: len(app.index) > 0, what="the first page")
        assert not app.snapshot.loaded
        text = screen_text(app)
        assert "LOADING" in text and "loading" in text and "rows…" in text
        assert rows(app)[0].startswith("▶ In progress")  # the newest rows first
        await pilot.press("down")  # usable while loading
        story.hold_after_first_page = False
        await wait_loaded(pilot)
        text = screen_text(app)
        assert "● OK" in text and "loading" not in text and len(app.index) == 11


async def test_a_long_filter_draws_its_first_rows_then_finishes(story: FakeStore, monkeypatch) -> None:
    from gitops_tui.tui import prompts as prompts_module
    from gitops_tui.index import table as rowindex

    # At this scale every free-text filter is a "long" one, finished in 1-row slices.
    monkeypatch.setattr(rowindex, "_PROGRESSIVE_MIN", 3)
    monkeypatch.setattr(rowindex, "_FIRST_ROWS", 1)
    monkeypatch.setattr(rowindex, "_STEP", 2)
    monkeypatch.setattr(prompts_module, "FINISH_FILTER_AFTER_S", 2.0)  # time to look at the first rows
    monkeypatch.setattr(prompts_module, "FINISH_FILTER_SLICE", 1)
    app = app_on(story)
    async with app.run_test(size=WIDE) as pilot:
        await wait_loaded(pilot)
        await pilot.press("slash", *"end")
        expected = [d.key for d in Query.parse("end").filter(app.snapshot.deployments)]
        assert not app.index.complete and 1 <= len(app.index) < len(expected)
        assert f"{len(app.index)}+/11 deployments" in screen_text(app)
        assert [app.index.at(i).key for i in range(len(app.index))] == expected[:len(app.index)]
        await wait_for(pilot, lambda: app.index.complete, what="the search to finish")
        await pilot.pause()
        assert [d.key for d in app.index.deployments()] == expected
        assert f"{len(expected)}/11 deployments" in screen_text(app)


def line_1(app: GitopsApp) -> str:
    """The table's first line under the header, as drawn (the empty message, if empty)."""
    return "".join(segment.text for segment in app.table.render_line(1))


async def test_a_filter_still_searching_says_so_instead_of_no_match(story: FakeStore, monkeypatch) -> None:
    from gitops_tui.tui import prompts as prompts_module
    from gitops_tui.index import table as rowindex

    # At this scale the first search stops after 2 rows; the rest waits for a pause.
    monkeypatch.setattr(rowindex, "_PROGRESSIVE_MIN", 3)
    monkeypatch.setattr(rowindex, "_FIRST_ROWS", 1)
    monkeypatch.setattr(rowindex, "_STEP", 2)
    monkeypatch.setattr(rowindex, "_HEAD_MAX", 2)
    monkeypatch.setattr(prompts_module, "FINISH_FILTER_AFTER_S", 1.0)
    monkeypatch.setattr(prompts_module, "FINISH_FILTER_SLICE", 1)
    app = app_on(story)
    async with app.run_test(size=WIDE) as pilot:
        await wait_loaded(pilot)
        oldest = app.snapshot.deployments[-1]
        for text, found in ((oldest.id, True), ("zz-nothing", False)):
            await pilot.press("slash", *text)
            await pilot.pause()
            assert len(app.index) == 0 and not app.index.complete
            assert "Searching…" in line_1(app)
            await wait_for(pilot, lambda: app.index.complete, what="the search to finish")
            await pilot.pause()
            if found:
                assert [d.key for d in app.index.deployments()] == [oldest.key]
            else:
                assert "No deployment matches the filter" in line_1(app)
            await pilot.press("escape")
            await pilot.pause()


async def test_rings_cursor_enter_opens_the_cell_and_esc_returns(story: FakeStore) -> None:
    app = app_on(story)
    async with app.run_test(size=SMALL) as pilot:
        await wait_loaded(pilot)
        await pilot.press("colon", *"rings", "enter")
        await pilot.pause()
        rings = app.query_one("#rings")
        assert app.view == "rings" and rings.pos == (0, 0)
        await pilot.press("j", "j", "l")  # frontend, MASTER
        assert rings.pos == (2, 1)
        await pilot.press("enter")
        await pilot.pause()
        assert app.view == "detail" and "frontend → MASTER" in screen_text(app)
        assert app.view_stack == ["deployments", "rings", "detail"]
        await pilot.press("escape")  # up one level: the rings, cursor where it was
        assert app.view == "rings" and rings.pos == (2, 1)
        await pilot.press("escape")
        assert app.view == "deployments"
