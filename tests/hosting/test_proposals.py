"""A campaign's hosting policy and the host's way in: closed refuses, review queues, open publishes; the
email confirmation by link; trusted hosts; bad input named; the host's consent to the terms recorded."""

from __future__ import annotations

import html
from dataclasses import replace
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from mobilize.models import (
    ConsentChannel,
    ConsentRecord,
    Event,
    EventStatus,
    HostedEvent,
    Message,
    MessageKind,
    Role,
    Volunteer,
)
from mobilize.schemas import LocationIn
from mobilize.services import events
from mobilize.services.hosting import DEFAULT_TERMS
from mobilize.services.ratelimit import MemoryLimiter
from tests.factories import make_organizer, make_world
from tests.hosting.helpers import PROPOSE, confirm_email, csrf_of, emails_to, hosting_world, in_days, proposal


async def test_a_campaign_is_closed_by_default_and_refuses_proposals(client: httpx.AsyncClient) -> None:
    world = await make_world()
    url = PROPOSE.format(org="local-100", slug=world["campaign"].slug)
    r = await client.post(url, json=proposal())
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "hosting_closed"
    assert (await client.get(f"/campaigns/local-100/{world['campaign'].slug}/host")).status_code == 403
    assert await Event.filter(title="House meeting on Elm St").count() == 0
    # An unknown campaign or organization is simply not found.
    assert (await client.post(PROPOSE.format(org="nope", slug="nope"), json=proposal())).status_code == 404
    policy = await client.get(f"/api/v1/campaigns/{world['campaign'].slug}/hosting", headers=world["headers"])
    assert policy.json()["mode"] == "closed"


async def test_review_keeps_the_proposal_unverified_then_pending_until_approved(client: httpx.AsyncClient) -> None:
    world = await hosting_world(client, "review")
    r = await client.post(world["propose"], json=proposal())
    assert r.status_code == 202
    assert r.json()["status"] == "unverified"
    event = await Event.get(id=r.json()["id"])
    assert event.status == EventStatus.UNVERIFIED and event.group_id == world["group"].id
    [confirmation] = await emails_to("host@example.org")
    assert "/host/confirm/" in confirmation.body
    # Nobody hears of it before the host proves their email.
    await world["membership"].fetch_related("organizer")
    assert not await Message.filter(to_address=world["membership"].organizer.email).exists()
    done = await confirm_email(client, "host@example.org")
    assert done.status_code == 200 and "waits for an organizer" in done.text
    assert done.headers["x-robots-tag"] == "noindex"
    await event.refresh_from_db()
    assert event.status == EventStatus.PENDING
    [told] = await Message.filter(to_address=world["membership"].organizer.email, kind=MessageKind.HOSTING)
    assert "To approve" in told.subject and f"/dashboard/events/{event.id}" in told.body
    # The host got their page link.
    assert any("/host/events/" in m.body for m in await emails_to("host@example.org"))
    # A second click changes nothing and sends nothing more.
    before = await Message.all().count()
    again = await confirm_email(client, "host@example.org")
    assert again.status_code == 200 and "used already" in again.text
    assert await Message.all().count() == before


async def test_open_publishes_once_the_email_is_confirmed(client: httpx.AsyncClient) -> None:
    world = await hosting_world(client, "open")
    r = await client.post(world["propose"], json=proposal())
    event_id = r.json()["id"]
    assert (await client.get(f"/events/{event_id}")).status_code == 404  # not before the email is confirmed
    await confirm_email(client, "host@example.org")
    event = await Event.get(id=event_id)
    assert event.status == EventStatus.SCHEDULED
    page = await client.get(f"/events/{event_id}")
    assert page.status_code == 200 and "House meeting on Elm St" in page.text
    assert "Share my phone number and email with the host" in page.text


async def test_the_host_is_a_person_of_the_organization_with_their_consent_to_the_terms(
    client: httpx.AsyncClient,
) -> None:
    world = await hosting_world(client, "review", terms="I promise to be kind.")
    await client.post(world["propose"], json=proposal(), headers={"user-agent": "test-agent"})
    host = await Volunteer.get(organization_id=world["group"].organization_id, email="host@example.org")
    [consent] = await ConsentRecord.filter(volunteer_id=host.id)
    assert consent.channel == ConsentChannel.HOST_TERMS
    assert consent.words == "I promise to be kind."
    assert consent.user_agent == "test-agent"
    hosted = await HostedEvent.get(volunteer_id=host.id)
    assert hosted.host_phone == "+13125550100" and hosted.verify_token_hash and hosted.verified_at is None


