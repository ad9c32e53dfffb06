"""The insights in the live app (Pilot): ``status:stuck`` in the filter line finds the
image build running far past its p95, the journey says why and when it should be live,
and ``:insights`` shows the DORA figures of each service × ring at 80x24."""

from __future__ import annotations

from datetime import timedelta

from gitops_tui.domain.timefmt import to_iso
from gitops_tui.tui.app import make_app

from .fakes import NOW, FakeStore, FrozenClock, config_for, monitor_for, screen_text, wait_for, wait_loaded


def _done(i: int, ring: str = "dev") -> dict:
    start = NOW - timedelta(days=1, hours=i)
    t = [to_iso(start + timedelta(minutes=m)) for m in (0, 10, 12, 20, 25)]
    return {"PartitionKey": "p", "RowKey": f"r{i:02d}", "service": "shop", "env": ring, "p1": str(100 + i),
            "imageTag": f"shop-{i}", "commitId": f"c{i}", "p1Status": "succeeded", "p1StartedAt": t[0],
            "p1FinishedAt": t[1], "p2": str(200 + i), "p2Status": "succeeded", "p2StartedAt": t[1],
            "p2FinishedAt": t[2], "hldCommitId": f"h{i}", "p3": str(300 + i), "p3Status": "succeeded",
            "p3StartedAt": t[3], "p3FinishedAt": t[4], "manifestCommitId": f"m{i}"}


def rows() -> list[dict]:
    slow = {"PartitionKey": "p", "RowKey": "slow", "service": "shop", "env": "dev", "p1": "999",
            "imageTag": "shop-99", "commitId": "c99", "p1Status": "started", "author": "Ann Author",
            "p1StartedAt": to_iso(NOW - timedelta(minutes=41))}
    return [_done(i) for i in range(6)] + [_done(10, "prod"), slow]


def app_on_rows():
    """The app on :func:`rows` with the clock frozen at NOW."""
    clock = FrozenClock(NOW)
    return make_app(config_for(), monitor_for(FakeStore(rows(), clock=clock), clock), clock=clock)


async def test_status_stuck_and_the_journey_say_why() -> None:
    app = app_on_rows()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_loaded(pilot)
        await pilot.press("slash", *"status:stuck", "enter")
        await wait_for(pilot, lambda: len(app.index.view) == 1, what="the stuck row")
        assert app.index.view[0].key == ("p", "slow")
        await pilot.press("enter")
        await wait_for(pilot, lambda: "STUCK" in screen_text(app), what="the reason")
        text = screen_text(app)
        assert "STUCK: image build running 41m, p95 10m over 6 runs" in text
        assert "ETA ~15m" in text  # 0 left of the build, then 2m + 8m + 5m (medians)
        await pilot.press("escape", "escape")
        await pilot.press("slash", *"!status:stuck", "enter")
        await wait_for(pilot, lambda: len(app.index.view) == 7, what="the others")


async def test_insights_view_at_80x24() -> None:
    app = app_on_rows()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_loaded(pilot)
        await pilot.press("colon", *"insights", "enter")
        await wait_for(pilot, lambda: "Behind" in screen_text(app), what="the insights view")
        text = screen_text(app)
        lines = text.splitlines()
        dev = next(line for line in lines if "shop" in line and "dev" in line and "Lead time" not in line)
        assert "dev" in dev and "25m" in dev  # 6 journeys of 25 minutes
        assert "Lead time of shop → dev" in text and "6 deployments" in text
        prod = next(line for line in lines if "shop" in line and "prod" in line and "Lead time" not in line)
        assert "6 (" in prod  # prod runs shop-10, the oldest: six dev images behind it
        await pilot.press("down")
        await wait_for(pilot, lambda: "Lead time of shop → prod" in screen_text(app), what="the next cell")


async def test_insights_view_shows_lead_time_to_each_cluster_sync() -> None:
    clock = FrozenClock(NOW)
    synced = NOW - timedelta(days=1, hours=5) + timedelta(minutes=25 + 5)  # m5 pushed at 25m, east 5m after
    east = {"PartitionKey": "p.clusters", "RowKey": "east", "kind": "clusterSync", "cluster": "east",
            "manifestCommitId": "m5", "syncedAt": to_iso(synced)}
    app = make_app(config_for(), monitor_for(FakeStore(rows() + [east], clock=clock), clock), clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_loaded(pilot)
        await pilot.press("colon", *"insights", "enter")
        await wait_for(pilot, lambda: "To sync" in screen_text(app), what="the cluster line")
        lines = screen_text(app).splitlines()
        assert all(len(line) <= 80 for line in lines)
        head = next(line for line in lines if "Sync" in line and "Behind" in line)
        dev = next(line for line in lines if "shop" in line and "dev" in line and "Lead time" not in line)
        assert dev[head.index("Sync"):].split()[0] == "30m"  # build start to east's sync
        assert "To sync (p50/p90): east 30m/30m" in screen_text(app)


async def test_eta_column_and_stuck_mark_in_the_table() -> None:
    app = app_on_rows()
    async with app.run_test(size=(220, 30)) as pilot:
        await wait_loaded(pilot)
        await wait_for(pilot, lambda: "! stuck" in screen_text(app), what="the stuck mark")
        line = next(x for x in screen_text(app).splitlines() if "! stuck" in x)
        assert "! stuck ~15m 12:15Z" in line  # 15 minutes left: live at 12:15 (the clock is 12:00)
        assert "ETA" in screen_text(app).splitlines()[0] or "ETA" in screen_text(app)


async def test_a_big_history_computes_insights_in_a_worker(monkeypatch) -> None:
    """Past BACKGROUND_ABOVE deployments (here lowered to 0) the first use starts a
    worker: the views say "computing insights…" and the UI keeps answering until the
    figures are whole, then they appear without another key."""
    import asyncio

    from gitops_tui.tui import insights_state

    gate = asyncio.Event()
    steps: list[int] = []

    async def held() -> None:
        steps.append(1)
        await gate.wait()

    monkeypatch.setattr(insights_state, "BACKGROUND_ABOVE", 0)
    monkeypatch.setattr(insights_state, "STEP", 2)
    monkeypatch.setattr(insights_state, "_give_way", held)
    app = app_on_rows()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_loaded(pilot)
        await pilot.press("colon", *"insights", "enter")
        await wait_for(pilot, lambda: "Computing insights" in screen_text(app), what="the computing state")
        assert app.insights.computing is not None and not app.insights.ready
        await pilot.press("escape")  # the UI still answers while the worker waits
        await wait_for(pilot, lambda: app.view == "deployments", what="home")
        await pilot.press("slash", *"status:stuck", "enter")
        await wait_for(pilot, lambda: "Computing insights" in screen_text(app), what="the filter's wait")
        gate.set()
        await wait_for(pilot, lambda: app.insights.ready, what="the figures")
        await wait_for(pilot, lambda: len(app.index.view) == 1, what="the stuck row, without a key")
        assert app.index.view[0].key == ("p", "slow")
        # 8 deployments, 2 a step, then the DORA figures of 2 cells and the drift of 1 service:
        # the worker gave way after each.
        assert len(steps) == 4 + 2 + 1
        await pilot.press("escape", "colon", *"insights", "enter")
        await wait_for(pilot, lambda: "Lead time of shop → dev" in screen_text(app), what="the figures drawn")
