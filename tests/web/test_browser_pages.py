"""Every public and dashboard page in a real browser at phone (390 px) and desktop (1,280 px) widths, on the demo
data: nothing overflows the screen sideways, no table cell is squeezed into a tall sliver, and axe-core (from
npm, tests/web/axe) finds no serious or critical accessibility problem. Screenshots of the main pages at both
widths go to docs/screenshots/ under CI=true or MOBILIZE_SCREENSHOTS=1."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from mobilize import demo
from mobilize.models import (
    ActionGroup,
    Campaign,
    Event,
    EventStatus,
    HostedEvent,
    HostingMode,
    HostingPolicy,
    InboundMessage,
    InboxThread,
    Membership,
    Message,
    MessageKind,
    Organization,
    Partnership,
    Role,
    SavedList,
    Shift,
    Strike,
    Volunteer,
)
from mobilize.services.accounts import onboarding
from mobilize.services.accounts.organizers import actor_for_membership
from mobilize.services.hosting.links import rotate_page_token
from mobilize.services.people import links
from mobilize.services.signups.attendance import checkin_token
from tests.conftest import unavailable
from tests.factories import make_organizer
from tests.web.test_browser import chromium, server, shots  # noqa: F401  (the fixtures, shared)

AXE = Path(__file__).parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
SECRET = "browser-test-secret"  # the server fixture's SECRET_KEY
WIDTHS = {"phone": PHONE, "desktop": DESKTOP}

# A cell is squeezed when a short text (under 60 characters) wraps onto more than three lines.
LAYOUT_CHECK = """() => {
  const squeezed = [];
  for (const cell of document.querySelectorAll("td, th")) {
    const text = cell.innerText.trim();
    if (!text || text.length >= 60 || cell.offsetParent === null) continue;
    const line = parseFloat(getComputedStyle(cell).lineHeight) || 20;
    const range = document.createRange();
    range.selectNodeContents(cell);
    if (range.getBoundingClientRect().height > line * 3.5) {
      squeezed.push(text.slice(0, 40) + " (" + Math.round(cell.clientWidth) + "px)");
    }
  }
  const wider = [...document.querySelectorAll("body *")]
    .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 && !e.closest(".table-wrap"))
    .slice(-3).map(e => e.tagName.toLowerCase() + "." + e.className + " in " + e.parentElement.outerHTML.slice(0, 120));
  return {width: document.scrollingElement.scrollWidth, viewport: window.innerWidth, squeezed, wider};
}"""


@pytest.fixture
def axe_script() -> Path:
    """axe-core's browser build, installed by `make test` (tests/web/axe). Missing: skipped, or failed in CI."""
    if not AXE.is_file():
        unavailable("axe-core", f"{AXE} is missing (cd tests/web/axe && npm install)")
    return AXE


async def check_page(page: Any, axe: Path, what: str) -> list[str]:
    """The three checks on the page as it is now: what failed, if anything."""
    problems = []
    layout = await page.evaluate(LAYOUT_CHECK)
    if layout["width"] > layout["viewport"]:
        problems.append(f"{what}: {layout['width']} px wide on {layout['viewport']} ({layout['wider']})")
    if layout["squeezed"]:
        problems.append(f"{what}: squeezed table cells {layout['squeezed']}")
    await page.add_script_tag(path=str(axe))
    found = await page.evaluate(
        """async () => {
          const result = await axe.run(document, {resultTypes: ["violations"]});
          return result.violations.filter(v => v.impact === "serious" || v.impact === "critical")
            .map(v => v.id + ": " + v.help + " @ " + v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(", "));
        }"""
    )
    if found:
        problems.append(f"{what}: axe-core found {found}")
    return problems


