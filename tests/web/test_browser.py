"""The organizer's day in a real browser (headless Chromium through Playwright, the app under uvicorn in its
own process on the test database): log in, create an event with a picket schedule, sign up on the public
page, check the volunteer in from the roster, read the turnout page with its chart.

Screenshots of the dashboard, the roster and the turnout page go to docs/screenshots/ under CI=true or with
MOBILIZE_SCREENSHOTS=1 (elsewhere to a temporary folder, so a local run leaves the work tree clean)."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import socket
import sys
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from mobilize.models import Shift, Signup, SignupStatus
from tests.conftest import IN_CI, unavailable
from tests.factories import make_campaign, make_group, make_organizer, start_shift

CHROMIUM = os.environ.get("MOBILIZE_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PASSWORD = "correct horse battery staple"
DESKTOP = {"width": 1024, "height": 800}
PHONE = {"width": 412, "height": 915}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def chromium() -> str:
    """Debian's Chromium (Playwright cannot download its own browser here). Missing: skipped, or under
    CI=true failed. It inherits the suite's environment, libfaketime included when the suite runs under
    `faketime`: the browser's clock is the server's, as a visitor's and the server's agree (a page's own
    times, such as a captain's scan, are checked by the server against its clock)."""
    if not shutil.which(CHROMIUM):
        unavailable("Chromium", f"{CHROMIUM} is missing (apt-get install chromium)")
    return CHROMIUM


@pytest.fixture
async def server(migrated: str) -> AsyncIterator[str]:
    """The real app under uvicorn (`mobilize serve`) on a free port, against the test database."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"} | {
        "DATABASE_URL": migrated,
        "PUBLIC_BASE_URL": base,
        "SECRET_KEY": "browser-test-secret",
        "OUTBOX_SWEEP_SECONDS": "0",
        "PUBLIC_SIGNUP_RATE_LIMIT_IP": "1000/minute",
        "LOG_LEVEL": "warning",
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "mobilize.cli", "serve", "--host", "127.0.0.1", "--port", str(port), env=env
    )
    try:
        async with httpx.AsyncClient() as client:
            for _ in range(100):
                try:
                    if (await client.get(base + "/healthz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
            else:
                pytest.fail("the app did not start under uvicorn")
        yield base
    finally:
        proc.terminate()
        await asyncio.wait_for(proc.wait(), timeout=10)


@pytest.fixture
def shots() -> Path:
    # MOBILIZE_SCREENSHOTS=0 keeps them out of docs/ even under CI=true (`make test` runs the two passes side
    # by side; the SQLite pass writes them).
    wanted = os.environ.get("MOBILIZE_SCREENSHOTS")
    if wanted == "1" or (IN_CI and wanted != "0"):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        return SCREENSHOTS
    return Path(tempfile.mkdtemp(prefix="mobilize-shots-"))


async def test_an_organizers_day_in_the_browser(chromium: str, server: str, shots: Path) -> None:
    from playwright.async_api import async_playwright, expect

    membership, _ = await make_organizer(email="lead@example.org")
    group = await make_group(membership, slug="west-side", postal_code="60612")
    await make_campaign(membership, slug="day-of-action")

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        try:
            page = await browser.new_page(viewport=DESKTOP)
            # log in
            await page.goto(server + "/dashboard/")
            await expect(page.get_by_role("heading", name="Organizer login")).to_be_visible()
            await page.get_by_label("Email").fill("lead@example.org")
            await page.get_by_label("Password").fill(PASSWORD)
            await page.get_by_role("button", name="Log in").click()
            await expect(page.get_by_role("heading", name="Events", exact=True)).to_be_visible()

            # create an event, then a picket schedule
            await page.get_by_role("link", name="New event").click()
            await page.get_by_label("Title").fill("Mercy Hospital picket")
            await page.get_by_label("Action group").select_option(group.slug)
            await page.get_by_label("Campaign").select_option("day-of-action")
            await page.get_by_label("Kind of action").select_option("picket")
            await page.get_by_label("City").fill("Chicago")
            await page.get_by_label("Postal code").fill("60616")
            await page.get_by_role("button", name="Create the event").click()
            await expect(page.get_by_role("heading", name="Mercy Hospital picket")).to_be_visible()
            await page.get_by_label("Picket starts at").fill("06:00")
            await page.get_by_label("Picket ends at").fill("14:00")
            await page.get_by_label("Shift length (minutes)").fill("240")
            await page.get_by_label("Capacity per shift").fill("10")
            await page.get_by_label("Target per shift").fill("3")
            await page.get_by_role("button", name="Add the schedule").click()
            await expect(page.get_by_role("status")).to_contain_text("Added 14 shifts")
            event_url = page.url
            shift = await Shift.filter(event__title="Mercy Hospital picket").order_by("starts_at").first()
            assert shift is not None
            await expect(page.get_by_text(shift.code, exact=True)).to_be_visible()

            # a volunteer signs up on the public page (their own browser)
            volunteer = await browser.new_page(viewport=PHONE)
            await volunteer.goto(f"{server}/events/{shift.event_id}")  # type: ignore[attr-defined]
            await volunteer.locator(f"#f-shift-{shift.id}").check()
            await volunteer.get_by_label("Your name").fill("Rosa Parks")
            await volunteer.get_by_label("Mobile phone").fill("(312) 555-0142")
            await volunteer.get_by_label("Email").fill("rosa@example.org")
            await volunteer.get_by_role("button", name="Sign up").click()
            await expect(volunteer.get_by_role("heading", level=1)).to_contain_text("signed up")

            # the organizer checks her in from the roster, once the shift is under way
            await start_shift(shift)
            await page.goto(event_url)
            await page.screenshot(path=str(shots / "dashboard.png"), full_page=True)
            await page.locator(f'a[href="/dashboard/shifts/{shift.id}"]').click()
            await expect(page.get_by_text("Rosa Parks", exact=True)).to_be_visible()
            await page.get_by_role("button", name=re.compile(r"^Attended\b.*Rosa Parks")).click()
            await expect(page.get_by_role("status")).to_contain_text("Rosa Parks: checked in.")
            await page.set_viewport_size(PHONE)
            await page.screenshot(path=str(shots / "roster.png"), full_page=True)
            signup = await Signup.get(shift_id=shift.id)
            assert signup.status == SignupStatus.ATTENDED

            # the turnout page, with its chart and the right numbers
            await page.set_viewport_size(DESKTOP)
            await page.goto(f"{server}/dashboard/turnout/campaigns/day-of-action")
            await expect(page.get_by_role("heading", name="Day of Action", level=1)).to_be_visible()
            figures = {
                name: await page.locator(f'[data-figure="{name}"]').inner_text()
                for name in ("signups", "confirmed", "attended", "no_show", "walk_ins", "show_rate", "new")
            }
            assert figures == {
                "signups": "1", "confirmed": "0", "attended": "1", "no_show": "0", "walk_ins": "0",
                "show_rate": "100%", "new": "1",
            }  # fmt: skip
            chart = page.get_by_role("img", name="Turnout per day: Day of Action")
            await expect(chart).to_be_visible()
            assert await page.locator("svg.chart rect[fill='#0b4f8a']").count() >= 1
            await page.screenshot(path=str(shots / "turnout.png"), full_page=True)
        finally:
            await browser.close()
    for name in ("dashboard", "roster", "turnout"):
        assert (shots / f"{name}.png").stat().st_size > 10_000
