"""SVG snapshots of every view at 80×24 and 160×50 (frozen clock, deterministic data).

Regenerate after an intended change: ``.venv/bin/python -m pytest tests/tui/test_snapshots.py
--snapshot-update``, then look at the SVGs (pytest writes a report on failure)."""

from __future__ import annotations

import asyncio

import pytest

from gitops_tui.tui.app import GitopsApp, make_app

from .fakes import NOW, FakeStore, FrozenClock, config_for, monitor_for, story_store, wait_for, wait_loaded

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((160, 50), id="160x50")]


def _app(store: FakeStore | None = None) -> GitopsApp:
    store = store or asyncio.run(story_store())
    clock = FrozenClock(NOW)
    return make_app(config_for(), monitor_for(store, clock), clock=clock)


async def _loaded(pilot) -> None:
    await wait_loaded(pilot)


def _then(*keys: str):
    async def run_before(pilot) -> None:
        await wait_loaded(pilot)
        await pilot.press(*keys)
        await pilot.pause()

    return run_before


@pytest.mark.parametrize("size", SIZES)
def test_deployments(snap_compare, size) -> None:
    assert snap_compare(_app(), terminal_size=size, run_before=_then("down"))


@pytest.mark.parametrize("size", SIZES)
def test_detail(snap_compare, size) -> None:
    assert snap_compare(_app(), terminal_size=size, run_before=_then("down", "down", "enter"))


@pytest.mark.parametrize("size", SIZES)
def test_rings(snap_compare, size) -> None:
    assert snap_compare(_app(), terminal_size=size, run_before=_then("colon", *"rings", "enter"))


@pytest.mark.parametrize("size", SIZES)
def test_clusters(snap_compare, size) -> None:
    assert snap_compare(_app(), terminal_size=size, run_before=_then("colon", *"clusters", "enter"))


@pytest.mark.parametrize("size", SIZES)
def test_help(snap_compare, size) -> None:
    assert snap_compare(_app(), terminal_size=size, run_before=_then("question_mark"))


@pytest.mark.parametrize("size", SIZES)
def test_filter_and_picker(snap_compare, size) -> None:
    assert snap_compare(_app(), terminal_size=size, run_before=_then("slash", *"front", "enter", "r"))


@pytest.mark.parametrize("size", SIZES)
def test_stale(snap_compare, size) -> None:
    store = asyncio.run(story_store())
    app = _app(store)

    async def run_before(pilot) -> None:
        await wait_loaded(pilot)
        app.monitor.max_backoff_s = 3600  # one failure, then hold still for the picture
        store.fail = "database is locked"
        app.monitor.poll_now()
        await wait_for(pilot, lambda: app.status.state == "STALE", what="STALE")
        await pilot.press("space")

    assert snap_compare(app, terminal_size=size, run_before=run_before)