async def test_default_terms_are_the_words_shown(client: httpx.AsyncClient) -> None:
    world = await hosting_world(client, "review")
    page = await client.get(world["host_form"])
    assert page.status_code == 200 and DEFAULT_TERMS in html.unescape(page.text)


async def test_a_retried_proposal_is_the_same_proposal(client: httpx.AsyncClient) -> None:
    world = await hosting_world(client, "review")
    first = await client.post(world["propose"], json=proposal())
    second = await client.post(world["propose"], json=proposal())
    assert first.json()["id"] == second.json()["id"]
    assert await HostedEvent.all().count() == 1
    # The newest link works (the first one was replaced).
    assert (await confirm_email(client, "host@example.org")).status_code == 200


async def test_bad_input_answers_422_naming_the_field_and_writes_nothing(client: httpx.AsyncClient) -> None:
    world = await hosting_world(client, "review", event_types=["meeting", "canvass"])
    cases: list[tuple[dict[str, Any], str]] = [
        (proposal(title=""), "title"),
        (proposal(timezone="Mars/Olympus"), "timezone"),
        (proposal(shifts=[]), "shifts"),
        (proposal(host={"name": "A", "email": "not-an-email"}), "host.email"),
        (proposal(host={"name": "A", "email": "a@example.org", "phone": "12"}), "host.phone"),
        (proposal(agree_to_terms=False), "agree_to_terms"),
        (proposal(event_type="rally"), "event_type"),
        (proposal(location=None), "location"),
        (proposal(virtual_url="ftp://x"), "virtual_url"),
        (proposal(shifts=[{"starts_at": in_days(3).isoformat(), "ends_at": in_days(2).isoformat(), "capacity": 5}]),
         "shifts.0.ends_at"),
    ]  # fmt: skip
    for body, field in cases:
        r = await client.post(world["propose"], json=body)
        assert r.status_code == 422, (field, r.text)
        assert field in r.json()["error"]["fields"], (field, r.json())
    assert await HostedEvent.all().count() == 0
    assert await Event.filter(status=EventStatus.UNVERIFIED).count() == 0


async def test_shifts_must_fall_inside_the_campaigns_dates(client: httpx.AsyncClient) -> None:
    world = await hosting_world(client, "review")
    campaign = world["campaign"]
    campaign.starts_on = in_days(10).date()
    await campaign.save()
    r = await client.post(world["propose"], json=proposal())
    assert r.status_code == 422 and "shifts.0.starts_at" in r.json()["error"]["fields"]


async def test_proposals_are_rate_limited_per_email_and_per_address(client: httpx.AsyncClient, app: Any) -> None:
    world = await hosting_world(client, "review")
    settings = app.state.settings
    app.state.settings = replace(settings, host_proposal_rate_email=(3, 3600), host_proposal_rate_ip=(5, 3600))
    limiter, app.state.limiter = app.state.limiter, MemoryLimiter()
    try:
        answers = [
            (
                await client.post(world["propose"], json=proposal(title=f"M{i}", email=f"h{i // 4}@example.org"))
            ).status_code
            for i in range(7)
        ]
    finally:
        app.state.settings, app.state.limiter = settings, limiter
    assert answers == [202, 202, 202, 429, 202, 429, 429]
    assert (await client.post(world["propose"], json=proposal(title="later"))).status_code == 202


async def test_only_managers_set_the_policy_and_it_names_a_group_of_the_organization(client: httpx.AsyncClient) -> None:
    world = await make_world()
    _, viewer = await make_organizer(role=Role.VIEWER)
    url = f"/api/v1/campaigns/{world['campaign'].slug}/hosting"
    r = await client.put(
        url, json={"mode": "open", "group": world["group"].slug}, headers={"Authorization": f"Bearer {viewer}"}
    )
    assert r.status_code == 403
    r = await client.put(url, json={"mode": "open", "group": "no-such-group"}, headers=world["headers"])
    assert r.status_code == 422 and "group" in r.json()["error"]["fields"]
    r = await client.put(url, json={"mode": "sometimes"}, headers=world["headers"])
    assert r.status_code == 422 and "mode" in r.json()["error"]["fields"]


