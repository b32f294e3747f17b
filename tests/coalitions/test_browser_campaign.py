"""A coalition campaign in a real browser at phone width (390 px): the map's markers come from the page's own
data (tiles are blocked: the test never reaches a tile server), the list shows both organizations' events with
their hosts, and a volunteer signs up for a partner's event with the box ticked that shares their details
with the convener."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from mobilize.models import ConsentRecord, Organization, Partnership, PartnershipStatus, Volunteer
from tests.factories import make_campaign, make_event, make_group, make_organizer, make_shift
from tests.web.test_browser import chromium, server, shots  # noqa: F401 - the fixtures

PHONE = {"width": 390, "height": 844}


async def _coalition() -> int:
    teachers, _ = await make_organizer("teachers")
    nurses, _ = await make_organizer("nurses")
    for slug in ("teachers", "nurses"):
        await Organization.filter(slug=slug).update(name=slug.title())
    campaign = await make_campaign(teachers, slug="may-day")
    await Partnership.create(
        campaign=campaign, organization_id=nurses.organization_id, status=PartnershipStatus.ACCEPTED,  # type: ignore[attr-defined]
        invited_at=datetime.now(UTC),
    )  # fmt: skip
    when = (datetime.now(UTC) + timedelta(days=3)).replace(microsecond=0)
    own = await make_event(await make_group(teachers, slug="downtown"), campaign=campaign, title="Teachers rally",
                           event_type="rally")  # fmt: skip
    await make_shift(own, starts_at=when)
    theirs = await make_event(await make_group(nurses, slug="north"), campaign=campaign, title="Nurses rally",
                              postal_code="60657", lat=41.94, lon=-87.65, event_type="rally")  # fmt: skip
    await make_shift(theirs, starts_at=when)
    return theirs.id


async def test_campaign_map_list_and_sharing_at_phone_width(chromium: str, server: str, shots: Path) -> None:  # noqa: F811
    from playwright.async_api import async_playwright, expect

    nurses_event = await _coalition()
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        try:
            page = await browser.new_page(viewport=PHONE)
            tiles: list[str] = []

            async def no_tiles(route: object) -> None:
                tiles.append(route.request.url)  # type: ignore[attr-defined]
                await route.abort()  # type: ignore[attr-defined]

            await page.route("https://tile.openstreetmap.org/**", no_tiles)
            await page.goto(f"{server}/campaigns/teachers/may-day?ref=nurses")
            await expect(page.get_by_role("heading", name="Day of Action", level=1)).to_be_visible()
            data = json.loads(await page.locator("#campaign-markers").text_content() or "[]")
            assert {m["title"]: m["host"] for m in data} == {"Teachers rally": "Teachers", "Nurses rally": "Nurses"}
            map_box = page.locator("#campaign-map")
            await expect(map_box).to_have_attribute("data-markers", "2")
            assert await page.locator("#campaign-map path.leaflet-interactive").count() == 2  # one per event
            cards = page.locator("#campaign-list li")
            await expect(cards).to_have_count(2)
            await expect(page.locator("#campaign-list")).to_contain_text("Hosted by Nurses")
            await expect(page.locator("#campaign-list")).to_contain_text("convened by Teachers")
            width = await page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"], f"the page scrolls sideways at phone width ({width}px)"
            await page.screenshot(path=str(shots / "campaign.png"), full_page=True)

            await page.get_by_role("link", name="Nurses rally").click()
            await expect(page.get_by_role("heading", name="Nurses rally", level=1)).to_be_visible()
            await expect(page.locator(".host-note")).to_contain_text("Nurses")
            box = page.get_by_label("Also share my name and contact with Teachers")
            await expect(box).not_to_be_checked()
            await box.check()
            await page.get_by_label("Your name").fill("Rosa Parks")
            await page.get_by_label("Mobile phone").fill("(312) 555-0142")
            await page.get_by_role("button", name="Sign up").click()
            await expect(page.get_by_role("heading", level=1)).to_contain_text("signed up")
        finally:
            await browser.close()
    teachers = await Organization.get(slug="teachers")
    shared = await Volunteer.get(organization=teachers, phone="+13125550142")
    consent = await ConsentRecord.get(volunteer=shared)
    assert consent.words == "Also share my name and contact with Teachers" and consent.channel == "sharing"
    assert await Volunteer.filter(organization__slug="nurses", phone="+13125550142").exists()
    assert nurses_event > 0 and (shots / "campaign.png").stat().st_size > 5_000
