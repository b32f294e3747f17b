"""Public pages end to end: finder, event page and its sign-up form, confirmation, a volunteer's own page."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from starlette.routing import NoMatchFound

from mobilize.app import create_app
from mobilize.models import (
    ConsentRecord,
    EventStatus,
    Message,
    MessageKind,
    Signup,
    SignupSource,
    SignupStatus,
    Volunteer,
)
from mobilize.services.people import Contact
from mobilize.services.signups.seats import sign_up
from mobilize.web import pages
from mobilize.web.views import format_span
from tests.conftest import PUBLIC, make_settings
from tests.factories import make_campaign, make_event, make_group, make_organizer, make_shift, make_world, soon

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
BROWSER = {"User-Agent": "TestBrowser/1.0 (pages)"}
FUTURE = datetime(2031, 5, 1, 15, 0, tzinfo=UTC)  # a fixed instant, so the rendered times are exact


async def csrf_from(client: httpx.AsyncClient, path: str) -> str:
    r = await client.get(path)
    assert r.status_code == 200, r.text
    match = CSRF.search(r.text)
    assert match, f"no CSRF field on {path}"
    return match.group(1)


def signup_form(shift_id: int, token: str | None, **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "shift": str(shift_id),
        "name": "Rosa Parks",
        "phone": "(312) 555-0142",
        "email": "rosa@example.org",
        "postal_code": "60614",
    }
    if token is not None:
        data["csrf_token"] = token
    data.update(extra)
    return data


async def web_signup(client: httpx.AsyncClient, event_id: int, shift_id: int, **extra: Any) -> httpx.Response:
    token = await csrf_from(client, f"/events/{event_id}")
    return await client.post(f"/events/{event_id}/signup", data=signup_form(shift_id, token, **extra), headers=BROWSER)


async def counts() -> tuple[int, int, int]:
    return await Volunteer.all().count(), await Signup.all().count(), await ConsentRecord.all().count()


def titles(page: str) -> list[str]:
    return re.findall(r'<h3><a href="/events/\d+">([^<]+)</a></h3>', page)


# ---- formatting --------------------------------------------------------------------------------


def test_format_span_in_the_events_zone() -> None:
    now = datetime(2031, 3, 1, tzinfo=UTC)
    end = FUTURE + timedelta(hours=2)
    assert format_span(FUTURE, end, "America/Chicago", now) == "Thu, May 1, 10:00 AM – 12:00 PM CDT"
    assert format_span(FUTURE, end, "Europe/Paris", now) == "Thu, May 1, 5:00 PM – 7:00 PM CEST"
    # the year appears when it is not the current one
    assert format_span(FUTURE, end, "America/Chicago", datetime(2030, 6, 1, tzinfo=UTC)).startswith(
        "Thu, May 1, 2031, 10:00 AM"
    )
    # overnight, across the end of daylight saving time (Chicago, Sunday Nov 2, 2031)
    start = datetime(2031, 11, 2, 4, 0, tzinfo=UTC)  # 11:00 PM CDT on Saturday
    assert format_span(start, start + timedelta(hours=4), "America/Chicago", now) == (
        "Sat, Nov 1, 11:00 PM CDT – Sun, Nov 2, 2:00 AM CST"
    )


# ---- the finder --------------------------------------------------------------------------------


async def test_finder_by_postal_code_lists_near_public_events_only(client: httpx.AsyncClient) -> None:
    membership, _ = await make_organizer()
    group = await make_group(membership)
    near = await make_event(group, title="Lincoln Park picket")
    far = await make_event(group, title="Manhattan rally", postal_code="10001", lat=40.7484, lon=-73.9967)
    private = await make_event(group, title="Steward meeting", visibility="private")
    unlisted = await make_event(group, title="Unlisted canvass", visibility="unlisted")
    cancelled = await make_event(group, title="Called-off rally", status=EventStatus.CANCELLED)
    over = await make_event(group, title="Yesterday's picket")
    for event in (near, far, private, unlisted, cancelled):
        await make_shift(event)
    await make_shift(over, starts_at=soon(-30))

    r = await client.get("/", params={"postal_code": "60601", "radius_km": "25"})
    assert r.status_code == 200, r.text
    assert titles(r.text) == ["Lincoln Park picket"]
    assert re.search(r"\d+\.\d km away", r.text)
    assert "Hosted by Test Group" in r.text and "Picket" in r.text and "Chicago" in r.text
    assert re.search(r"\b(CST|CDT)\b", r.text)  # the next shift in the event's own zone

    r = await client.get("/", params={"postal_code": "60601", "radius_km": "2000"})
    assert r.status_code == 422  # outside what the service accepts: said next to the field, not a 500
    assert 'aria-invalid="true"' in r.text and "between 1 and 1000 km" in r.text

    r = await client.get("/")  # no postal code: every upcoming public event
    assert sorted(titles(r.text)) == ["Lincoln Park picket", "Manhattan rally"]


async def test_finder_without_postal_code_is_soonest_first_and_filters_by_campaign(client: httpx.AsyncClient) -> None:
    membership, _ = await make_organizer()
    group = await make_group(membership)
    campaign = await make_campaign(membership, slug="may-day")
    later = await make_event(group, title="Later action", campaign=campaign)
    sooner = await make_event(group, title="Sooner action")
    await make_shift(later, starts_at=soon(72))
    await make_shift(sooner, starts_at=soon(5))

    r = await client.get("/")
    assert titles(r.text) == ["Sooner action", "Later action"]
    r = await client.get("/", params={"campaign": "may-day"})
    assert titles(r.text) == ["Later action"]
    assert 'name="campaign" value="may-day"' in r.text  # the search form keeps the campaign


async def test_finder_unknown_postal_code_is_a_clear_message(client: httpx.AsyncClient) -> None:
    r = await client.get("/", params={"postal_code": "00000"})
    assert r.status_code == 422
    assert "We don" in r.text and "00000" in r.text
    assert '<form class="finder' in r.text and 'aria-describedby="f-postal_code-error"' in r.text
    r = await client.get("/", params={"radius_km": "far"})
    assert r.status_code == 422 and "kilometres" in r.text


# ---- the event page ----------------------------------------------------------------------------


async def test_event_page_shows_local_times_across_zones(client: httpx.AsyncClient) -> None:
    membership, _ = await make_organizer()
    group = await make_group(membership)
    chicago = await make_event(group, title="Chicago rally")
    paris = await make_event(group, title="Paris rally", timezone="Europe/Paris")
    await make_shift(chicago, starts_at=FUTURE, hours=2)
    await make_shift(paris, starts_at=FUTURE, hours=2)

    r = await client.get(f"/events/{chicago.id}")
    assert r.status_code == 200
    assert "<span>Thu,</span> <span>May 1, 2031</span>" in r.text and ">10 AM–12 PM<" in r.text
    assert "local time: America/Chicago (CDT)." in r.text
    assert 'datetime="2031-05-01T10:00:00-05:00"' in r.text
    r = await client.get(f"/events/{paris.id}")
    assert ">5–7 PM<" in r.text and "local time: Europe/Paris (CEST)." in r.text


async def test_event_page_content_consent_and_no_private_instructions(client: httpx.AsyncClient, app: Any) -> None:
    membership, _ = await make_organizer()
    group = await make_group(membership)
    event = await make_event(
        group,
        title="Picket at Gate 3",
        description="Bring water.\nWear red.",
        instructions="Gate code 4471; park behind the union hall",
        venue="Plant gate 3",
        address="1200 W Fullerton Ave",
        virtual_url="https://meet.example.org/strike",
    )
    shift = await make_shift(event, capacity=3)
    r = await client.get(f"/events/{event.id}")
    assert r.status_code == 200
    page = r.text
    for text in ("Picket at Gate 3", "Bring water.", "Plant gate 3", "1200 W Fullerton Ave", "Chicago", "Test Group"):
        assert text in page
    assert 'href="https://meet.example.org/strike"' in page
    assert "3 seats left" in page
    assert f'name="shift" id="f-shift-{shift.id}" value="{shift.id}"' in page
    assert f'href="/feeds/events/{event.id}.ics"' in page and "Add to calendar (.ics)" in page
    assert "Gate code" not in page and "4471" not in page
    assert f'action="/events/{event.id}/signup"' in page and CSRF.search(page)
    consent = app.state.settings.sms_consent_text
    assert f'<label for="f-sms_opt_in">{html.escape(consent, quote=False)}</label>' in page
    # the finder never shows instructions either
    assert "4471" not in (await client.get("/")).text


async def test_private_is_404_unlisted_shown_at_its_token_cancelled_has_banner_and_no_form(
    client: httpx.AsyncClient,
) -> None:
    membership, _ = await make_organizer()
    group = await make_group(membership)
    private = await make_event(group, visibility="private")
    unlisted = await make_event(group, title="Quiet canvass", visibility="unlisted")
    cancelled = await make_event(group, title="Rally", status=EventStatus.CANCELLED)
    for event in (private, unlisted, cancelled):
        await make_shift(event)

    assert (await client.get(f"/events/{private.id}")).status_code == 404
    assert (await client.get("/events/999999")).status_code == 404
    assert (await client.get(f"/events/{unlisted.id}")).status_code == 404
    assert (await client.get(f"/events/{private.id}-{private.share_token}")).status_code == 404
    r = await client.get(f"/events/{unlisted.id}-{unlisted.share_token}")
    assert r.status_code == 200 and "Quiet canvass" in r.text and 'content="noindex"' in r.text
    assert r.headers["referrer-policy"] == "no-referrer"  # the token stays off other sites' logs
    r = await client.get(f"/events/{cancelled.id}")
    assert r.status_code == 200
    assert "This action is cancelled" in r.text
    assert "/signup" not in r.text and not CSRF.search(r.text)


# ---- signing up --------------------------------------------------------------------------------


async def test_signup_with_csrf_creates_signup_and_consent_record(client: httpx.AsyncClient, app: Any) -> None:
    w = await make_world()
    event, shift = w["event"], w["shift"]
    r = await web_signup(client, event.id, shift.id, sms_opt_in="yes", referrer="flyer")
    assert r.status_code == 303, r.text
    assert r.headers["location"] == f"/events/{event.id}/signed-up"

    signup = await Signup.get(shift_id=shift.id).prefetch_related("volunteer")
    assert signup.status == SignupStatus.SIGNED_UP and signup.source == SignupSource.WEB
    assert signup.referrer == "flyer"
    volunteer = signup.volunteer
    assert volunteer.phone == "+13125550142" and volunteer.email == "rosa@example.org"
    consent = await ConsentRecord.get(volunteer_id=volunteer.id)
    assert consent.words == app.state.settings.sms_consent_text
    assert consent.source == "web_form"
    assert consent.ip == "127.0.0.1"
    assert consent.user_agent == BROWSER["User-Agent"]
    sent = await Message.filter(signup_id=signup.id, kind="confirmation").values_list("channel", "kind")
    assert sorted((str(c), str(k)) for c, k in sent) == [("email", "confirmation"), ("sms", "confirmation")]

    r = await client.get(r.headers["location"])
    assert r.status_code == 200
    assert "You're signed up" in r.text and "Rosa Parks" in r.text
    assert volunteer.manage_token not in r.text  # the link goes to the phone and email on file, never to the page
    confirmation = await Message.get(signup_id=signup.id, kind="confirmation", channel="sms")
    assert f"/signups/{volunteer.manage_token}" in confirmation.body
    assert r.headers["cache-control"] == "no-store"


async def test_signup_without_consent_records_none(client: httpx.AsyncClient) -> None:
    w = await make_world()
    r = await web_signup(client, w["event"].id, w["shift"].id)
    assert r.status_code == 303
    assert await ConsentRecord.all().count() == 0


async def test_known_volunteer_gets_no_manage_link_on_the_page(client: httpx.AsyncClient) -> None:
    w = await make_world()
    other_shift = await make_shift(w["event"], starts_at=soon(48))
    existing = await sign_up(other_shift.id, Contact(name="Rosa", phone="+13125550142"), source=SignupSource.SMS)
    r = await web_signup(client, w["event"].id, w["shift"].id, email="")
    assert r.status_code == 303
    r = await client.get(r.headers["location"])
    assert "You're signed up" in r.text
    assert existing.volunteer.manage_token not in r.text and "/signups/" not in r.text
    assert "by text message or email" in r.text


async def test_missing_or_wrong_csrf_is_403_and_writes_nothing(client: httpx.AsyncClient) -> None:
    w = await make_world()
    await csrf_from(client, f"/events/{w['event'].id}")  # the session has a token; the form does not send it
    r = await client.post(f"/events/{w['event'].id}/signup", data=signup_form(w["shift"].id, None))
    assert r.status_code == 403
    assert "nothing was saved" in r.text
    r = await client.post(f"/events/{w['event'].id}/signup", data=signup_form(w["shift"].id, "forged-é"))
    assert r.status_code == 403
    assert await counts() == (0, 0, 0)


async def test_invalid_phone_is_422_with_the_message_next_to_the_field(client: httpx.AsyncClient) -> None:
    w = await make_world()
    r = await web_signup(client, w["event"].id, w["shift"].id, phone="12", sms_opt_in="yes")
    assert r.status_code == 422
    assert '<p class="error" id="f-phone-error"><span class="sr-only">Error: </span>Not a valid phone number.</p>' in (
        r.text
    )
    phone_input = re.search(r'<input id="f-phone"[^>]*>', r.text)
    assert phone_input is not None
    assert 'aria-invalid="true"' in phone_input.group(0) and "f-phone-error" in phone_input.group(0)
    assert 'value="12"' in phone_input.group(0)
    assert 'id="f-name" name="name" type="text" value="Rosa Parks"' in r.text  # the rest is kept
    assert 'name="sms_opt_in" value="yes" checked' in r.text
    assert await counts() == (0, 0, 0)


async def test_no_contact_and_no_shift_are_422(client: httpx.AsyncClient) -> None:
    w = await make_world()
    r = await web_signup(client, w["event"].id, w["shift"].id, phone="", email="")
    assert r.status_code == 422
    assert 'id="f-contact-error"' in r.text and "phone number or an email address" in r.text
    r = await web_signup(client, w["event"].id, 0)
    assert r.status_code == 422 and 'id="f-shift-error"' in r.text
    assert await counts() == (0, 0, 0)


async def test_full_shift_gives_a_waitlist_confirmation(client: httpx.AsyncClient) -> None:
    w = await make_world(capacity=1)
    r = await web_signup(client, w["event"].id, w["shift"].id)
    assert r.status_code == 303
    r = await web_signup(client, w["event"].id, w["shift"].id, phone="312-555-0188", email="b@example.org")
    assert r.status_code == 303
    r = await client.get(r.headers["location"])
    assert "You're on the waitlist" in r.text and "number 1" in r.text
    r = await client.get(f"/events/{w['event'].id}")
    assert "Full — join the waitlist" in r.text


async def test_same_person_twice_is_a_friendly_409(client: httpx.AsyncClient) -> None:
    w = await make_world()
    assert (await web_signup(client, w["event"].id, w["shift"].id)).status_code == 303
    r = await web_signup(client, w["event"].id, w["shift"].id, name="Someone Else")
    assert r.status_code == 409
    assert "already signed up" in r.text
    assert await Signup.all().count() == 1


async def test_cancelled_event_refuses_signups(client: httpx.AsyncClient) -> None:
    w = await make_world()
    token = await csrf_from(client, f"/events/{w['event'].id}")
    w["event"].status = EventStatus.CANCELLED
    await w["event"].save()
    r = await client.post(f"/events/{w['event'].id}/signup", data=signup_form(w["shift"].id, token))
    assert r.status_code == 409 and "cancelled" in r.text
    assert await counts() == (0, 0, 0)


async def test_confirmation_page_needs_this_browsers_recent_signup(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = await make_world()
    done = f"/events/{w['event'].id}/signed-up"
    r = await client.get(done)
    assert r.status_code == 303 and r.headers["location"] == f"/events/{w['event'].id}"
    assert (await web_signup(client, w["event"].id, w["shift"].id)).status_code == 303
    assert (await client.get(done)).status_code == 200
    assert (await client.get(f"/events/{w['event'].id + 1000}/signed-up")).status_code == 303  # not this event
    monkeypatch.setattr(pages, "DONE_TTL_SECONDS", 0)  # an hour later, on a shared computer
    r = await client.get(done)
    assert r.status_code == 303 and "/signups/" not in r.text


async def test_rate_limit_keeps_the_form_and_says_when(migrated: str) -> None:
    application = create_app(make_settings(migrated, PUBLIC_SIGNUP_RATE_LIMIT_IP="1/hour"), manage_db=False)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url=PUBLIC) as client:
            w = await make_world()
            assert (await web_signup(client, w["event"].id, w["shift"].id)).status_code == 303
            r = await web_signup(client, w["event"].id, w["shift"].id, phone="312-555-0188", email="")
            assert r.status_code == 429
            assert int(r.headers["retry-after"]) > 0
            assert "try again in" in r.text and 'value="312-555-0188"' in r.text
    assert await Signup.all().count() == 1


async def test_static_css_and_styled_error_pages(client: httpx.AsyncClient) -> None:
    r = await client.get("/")
    css = re.search(r'<link rel="stylesheet" href="([^"]+)">', r.text)
    assert css is not None
    r = await client.get(css.group(1))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/css")
    r = await client.get("/events/424242")
    assert r.status_code == 404 and "<h1>Page not found</h1>" in r.text and "/static/site.css" in r.text


# ---- a volunteer's own page --------------------------------------------------------------------


async def test_manage_page_lists_drop_promotes_waitlist(client: httpx.AsyncClient) -> None:
    w = await make_world(capacity=1)
    w["event"].instructions = "Meet at the north door"
    await w["event"].save()
    first = await sign_up(w["shift"].id, Contact(name="Ana", phone="+13125550101"), source=SignupSource.WEB)
    waiting = await sign_up(w["shift"].id, Contact(name="Ben", email="ben@example.org"), source=SignupSource.WEB)
    assert waiting.signup.status == SignupStatus.WAITLISTED
    past_shift = await make_shift(w["event"], starts_at=soon(-30))
    await Signup.create(
        shift=past_shift, volunteer=first.volunteer, holder=None, status=SignupStatus.ATTENDED, source="web"
    )
    token = first.volunteer.manage_token

    r = await client.get(f"/signups/{token}")
    assert r.status_code == 200
    assert "Ana, your shifts" in r.text and "Picket at the gate" in r.text
    assert "Signed up" in r.text and "Attended" in r.text and "Past shifts" in r.text
    assert re.search(r"\b(CST|CDT)\b", r.text)
    assert "Meet at the north door" in r.text  # instructions are for people holding a seat
    assert r.headers["cache-control"] == "no-store" and r.headers["referrer-policy"] == "no-referrer"
    csrf = CSRF.search(r.text)
    assert csrf and f'action="/signups/{token}/drop/{first.signup.id}"' in r.text

    r = await client.post(f"/signups/{token}/drop/{first.signup.id}", data={"csrf_token": csrf.group(1)})
    assert r.status_code == 303 and r.headers["location"] == f"/signups/{token}"
    assert (await Signup.get(id=first.signup.id)).status == SignupStatus.CANCELLED
    assert (await Signup.get(id=waiting.signup.id)).status == SignupStatus.SIGNED_UP
    assert await Message.exists(signup_id=waiting.signup.id, kind=MessageKind.PROMOTED)  # Ben hears the news
    r = await client.get(r.headers["location"])
    assert "You dropped" in r.text and "Dropped" in r.text
    assert "Meet at the north door" not in r.text
    assert "You dropped" not in (await client.get(f"/signups/{token}")).text  # the message shows once


async def test_manage_drop_guards(client: httpx.AsyncClient) -> None:
    w = await make_world()
    mine = await sign_up(w["shift"].id, Contact(name="Ana", phone="+13125550101"), source=SignupSource.WEB)
    theirs = await sign_up(w["shift"].id, Contact(name="Ben", phone="+13125550102"), source=SignupSource.WEB)
    token = mine.volunteer.manage_token
    csrf = await csrf_from(client, f"/signups/{token}")

    r = await client.post(f"/signups/{token}/drop/{theirs.signup.id}", data={"csrf_token": csrf})
    assert r.status_code == 404
    r = await client.post(f"/signups/{token}/drop/{mine.signup.id}", data={})
    assert r.status_code == 403
    assert (await Signup.get(id=theirs.signup.id)).status == SignupStatus.SIGNED_UP
    assert (await Signup.get(id=mine.signup.id)).status == SignupStatus.SIGNED_UP
    r = await client.post(f"/signups/not-a-token/drop/{mine.signup.id}", data={"csrf_token": csrf})
    assert r.status_code == 404
    assert (await client.get("/signups/not-a-token")).status_code == 404
    assert (await client.get("/signups/" + "x" * 300)).status_code == 404


async def test_manage_confirm(client: httpx.AsyncClient) -> None:
    w = await make_world()
    mine = await sign_up(w["shift"].id, Contact(name="Ana", email="ana@example.org"), source=SignupSource.WEB)
    token = mine.volunteer.manage_token
    csrf = await csrf_from(client, f"/signups/{token}")
    r = await client.post(f"/signups/{token}/confirm/{mine.signup.id}", data={"csrf_token": csrf})
    assert r.status_code == 303
    assert (await Signup.get(id=mine.signup.id)).status == SignupStatus.CONFIRMED
    r = await client.get(f"/signups/{token}")
    assert "You confirmed" in r.text and "Confirmed" in r.text


def feed_path(app: Any, token: str) -> str | None:
    try:
        return str(app.url_path_for("feeds:volunteer", token=token))
    except NoMatchFound:  # the feed route is not there yet: the page says so instead of linking
        return None


async def test_rotate_feed_token(client: httpx.AsyncClient, app: Any) -> None:
    w = await make_world()
    mine = await sign_up(w["shift"].id, Contact(name="Ana", phone="+13125550101"), source=SignupSource.WEB)
    token, old_feed = mine.volunteer.manage_token, mine.volunteer.feed_token
    csrf = await csrf_from(client, f"/signups/{token}")
    r = await client.post(f"/signups/{token}/calendar/rotate", data={})
    assert r.status_code == 403
    assert (await Volunteer.get(id=mine.volunteer.id)).feed_token == old_feed
    r = await client.post(f"/signups/{token}/calendar/rotate", data={"csrf_token": csrf})
    assert r.status_code == 303 and r.headers["location"] == f"/signups/{token}"
    volunteer = await Volunteer.get(id=mine.volunteer.id)
    assert volunteer.feed_token != old_feed and len(volunteer.feed_token) >= 32
    assert volunteer.manage_token == token  # the page link itself does not change
    r = await client.get(f"/signups/{token}")
    assert "new private link" in r.text and old_feed not in r.text
    new_path = feed_path(app, volunteer.feed_token)
    if new_path:
        assert f'value="{PUBLIC}{new_path}"' in r.text
        assert 'href="webcal://' + PUBLIC.split("://", 1)[1] + new_path + '"' in r.text
    else:
        assert "not available yet" in r.text


async def test_address_after_signup_is_hidden_from_the_public_page(client: httpx.AsyncClient) -> None:
    from tests.factories import make_shift, make_world

    w = await make_world()
    w["event"].address = "2525 S Secret Ave"
    w["event"].address_after_signup = True
    await w["event"].save()
    await make_shift(w["event"])
    page = await client.get(f"/events/{w['event'].id}")
    assert page.status_code == 200 and "Secret Ave" not in page.text
    r = await client.post(
        f"/api/v1/shifts/{w['shift'].id}/signups", json={"volunteer": {"phone": "3125550177"}}, headers=w["headers"]
    )
    own = await client.get(r.json()["manage_url"].removeprefix("http://testserver"))
    assert "Secret Ave" in own.text


async def test_event_page_offers_calendar_links(client: httpx.AsyncClient) -> None:
    from urllib.parse import parse_qs, urlsplit

    from tests.factories import make_world

    w = await make_world()
    page = await client.get(f"/events/{w['event'].id}")
    assert page.status_code == 200
    group, campaign = w["group"].slug, w["campaign"].slug
    assert f"webcal://testserver/feeds/organizations/local-100/groups/{group}.ics" in page.text
    assert f"http://testserver/feeds/organizations/local-100/campaigns/{campaign}.ics" in page.text
    # Google Calendar links go with the shifts just signed up for, on the page that confirms them.
    done = await web_signup(client, w["event"].id, w["shift"].id)
    confirmed = await client.get(done.headers["location"])
    google = re.search(r'href="(https://calendar\.google\.com/calendar/render\?[^"]+)"', confirmed.text)
    assert google is not None
    query = parse_qs(urlsplit(google.group(1).replace("&amp;", "&")).query)
    assert query["text"] == ["Picket at the gate"] and query["ctz"] == ["America/Chicago"]
    for link in (
        f"/feeds/organizations/local-100/groups/{group}.ics",
        f"/feeds/organizations/local-100/campaigns/{campaign}.ics",
    ):
        r = await client.get(link)
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/calendar")