async def test_the_host_form_names_what_is_wrong_and_sends_a_good_proposal(client: httpx.AsyncClient) -> None:
    world = await hosting_world(client, "review")
    token = await csrf_of(client, world["host_form"])
    start = in_days(4).strftime("%Y-%m-%dT%H:%M")
    end = in_days(4, hour=19).strftime("%Y-%m-%dT%H:%M")
    form = {
        "csrf_token": token, "title": "Block party", "event_type": "meeting", "timezone": "America/Chicago",
        "city": "Chicago", "postal_code": "60614", "shift_0_start": start, "shift_0_end": end,
        "shift_0_capacity": "15", "host_name": "Ana Host", "host_email": "not-an-email",
    }  # fmt: skip
    r = await client.post(world["host_form"], data=form)
    assert r.status_code == 422 and 'data-field="host.email"' in r.text
    r = await client.post(world["host_form"], data=form | {"host_email": "ana@example.org"})
    assert r.status_code == 422 and 'data-field="agree_to_terms"' in r.text
    assert await HostedEvent.all().count() == 0
    r = await client.post(world["host_form"], data=form | {"host_email": "ana@example.org", "agree": "yes"})
    assert r.status_code == 202 and "Check your email" in r.text
    event = await Event.get(title="Block party").prefetch_related("shifts")
    assert event.status == EventStatus.UNVERIFIED and event.shifts[0].capacity == 15  # type: ignore[index]


@pytest.mark.parametrize("zone", ["Mars/Olympus", "posix/America/Chicago", "localtime", ""])
async def test_the_host_form_refuses_a_zone_the_api_refuses_and_reads_times_in_a_good_one(
    client: httpx.AsyncClient, zone: str
) -> None:
    world = await hosting_world(client, "review")
    token = await csrf_of(client, world["host_form"])
    start, end = in_days(4).replace(tzinfo=None), in_days(4, hour=19).replace(tzinfo=None)
    form = {
        "csrf_token": token, "title": "Block party", "event_type": "meeting", "timezone": zone, "city": "Chicago",
        "postal_code": "60614", "shift_0_start": start.strftime("%Y-%m-%dT%H:%M"),
        "shift_0_end": end.strftime("%Y-%m-%dT%H:%M"), "shift_0_capacity": "15", "host_name": "Ana Host",
        "host_email": "ana@example.org", "agree": "yes",
    }  # fmt: skip
    r = await client.post(world["host_form"], data=form)
    assert r.status_code == 422 and 'data-field="timezone"' in r.text
    # the zone alone is named, in the API's words: the shifts' times, read in UTC meanwhile, pass
    assert '<li data-field="timezone">timezone: Unknown IANA time zone.</li>' in r.text
    assert r.text.count("<li data-field=") == 1
    assert await HostedEvent.all().count() == 0
    api = await client.post(world["propose"], json=proposal(timezone=zone))
    assert api.status_code == 422 and api.json()["error"]["fields"]["timezone"] == "unknown IANA time zone"
    r = await client.post(world["host_form"], data=form | {"timezone": "America/Chicago"})
    assert r.status_code == 202, r.text
    event = await Event.get(title="Block party").prefetch_related("shifts")
    assert event.shifts[0].starts_at == start.replace(tzinfo=ZoneInfo("America/Chicago"))  # type: ignore[index]


async def test_a_proposal_is_placed_by_the_rule_that_places_organizers_events(client: httpx.AsyncClient) -> None:
    world = await hosting_world(client)
    place = {"venue": "My living room", "city": "Chicago", "postal_code": "60614"}
    r = await client.post(world["propose"], json=proposal(location=place))
    assert r.status_code == 202, r.text
    hosted = await Event.get(id=r.json()["id"])
    r = await client.post(
        "/api/v1/events",
        headers=world["headers"],
        json={"title": "Rally", "group": world["group"].slug, "timezone": "America/Chicago", "location": place},
    )
    assert r.status_code == 201, r.text
    organized = await Event.get(id=r.json()["id"])
    expected = Event()
    events.apply_location(expected, LocationIn(**place))
    assert expected.lat is not None and expected.lon is not None  # the postal code's centre, no point given
    for event in (hosted, organized):
        assert {k: getattr(event, k) for k in events.LOCATION_FIELDS} == {
            k: getattr(expected, k) for k in events.LOCATION_FIELDS
        }
