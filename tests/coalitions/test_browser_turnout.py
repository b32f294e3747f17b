"""The coalition turnout page in a real browser: the map's markers come from the page's own data, coloured by
staffing, with the tile server blocked (the test never reaches one); the page fits a phone and a desktop and
passes axe-core, the list of events beside the map included (docs/screenshots/coalition-turnout.png, desktop)."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.coalitions.test_turnout_rows import _seed
from tests.web.test_browser import PASSWORD, chromium, server, shots  # noqa: F401 - the fixtures
from tests.web.test_browser_pages import DESKTOP, PHONE, axe_script, check_page  # noqa: F401 - axe_script: a fixture


async def test_the_staffing_map_without_tiles_at_phone_and_desktop_width(
    client: httpx.AsyncClient,
    chromium: str,  # noqa: F811
    server: str,  # noqa: F811
    axe_script: Path,  # noqa: F811
    shots: Path,  # noqa: F811
) -> None:
    from playwright.async_api import async_playwright, expect

    await _seed(client)
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        try:
            page = await browser.new_page(viewport=PHONE)
            tiles: list[str] = []

            async def no_tiles(route: object) -> None:
                tiles.append(route.request.url)  # type: ignore[attr-defined]
                await route.abort()  # type: ignore[attr-defined]

            await page.route("https://tile.openstreetmap.org/**", no_tiles)
            await page.goto(server + "/login")
            await page.get_by_label("Email").fill("owner@teachers.example.org")
            await page.get_by_label("Password").fill(PASSWORD)
            await page.get_by_role("button", name="Log in").click()
            await expect(page.get_by_role("heading", level=1)).to_be_visible()
            problems = []
            for size in (PHONE, DESKTOP):
                await page.set_viewport_size(size)
                await page.goto(server + "/dashboard/turnout/coalitions/may-day")
                await expect(page.get_by_role("heading", name="Day of Action", level=1)).to_be_visible()
                await expect(page.locator("#campaign-map")).to_have_attribute("data-markers", "3")
                for light in ("red", "amber", "green"):
                    marker = page.locator(f'#campaign-map path.leaflet-interactive[data-light="{light}"]')
                    assert await marker.count() == 1, light
                await expect(page.locator("#coalition-events tbody tr")).to_have_count(3)
                await expect(page.locator("#coalition-events")).to_contain_text("Understaffed")
                problems += await check_page(page, axe_script, f"coalition turnout at {size['width']} px")
            await page.screenshot(path=str(shots / "coalition-turnout.png"), full_page=True)
            assert tiles, "the map asked for tiles (and was refused them): the markers did not need them"
        finally:
            await browser.close()
    assert not problems, "\n".join(problems)
    assert (shots / "coalition-turnout.png").stat().st_size > 10_000