async def _more_rows(org: Organization, picket: int, volunteer: Volunteer) -> dict[str, Any]:
    """What the demo does not hold and some pages need: a strike with the picket as its line, a partner invited
    to the campaign, an inbox conversation, a campaign open to volunteer hosts with a proposal waiting."""
    now = datetime.now(UTC)
    strike = await Strike.create(organization=org, name="Mercy nurses' strike", rules={"hours_per_week": 20},
                                 starts_on=(now - timedelta(days=3)).date())  # fmt: skip
    await Event.filter(id=picket).update(strike_id=strike.id)
    await Volunteer.filter(id=volunteer.id).update(member_id="L100-1")
    campaign = await Campaign.get(organization=org, slug="day-of-action")
    partner = await Organization.create(slug="teachers-union", name="Teachers Union Local 9")
    await Partnership.create(campaign=campaign, organization=partner, invited_at=now)
    theirs = await Campaign.create(organization=partner, slug="teach-in", name="Teach-in for public schools")
    await Partnership.create(campaign=theirs, organization=org, invited_at=now)  # the demo's to answer
    await InboundMessage.create(message_sid="SM-browser", from_number=volunteer.phone, body="Is there parking?",
                                volunteer=volunteer, organization_id=org.id, outcome="inbox")  # fmt: skip
    thread = await InboxThread.create(organization=org, volunteer=volunteer, last_message_at=now,
                                      last_preview="Is there parking?")  # fmt: skip
    group = await ActionGroup.get(organization=org, slug="west-side")
    await HostingPolicy.create(organization=org, campaign=campaign, mode=HostingMode.REVIEW, group=group,
                               terms="I will follow the coalition's safety guidelines.")  # fmt: skip
    proposed = await Event.create(organization=org, group=group, campaign=campaign, title="House meeting on Elm St",
                                  timezone=demo.ZONE, city="Chicago", status=EventStatus.PENDING)  # fmt: skip
    await Shift.create(event=proposed, starts_at=now + timedelta(days=5), ends_at=now + timedelta(days=5, hours=2),
                       capacity=15, target=10, code="HOUSE7")  # fmt: skip
    hosted = await HostedEvent.create(organization=org, event=proposed, campaign=campaign, host_name="Sam Host",
                                      host_email="sam@example.org", verified_at=now)  # fmt: skip
    return {"strike": strike.id, "thread": thread.id, "host_token": await rotate_page_token(hosted)}


async def _demo_paths() -> dict[str, list[str]]:
    """The pages to visit, by audience, built from the demo's own rows (and a few more, _more_rows)."""
    await demo.seed()
    org = await Organization.get(slug=demo.DEMO_ORG)
    picket_shift = await Shift.filter(event__title__startswith="Strike picket").order_by("starts_at").first()
    assert picket_shift is not None
    picket = picket_shift.event_id  # type: ignore[attr-defined]
    rally_shift = await Shift.filter(event__title="Rally at Union Park").order_by("starts_at").first()
    assert rally_shift is not None
    volunteer = await Volunteer.filter(organization=org, name="Rosa Delgado").first()
    assert volunteer is not None
    manage = await links.rotate_manage_token(volunteer)
    owner = await Membership.filter(organization=org).first()
    assert owner is not None
    _, message_id = await onboarding.invite(
        await actor_for_membership(owner), "new@example.org", Role.VIEWER, [], False, "/invitations/{token} "
    )
    invitation = (await Message.get(id=message_id)).body.split("/invitations/")[1].split(" ")[0]
    checkin = checkin_token(SECRET, picket_shift.id)
    more = await _more_rows(org, picket, volunteer)
    saved = await SavedList.get(organization=org, name="Stewards")
    strike, campaign = f"/dashboard/strikes/{more['strike']}", f"/campaigns/{demo.DEMO_ORG}/day-of-action"
    public = [
        "/", f"/events/{picket}", f"/events/{rally_shift.event_id}", f"/signups/{manage}", f"/checkin/{checkin}",
        "/login", "/password-reset", f"/invitations/{invitation}", campaign, f"{campaign}/embed", f"{campaign}/host",
        f"/host/events/{more['host_token']}", f"/host/confirm/{more['host_token']}",
    ]  # type: ignore[attr-defined]  # fmt: skip
    dashboard = [
        "/dashboard/",
        f"/dashboard/events/{picket}",
        f"/dashboard/events/{picket}/edit",
        "/dashboard/events/new",
        f"/dashboard/shifts/{picket_shift.id}",
        "/dashboard/volunteers",
        f"/dashboard/volunteers/{volunteer.id}",
        "/dashboard/inbox",
        "/dashboard/invitations",
        "/dashboard/account",
        "/dashboard/tokens",
        "/dashboard/turnout",
        "/dashboard/turnout/groups/nurses-local",
        "/dashboard/turnout/campaigns/day-of-action",
        f"/dashboard/turnout/events/{picket}",
        f"/dashboard/volunteers/{volunteer.id}/edit",
        f"/dashboard/shifts/{picket_shift.id}/edit",
        "/dashboard/groups",
        "/dashboard/groups/new",
        "/dashboard/groups/nurses-local/edit",
        "/dashboard/groups/nurses-local/message",
        "/dashboard/campaigns/new",
        "/dashboard/campaigns/day-of-action/edit",
        "/dashboard/team",
        "/dashboard/audit",
        "/dashboard/settings",
        "/dashboard/lists",
        "/dashboard/lists/new",
        f"/dashboard/lists/{saved.id}",
        f"/dashboard/lists/{saved.id}/edit",
        f"/dashboard/lists/{saved.id}/message",
        f"/dashboard/inbox/{more['thread']}",
        "/dashboard/hosting",
        "/dashboard/strikes",
        strike,
        f"{strike}/badges",
        f"{strike}/lines/{picket}",
        "/dashboard/partnerships",
        "/dashboard/campaigns/day-of-action/partners",
        "/dashboard/turnout/coalitions/day-of-action",
    ]
    return {"public": public, "dashboard": dashboard, "picket": [str(picket)], "list": [str(saved.id)]}


