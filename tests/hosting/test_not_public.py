"""Unverified, pending and rejected events are nowhere public: not in the finder, the public API, any feed,
nor at an event page or a sign-up address (plain or tokened); the same event once scheduled is in each."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from mobilize.models import Event, EventStatus
from tests.factories import make_world, volunteer_body

HIDDEN = [EventStatus.UNVERIFIED, EventStatus.PENDING, EventStatus.REJECTED]
TITLE = "Porch rally on Maple"


async def _world(status: EventStatus) -> dict[str, Any]:
    world = await make_world()
    event: Event = world["event"]
    event.title, event.status = TITLE, status
    await event.save()
    return world


async def _csrf(client: httpx.AsyncClient) -> str:
    page = await client.get("/login")
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found
    return found.group(1)


async def _public_answers(client: httpx.AsyncClient, world: dict[str, Any]) -> dict[str, bool]:
    """Where the event shows (True) on every public route and feed."""
    event, shift, group, campaign = world["event"], world["shift"], world["group"], world["campaign"]
    org = "local-100"
    seen: dict[str, bool] = {}
    for name, url in {
        "finder": "/",
        "finder-near": "/?near=60614",
        "api": "/api/v1/public/events",
        "api-near": "/api/v1/public/events?near=60614",
        "api-campaign": f"/api/v1/public/events?campaign={campaign.slug}",
        "feed-group": f"/feeds/groups/{group.slug}.ics",
        "feed-campaign": f"/feeds/campaigns/{campaign.slug}.ics",
        "feed-organization": f"/feeds/organizations/{org}.ics",
        "feed-org-group": f"/feeds/organizations/{org}/groups/{group.slug}.ics",
        "feed-org-campaign": f"/feeds/organizations/{org}/campaigns/{campaign.slug}.ics",
    }.items():
        r = await client.get(url)
        assert r.status_code == 200, (name, r.text)
        seen[name] = TITLE in r.text
    for name, url in {
        "page": f"/events/{event.id}",
        "page-shared": f"/events/{event.id}-{event.share_token}",
        "feed-event": f"/feeds/events/{event.id}.ics",
        "feed-event-shared": f"/feeds/events/{event.id}-{event.share_token}.ics",
    }.items():
        r = await client.get(url)
        assert r.status_code in (200, 404), (name, r.status_code)
        seen[name] = r.status_code == 200 and TITLE in r.text
    body = volunteer_body(7)
    for name, url in {
        "signup-api": f"/api/v1/public/shifts/{shift.id}/signups",
        "signup-api-shared": f"/api/v1/public/events/{event.id}-{event.share_token}/shifts/{shift.id}/signups",
    }.items():
        r = await client.post(url, json=body)
        assert r.status_code in (201, 404, 409), (name, r.text)
        seen[name] = r.status_code == 201
        body = volunteer_body(8)
    token = await _csrf(client)
    form = {"csrf_token": token, "shift": str(shift.id), "name": "Ida", "email": "ida@example.org"}
    r = await client.post(f"/events/{event.id}/signup", data=form)
    seen["signup-form"] = r.status_code == 303
    return seen


@pytest.mark.parametrize("status", HIDDEN, ids=lambda s: str(s))
async def test_an_unapproved_event_is_on_no_public_route_or_feed(
    client: httpx.AsyncClient, status: EventStatus
) -> None:
    world = await _world(status)
    seen = await _public_answers(client, world)
    assert not any(seen.values()), {k: v for k, v in seen.items() if v}


async def test_the_same_event_scheduled_is_on_every_one(client: httpx.AsyncClient) -> None:
    """The control: each check above would see the event if it were public."""
    world = await _world(EventStatus.SCHEDULED)
    seen = await _public_answers(client, world)
    assert all(seen.values()), {k: v for k, v in seen.items() if not v}


async def test_an_unpublished_event_leaves_its_volunteers_feeds_as_cancelled(client: httpx.AsyncClient) -> None:
    world = await _world(EventStatus.SCHEDULED)
    r = await client.post(f"/api/v1/public/shifts/{world['shift'].id}/signups", json=volunteer_body(3))
    assert r.status_code == 201
    from mobilize.models import Volunteer

    volunteer = await Volunteer.get(phone=volunteer_body(3)["volunteer"]["phone"])
    await Event.filter(id=world["event"].id).update(status=EventStatus.REJECTED, sequence=5)
    feed = await client.get(f"/feeds/volunteers/{volunteer.feed_token}.ics")
    assert feed.status_code == 200 and "STATUS:CANCELLED" in feed.text
