"""Picking shifts in a real browser, on the demo's 28-shift picket: the event page at phone (390 px) and desktop
(1,280 px) widths has no sideways overflow and no serious axe-core finding, its form comes before the list of
shifts, and a volunteer signs up for three shifts at once."""

from __future__ import annotations

from pathlib import Path

from mobilize import demo
from mobilize.models import Message, MessageKind, Shift, Signup, SignupStatus, Volunteer
from tests.web.test_browser import chromium, server  # noqa: F401  (the fixtures, shared)
from tests.web.test_browser_pages import DESKTOP, PHONE, axe_script, check_page  # noqa: F401

PICKET = "Strike picket at Mercy Hospital, main gate"


async def test_three_shifts_at_once_on_the_28_shift_picket(
    chromium: str,  # noqa: F811
    server: str,  # noqa: F811
    axe_script: Path,  # noqa: F811
) -> None:
    from playwright.async_api import async_playwright, expect

    await demo.seed()
    shifts = await Shift.filter(event__title=PICKET).order_by("starts_at")
    assert len(shifts) == 28
    event_id = shifts[0].event_id  # type: ignore[attr-defined]
    chosen = [shifts[3], shifts[4], shifts[10]]  # two on one morning, one a few days later
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        try:
            page = await browser.new_page(viewport=DESKTOP)
            problems: list[str] = []
            for name, size in (("phone", PHONE), ("desktop", DESKTOP)):
                await page.set_viewport_size(size)
                response = await page.goto(f"{server}/events/{event_id}")
                assert response is not None and response.status == 200
                problems += await check_page(page, axe_script, f"picket at {name}")
                # the contact fields come before the 28 shifts, and a week is a group named by its heading
                boxes = page.locator("#f-shift input[type=checkbox]")
                assert await boxes.count() == 28
                name_top = (await page.get_by_label("Your name").bounding_box() or {})["y"]
                first_box = (await boxes.first.bounding_box() or {})["y"]
                assert name_top < first_box and name_top < size["height"], (name, name_top)
                weeks = page.get_by_role("group", name="Week of", exact=False)
                assert await weeks.count() >= 2
            # three shifts, one sign-up, on a phone
            await page.set_viewport_size(PHONE)
            await page.goto(f"{server}/events/{event_id}")
            await page.get_by_label("Your name").fill("Ana Lima")
            await page.get_by_label("Mobile phone").fill("(312) 555-0190")
            await page.get_by_label("Email").fill("ana.lima@example.org")
            await page.get_by_label("I agree to receive text messages", exact=False).check()
            for shift in chosen:
                await page.locator(f"#f-shift-{shift.id}").check()
            await page.get_by_role("button", name="Sign up").click()
            await expect(page.get_by_role("heading", level=1)).to_contain_text("signed up")
            await expect(page.locator("ul.picked li")).to_have_count(3)
            problems += await check_page(page, axe_script, "signed-up page for three shifts at phone")
        finally:
            await browser.close()
    assert not problems, "\n".join(problems)
    person = await Volunteer.get(email="ana.lima@example.org")
    mine = await Signup.filter(volunteer_id=person.id).order_by("shift_id")
    assert [s.shift_id for s in mine] == sorted(s.id for s in chosen)  # type: ignore[attr-defined]
    assert {s.status for s in mine} == {SignupStatus.SIGNED_UP}
    confirmations = await Message.filter(volunteer_id=person.id, kind=MessageKind.CONFIRMATION)
    assert sorted(m.channel.value for m in confirmations) == ["email", "sms"]  # one message per channel
    reminders = await Message.filter(volunteer_id=person.id, kind=MessageKind.REMINDER_SOON)
    assert len({m.signup_id for m in reminders}) == 3
