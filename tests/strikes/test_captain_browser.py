"""The captain's phone page in a real browser at phone width (headless Chromium through Playwright, the app
under uvicorn in its own process): sign a member in by member id (once while offline: the scan waits in the
page's queue and goes when the connection is back), sign them out, and see their line of the ledger change.

The server's clock is the wall clock (a subprocess): the shift under way is placed around the current time,
and nothing expected depends on the hour."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from mobilize.models import Duty, Strike
from tests.factories import make_event, make_group, make_organizer, make_person, make_shift
from tests.web.test_browser import PASSWORD, chromium, server, shots  # noqa: F401 - fixtures

PHONE = {"width": 390, "height": 844}


async def test_a_captain_signs_a_member_in_and_out_at_phone_width(chromium: str, server: str, shots: Path) -> None:  # noqa: F811
    from playwright.async_api import async_playwright, expect

    membership, _ = await make_organizer(email="captain@example.org")
    group = await make_group(membership, slug="local-100-pickets")
    now = datetime.now(UTC).replace(microsecond=0)
    strike = await Strike.create(
        organization_id=membership.organization_id,  # type: ignore[attr-defined]
        name="Contract fight",
        starts_on=(now - timedelta(days=30)).date(),
        rules={"hours_per_week": 20},
    )
    line = await make_event(group, title="Main gate")
    line.strike_id = strike.id
    await line.save()
    await make_shift(line, starts_at=now - timedelta(hours=1), hours=4, capacity=20)
    await make_person(membership.organization_id, name="Rosa Parks", member_id="A1")  # type: ignore[attr-defined]

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        try:
            context = await browser.new_context(viewport=PHONE)
            page = await context.new_page()
            await page.goto(server + "/dashboard/")
            await page.get_by_label("Email").fill("captain@example.org")
            await page.get_by_label("Password").fill(PASSWORD)
            await page.get_by_role("button", name="Log in").click()
            await expect(page.get_by_role("heading", name="Events", exact=True)).to_be_visible()

            ledger_url = f"{server}/dashboard/strikes/{strike.id}"
            await page.goto(ledger_url)
            await expect(page.get_by_role("heading", name="Contract fight")).to_be_visible()
            assert await page.locator('tr[data-member="A1"]').count() == 0  # no duty yet

            await page.goto(f"{ledger_url}/lines/{line.id}")
            await expect(page.get_by_role("heading", name="Main gate")).to_be_visible()
            # Offline: the scan waits in the queue, and goes when the connection is back.
            await context.set_offline(True)
            await page.get_by_label("Member id").fill("A1")
            await page.get_by_role("button", name="Sign in").click()
            await expect(page.locator("#queued")).to_contain_text("1 scan(s) waiting")
            await context.set_offline(False)
            await expect(page.get_by_role("status")).to_contain_text("Rosa Parks (A1): signed in")
            await expect(page.locator("#people li")).to_contain_text(["Rosa Parks"])
            await expect(page.locator("#queued")).to_have_text("")
            await page.screenshot(path=str(shots / "captain.png"), full_page=True)

            await page.get_by_label("Member id").fill("A1")
            await page.get_by_role("button", name="Sign out").click()
            await expect(page.get_by_role("status")).to_contain_text("Rosa Parks (A1): signed out")
            await expect(page.locator("#count")).to_have_text("0")

            await page.goto(ledger_url)
            row = page.locator('tr[data-member="A1"]')
            await expect(row).to_be_visible()
            await expect(row.locator('[data-figure="qualifies"]')).to_contain_text("No: hours")
        finally:
            await browser.close()
    duty = await Duty.get(strike_id=strike.id)
    assert duty.signed_out_at is not None and duty.scan_in and duty.scan_out
