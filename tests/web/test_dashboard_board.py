"""The dashboard's home as a day-of-action board: coming events soonest first with sign-ups against target and
the staffing light, the filters, past events with their turnout, the organization's name; the turnout home's
headline numbers per group and campaign."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta

import httpx

from mobilize.models import Organization, Shift, SignupStatus
from tests.clock import MIDDAY, daytime
from tests.factories import make_campaign, make_event, make_group, make_organizer, make_shift
from tests.web.test_dashboard import a_signup, logged_in


def _order(page: str) -> list[str]:
    return re.findall(r'<tr data-event="\d+">\s*<th scope="row"><a href="[^"]+">([^<]+)</a>', page)


@daytime
async def test_the_board_sorts_by_date_counts_signups_and_filters(client: httpx.AsyncClient) -> None:
    world = await logged_in(client)
    org = await Organization.get(id=world["group"].organization_id)
    org.name = "Local 100 of the Nurses Union"
    await org.save()
    group, campaign = world["group"], world["campaign"]  # world's event: a shift 24 h from now, 10 seats
    other_group = await make_group(world["membership"], slug="north")
    later = await make_event(other_group, title="Rally downtown", event_type="rally")
    await make_shift(later, starts_at=MIDDAY + timedelta(days=5), capacity=50, target=20)
    sooner = await make_event(group, campaign=campaign, title="Phone bank tonight", event_type="phone_bank")
    tonight = await make_shift(sooner, starts_at=MIDDAY + timedelta(hours=6), capacity=4, target=2)
    for n in (1, 2):
        signup = await a_signup(tonight, n)
        signup.status = SignupStatus.CONFIRMED
        await signup.save()
    past = await make_event(group, title="Last week's picket")
    before = await make_shift(past, starts_at=MIDDAY + timedelta(hours=1), capacity=10, target=5)
    for n, status in ((3, SignupStatus.ATTENDED), (4, SignupStatus.ATTENDED), (5, SignupStatus.NO_SHOW)):
        signup = await a_signup(before, n)
        signup.status = status
        await signup.save()
    week_ago = MIDDAY - timedelta(days=7)  # signed up while it was to come; now it is over
    await Shift.filter(id=before.id).update(starts_at=week_ago, ends_at=week_ago + timedelta(hours=3))
    await make_event(group, title="Training to be planned")

    page = (await client.get("/dashboard/")).text
    assert "Local 100 of the Nurses Union" in page and "local-100 ·" not in page
    assert _order(page) == ["Phone bank tonight", world["event"].title, "Rally downtown", "Last week&#39;s picket"]
    tonight_row = page.split(f'data-event="{sooner.id}"')[1].split("</tr>")[0]
    assert '<td class="nowrap" data-figure="signups">2 / 2</td>' in tonight_row and "On target" in tonight_row
    rally_row = page.split(f'data-event="{later.id}"')[1].split("</tr>")[0]
    assert "0 / 20" in rally_row and "Understaffed" in rally_row
    past_row = page.split(f'data-event="{past.id}"')[1].split("</tr>")[0]
    assert re.findall(r"<td>(\d+|[\d%]+)</td>", past_row) == ["3", "2", "67%"]
    assert "Training to be planned" in page.split("Without shifts yet")[1]

    needs = (await client.get("/dashboard/?needs=1")).text
    assert _order(needs) == [world["event"].title, "Rally downtown"]
    by_group = (await client.get("/dashboard/?group=north")).text
    assert _order(by_group) == ["Rally downtown"]
    by_type = (await client.get("/dashboard/?type=phone_bank")).text
    assert _order(by_type) == ["Phone bank tonight"]
    by_campaign = (await client.get(f"/dashboard/?campaign={campaign.slug}")).text
    assert _order(by_campaign) == ["Phone bank tonight", world["event"].title]
    day = (MIDDAY + timedelta(days=5)).date().isoformat()
    assert _order((await client.get(f"/dashboard/?from={day}&to={day}")).text) == ["Rally downtown"]
    assert _order((await client.get("/dashboard/?q=RALLY")).text) == ["Rally downtown"]

    bad = await client.get("/dashboard/?from=someday&type=parade")
    assert bad.status_code == 422
    assert "give a date" in bad.text


@daytime
async def test_the_board_shows_only_this_organizations_events(client: httpx.AsyncClient) -> None:
    await logged_in(client)
    membership, _ = await make_organizer("another-org")
    their_event = await make_event(await make_group(membership, slug="theirs"), title="Their secret rally")
    await make_shift(their_event, starts_at=MIDDAY + timedelta(days=1))
    await make_campaign(membership, slug="their-campaign")
    page = (await client.get("/dashboard/")).text
    assert "Their secret rally" not in page
    assert _order((await client.get("/dashboard/?group=theirs")).text) == []


@daytime
async def test_the_turnout_home_gives_each_group_and_campaign_its_headline_numbers(client: httpx.AsyncClient) -> None:
    world = await logged_in(client)
    for n, status in ((1, SignupStatus.ATTENDED), (2, SignupStatus.NO_SHOW), (3, SignupStatus.CONFIRMED)):
        signup = await a_signup(world["shift"], n)
        signup.status = status
        await signup.save()
    await a_signup(world["shift"], 4)
    await make_group(world["membership"], slug="quiet", postal_code="60612")
    membership, _ = await make_organizer("another-org")
    theirs = await make_event(await make_group(membership, slug=world["group"].slug), title="Theirs")
    await a_signup(await make_shift(theirs), 9)

    page = (await client.get("/dashboard/turnout")).text

    def figures(slug: str) -> list[str]:
        block = page.split(f'data-headline="{slug}"')[1].split("</li>")[0]
        return re.findall(r"<dd>([^<]+)</dd>", block)

    assert figures(world["group"].slug) == ["1", "4", "1", "50%"]
    assert figures(world["campaign"].slug) == ["1", "4", "1", "50%"]
    assert figures("quiet") == ["0", "0", "0", "–"]


@daytime
async def test_a_day_filter_takes_the_evening_and_leaves_the_night_before(client: httpx.AsyncClient) -> None:
    world = await logged_in(client)
    day = MIDDAY.date() + timedelta(days=3)
    evening = await make_event(world["group"], title="Evening rally")  # 22:00 that day in Chicago
    await make_shift(evening, starts_at=datetime.combine(day + timedelta(days=1), time(3), UTC))
    night_before = await make_event(world["group"], title="Night before")  # 20:00 the day before in Chicago
    await make_shift(night_before, starts_at=datetime.combine(day, time(1), UTC))
    page = (await client.get(f"/dashboard/?from={day}&to={day}")).text
    assert _order(page) == ["Evening rally"]