# The screenshots the README shows: (page, width) -> file name.
SHOTS = {
    ("/dashboard/", "desktop"): "dashboard-home-desktop",
    ("/dashboard/", "phone"): "dashboard-home-phone",
    ("event", "desktop"): "dashboard-event-desktop",
    ("event", "phone"): "dashboard-event-phone",
    ("/dashboard/turnout", "desktop"): "turnout-home-desktop",
    ("/dashboard/groups", "phone"): "groups-phone",
    ("list", "desktop"): "saved-list-desktop",
    ("list", "phone"): "saved-list-phone",
    ("/dashboard/settings", "phone"): "settings-phone",
}


async def test_every_page_fits_a_phone_and_a_desktop_and_passes_axe(
    chromium: str,  # noqa: F811
    server: str,  # noqa: F811
    shots: Path,  # noqa: F811
    axe_script: Path,
) -> None:
    from playwright.async_api import async_playwright, expect

    paths = await _demo_paths()
    picket, saved = paths["picket"][0], paths["list"][0]
    named = {f"/dashboard/events/{picket}": "event", f"/dashboard/lists/{saved}": "list"}  # keys of SHOTS
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        try:
            page = await browser.new_page(viewport=DESKTOP)
            await page.goto(server + "/login")
            await page.get_by_label("Email").fill(demo.DEMO_EMAIL)
            await page.get_by_label("Password").fill(demo.DEMO_PASSWORD)
            await page.get_by_role("button", name="Log in").click()
            await expect(page.get_by_role("heading", level=1)).to_be_visible()
            visitor = await browser.new_page(viewport=DESKTOP)
            problems: list[str] = []
            for width_name, size in WIDTHS.items():
                await page.set_viewport_size(size)
                await visitor.set_viewport_size(size)
                for audience, tab in (("public", visitor), ("dashboard", page)):
                    for target in paths[audience]:
                        response = await tab.goto(server + target)
                        assert response is not None and response.status == 200, target
                        problems += await check_page(tab, axe_script, f"{target} at {width_name}")
                        key = named.get(target, target)
                        name = SHOTS.get((key, width_name))
                        if name:
                            await tab.screenshot(path=str(shots / f"{name}.png"), full_page=True)
            # the page a volunteer sees once signed up, on a phone
            await visitor.set_viewport_size(PHONE)
            await visitor.goto(server + paths["public"][2])
            await visitor.get_by_label("Your name").fill("Ana Lima")
            await visitor.get_by_label("Email").fill("ana@example.org")
            await visitor.locator("#f-shift input[type=checkbox]").first.check()
            await visitor.get_by_role("button", name="Sign up").click()
            await expect(visitor.get_by_role("heading", level=1)).to_contain_text("signed up")
            problems += await check_page(visitor, axe_script, "signed-up page at phone")
        finally:
            await browser.close()
    assert not problems, "\n".join(problems)
    for name in SHOTS.values():
        assert (shots / f"{name}.png").stat().st_size > 10_000


