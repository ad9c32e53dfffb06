"""At 160 columns with more rows than fit, the vertical scrollbar takes the last column:
the table's lines are laid out one cell narrower, so the scrollbar never overdraws them."""

from __future__ import annotations

from rich.cells import cell_len

from .fakes import wait_loaded
from .test_app import WIDE, app_on, image_builds


async def test_lines_stop_short_of_the_scrollbar_at_160_columns() -> None:
    store, _ = await image_builds(120, services=3)
    app = app_on(store)
    async with app.run_test(size=WIDE) as pilot:
        await wait_loaded(pilot)
        await pilot.pause()
        table = app.table
        assert table.show_vertical_scrollbar
        room = table.scrollable_content_region.width
        assert room < table.size.width
        assert {cell_len(line) for line in table.visible_text()} == {room}


async def test_lines_narrow_when_new_rows_bring_the_scrollbar() -> None:
    from .fakes import deploy

    store, clock = await image_builds(5, services=1)
    app = app_on(store)
    async with app.run_test(size=WIDE) as pilot:
        await wait_loaded(pilot)
        table = app.table
        assert not table.show_vertical_scrollbar
        for i in range(5, 120):
            await deploy(store, clock, i, service="svc0", ring="dev", build=1000 + i,
                         author="Alice Ng", commit=f"{i:07x}", upto="image")
        await app.monitor.poll()
        for _ in range(20):
            await pilot.pause()
        assert table.show_vertical_scrollbar
        room = table.scrollable_content_region.width
        assert {cell_len(line) for line in table.visible_text()} == {room}
