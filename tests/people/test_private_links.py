"""A volunteer's private links (page and feed): rotated on demand, expired when unused for LINK_IDLE, and replaced
by the next sign-up so its confirmation carries one that works."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from mobilize.models import Message, Volunteer
from mobilize.services.people.links import LINK_IDLE
from tests.factories import make_shift, make_world, volunteer_body

API = "/api/v1"


async def test_links_expire_unused_and_the_next_signup_sends_fresh_ones(client: httpx.AsyncClient) -> None:
    w = await make_world()
    r = await client.post(f"{API}/shifts/{w['shift'].id}/signups", json=volunteer_body(1), headers=w["headers"])
    assert r.status_code == 201, r.text
    person = await Volunteer.get(id=r.json()["volunteer"]["id"])
    old_page, old_feed = person.manage_token, person.feed_token
    assert (await client.get(f"/signups/{old_page}")).status_code == 200
    assert (await client.get(f"/feeds/volunteers/{old_feed}.ics")).status_code == 200

    unused = datetime.now(UTC) - LINK_IDLE - timedelta(days=1)
    await Volunteer.filter(id=person.id).update(manage_token_seen_at=unused, feed_token_seen_at=unused)
    page = await client.get(f"/signups/{old_page}")
    assert page.status_code == 404 and "expired" in page.text
    assert (await client.get(f"/feeds/volunteers/{old_feed}.ics")).status_code == 404

    other = await make_shift(w["event"])
    r = await client.post(f"{API}/shifts/{other.id}/signups", json=volunteer_body(1), headers=w["headers"])
    assert r.status_code == 201, r.text
    fresh = await Volunteer.get(id=person.id)
    assert fresh.manage_token != old_page and fresh.feed_token != old_feed
    confirmation = await Message.get(signup_id=r.json()["id"], kind="confirmation", channel="email")
    assert f"/signups/{fresh.manage_token}" in confirmation.body and old_page not in confirmation.body
    assert (await client.get(f"/signups/{fresh.manage_token}")).status_code == 200
    assert (await client.get(f"/feeds/volunteers/{fresh.feed_token}.ics")).status_code == 200


async def test_an_organizer_rotates_the_page_link(client: httpx.AsyncClient) -> None:
    w = await make_world()
    r = await client.post(f"{API}/shifts/{w['shift'].id}/signups", json=volunteer_body(2), headers=w["headers"])
    volunteer_id = r.json()["volunteer"]["id"]
    old = (await Volunteer.get(id=volunteer_id)).manage_token
    r = await client.post(f"{API}/volunteers/{volunteer_id}/rotate-link", headers=w["headers"])
    assert r.status_code == 200, r.text
    new = (await Volunteer.get(id=volunteer_id)).manage_token
    assert new != old and r.json()["manage_url"].endswith(f"/signups/{new}")
    assert (await client.get(f"/signups/{old}")).status_code == 404
    assert (await client.get(f"/signups/{new}")).status_code == 200