async def test_edit_and_tag_a_volunteer_message_a_list_and_a_group_and_remove_a_team_member(
    chromium: str,  # noqa: F811
    server: str,  # noqa: F811
    shots: Path,  # noqa: F811
    axe_script: Path,
) -> None:
    from playwright.async_api import async_playwright, expect

    await demo.seed()
    await make_organizer(demo.DEMO_ORG, role=Role.ORGANIZER, email="colleague@example.org")
    org = await Organization.get(slug=demo.DEMO_ORG)
    volunteer = await Volunteer.filter(organization=org, name="Rosa Delgado").first()
    assert volunteer is not None
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        try:
            page = await browser.new_page(viewport=PHONE)
            await page.goto(server + "/login")
            await page.get_by_label("Email").fill(demo.DEMO_EMAIL)
            await page.get_by_label("Password").fill(demo.DEMO_PASSWORD)
            await page.get_by_role("button", name="Log in").click()
            await expect(page.get_by_role("heading", name="Events", exact=True)).to_be_visible()

            # on a phone the nav folds behind "Menu"
            await expect(page.get_by_role("link", name="Volunteers")).to_be_hidden()
            await page.get_by_text("Menu", exact=True).click()
            await page.get_by_role("link", name="Volunteers").click()
            await page.get_by_role("link", name="Rosa Delgado").click()
            await page.get_by_role("link", name=re.compile(r"^Edit the record")).click()
            await page.get_by_label("Member id").fill("L100-7")
            await page.get_by_label("Tags").fill("steward, spanish")
            await page.get_by_label("Notes").fill("Nights only")
            await page.get_by_role("button", name="Save the record").click()
            await expect(page.get_by_role("status")).to_contain_text("Saved the record")
            await expect(page.locator("[data-tags]")).to_contain_text("steward")
            await page.get_by_role("link", name="steward").click()
            await expect(page.get_by_role("link", name="Rosa Delgado")).to_be_visible()
            assert not await check_page(page, axe_script, "volunteers by tag")

            # save the tag as a list, then message the list: counted first, then sent
            await page.get_by_role("link", name="Save “steward” as a list").click()
            await expect(page.get_by_role("textbox", name="Tags")).to_have_value("steward")
            await page.get_by_label("Name").fill("Steward team")
            await page.get_by_role("button", name="Create the list").click()
            await expect(page.get_by_role("status")).to_contain_text("Saved the list “Steward team”")
            await expect(page.get_by_role("link", name="Rosa Delgado")).to_be_visible()
            await expect(page.locator("[data-count]")).to_have_text("3 people")  # with the demo's two stewards
            await page.get_by_role("link", name="Message this list").click()
            await page.get_by_label("Email", exact=True).uncheck()
            await page.get_by_label("Message").fill("Stewards: meeting at the hall on Thursday, 6 p.m.")
            await page.get_by_role("button", name="Count who will receive it").click()
            await expect(page.locator("#preview")).to_contain_text("3 people will receive it")
            await expect(page.locator("#preview")).to_contain_text("Nobody it is for is left out")
            assert not await check_page(page, axe_script, "list message preview at phone")
            await page.get_by_role("button", name="Send to 3 people").click()
            await expect(page.get_by_role("status")).to_contain_text("Message on its way to 3 people of Steward team")
            await expect(page.get_by_role("heading", name="Steward team", level=1)).to_be_visible()
            sent = await Message.filter(organization_id=org.id, kind=MessageKind.BLAST, signup_id=None)
            assert sorted(m.body.split(": ", 1)[1][:8] for m in sent) == ["Stewards"] * 3
            assert volunteer.id in {m.volunteer_id for m in sent}

            # message a group: counted first, then sent
            await page.set_viewport_size(DESKTOP)
            await page.goto(server + "/dashboard/groups")
            await page.get_by_role("link", name="Message Nurses Worksite Committee").click()
            await page.get_by_label("Email", exact=True).uncheck()
            await page.get_by_label("Message").fill("Picket moves to the north gate tomorrow.")
            await page.get_by_role("button", name="Count who will receive it").click()
            preview = page.locator("#preview")
            await expect(preview).to_contain_text("will receive it")
            assert not await check_page(page, axe_script, "group message preview")
            await page.get_by_role("button", name=re.compile(r"^Send to \d+")).click()
            await expect(page.get_by_role("status")).to_contain_text("Message on its way")
            assert await Message.filter(organization_id=org.id, kind=MessageKind.BLAST).exists()

            # remove a team member
            await page.goto(server + "/dashboard/team")
            await page.get_by_role("button", name=re.compile(r"^Remove.*Test Organizer")).click()
            await expect(page.get_by_role("status")).to_contain_text("is no longer on the team")
            await expect(page.locator('[data-member="colleague@example.org"]')).to_have_count(0)
        finally:
            await browser.close()
    fresh = await Volunteer.get(id=volunteer.id)
    assert (fresh.member_id, fresh.notes) == ("L100-7", "Nights only")
