"""The Rings view follows the configured promotion order (``rings:``), as the insights do."""

from __future__ import annotations

from .fakes import screen_text, story_store, wait_loaded
from .test_app import SMALL, app_on


async def test_rings_view_follows_the_configured_order() -> None:
    app = app_on(await story_store(), rings=["master", "dev"])
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_loaded(pilot)
        await pilot.press("colon", *"rings", "enter")
        await pilot.pause()
        matrix = app.query_one("#rings").matrix
        # master first, then dev; securitybugfix has no place: after them, marked *.
        assert matrix.rings == ["master", "dev", "securitybugfix"]
        assert not matrix.ordered("securitybugfix") and matrix.ordered("DEV")
        # dev now follows master: frontend's dev runs a newer image, so it is not behind,
        # and master (the first ring) has no upstream.
        assert matrix.cell("frontend", "dev").behind is None
        assert matrix.cell("frontend", "master").behind is None
        text = screen_text(app)
        assert "Promotion order: master < dev (rings: in the config)" in " ".join(text.split())
        assert "SECURITYBUGFIX *" in text and "MASTER *" not in text


async def test_without_rings_the_built_in_order_and_legend() -> None:
    app = app_on(await story_store())
    async with app.run_test(size=SMALL) as pilot:
        await wait_loaded(pilot)
        await pilot.press("colon", *"rings", "enter")
        await pilot.pause()
        matrix = app.query_one("#rings").matrix
        assert matrix.rings == ["dev", "master", "securitybugfix"]
        assert matrix.cell("frontend", "master").behind == "dev"
