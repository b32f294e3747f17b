"""The organizer API end to end: groups, campaigns, events with shifts, sign-ups, turnout."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx

from tests.clock import daytime
from tests.factories import auth, make_organizer, make_shift, make_world, start_shift, volunteer_body


async def test_create_group_campaign_event_with_shifts(client: httpx.AsyncClient) -> None:
    _, token = await make_organizer("uaw-local")
    h = auth(token)
    r = await client.post(
        "/api/v1/groups", json={"slug": "west-side", "name": "West Side", "postal_code": "60614"}, headers=h
    )
    assert r.status_code == 201, r.text
    assert r.json()["organization"] == "uaw-local"
    r = await client.post(
        "/api/v1/campaigns", json={"slug": "may-day", "name": "May Day", "starts_on": "2027-05-01"}, headers=h
    )
    assert r.status_code == 201, r.text
    body: dict[str, Any] = {
        "title": "Rally at City Hall",
        "event_type": "rally",
        "group": "west-side",
        "campaign": "may-day",
        "timezone": "America/Chicago",
        "location": {"venue": "City Hall", "postal_code": "60602"},
        "shifts": [
            {
                "starts_at": "2027-05-01T10:00:00-05:00",
                "ends_at": "2027-05-01T12:00:00-05:00",
                "capacity": 50,
                "target": 40,
            }
        ],
    }
    r = await client.post("/api/v1/events", json=body, headers=h)
    assert r.status_code == 201, r.text
    event = r.json()
    assert event["group"] == "west-side" and event["campaign"]["slug"] == "may-day"
    assert event["campaign"]["organization"]["slug"] == event["organization"]["slug"] == "uaw-local"
    assert event["location"]["lat"] is not None  # geocoded from the postal code, offline
    assert event["shifts"][0]["starts_at"] == "2027-05-01T10:00:00-05:00"
    assert event["shifts"][0]["counts"]["signed_up"] == 0
    assert len(event["shifts"][0]["code"]) == 6
    assert event["url"].startswith("http://testserver/events/")
    r = await client.get(f"/api/v1/events/{event['id']}", headers=h)
    assert r.json()["title"] == "Rally at City Hall"


async def test_signup_waitlist_and_promotion(client: httpx.AsyncClient) -> None:
    w = await make_world(capacity=2)
    url = f"/api/v1/shifts/{w['shift'].id}/signups"
    statuses = []
    for n in range(1, 5):
        r = await client.post(url, json=volunteer_body(n), headers=w["headers"])
        assert r.status_code == 201, r.text
        statuses.append(r.json()["status"])
    assert statuses == ["signed_up", "signed_up", "waitlisted", "waitlisted"]
    roster = (await client.get(url, headers=w["headers"])).json()["data"]
    first = roster[0]["id"]
    r = await client.patch(f"/api/v1/signups/{first}", json={"status": "cancelled"}, headers=w["headers"])
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    roster = {s["volunteer"]["name"]: s["status"] for s in (await client.get(url, headers=w["headers"])).json()["data"]}
    assert roster == {
        "Volunteer 1": "cancelled",
        "Volunteer 2": "signed_up",
        "Volunteer 3": "signed_up",
        "Volunteer 4": "waitlisted",
    }
    # cancelling twice is harmless
    r = await client.patch(f"/api/v1/signups/{first}", json={"status": "cancelled"}, headers=w["headers"])
    assert r.status_code == 200
    shift = (await client.get(f"/api/v1/shifts/{w['shift'].id}", headers=w["headers"])).json()
    assert shift["counts"] == {
        "signed_up": 2,
        "confirmed": 0,
        "waitlisted": 1,
        "cancelled": 1,
        "attended": 0,
        "no_show": 0,
    }


async def test_same_person_twice_is_409_and_matched_by_phone(client: httpx.AsyncClient) -> None:
    w = await make_world()
    url = f"/api/v1/shifts/{w['shift'].id}/signups"
    r = await client.post(url, json={"volunteer": {"name": "Ana", "phone": "(312) 555-0101"}}, headers=w["headers"])
    assert r.status_code == 201
    assert r.json()["volunteer"]["phone"] == "+13125550101"
    r = await client.post(url, json={"volunteer": {"name": "Ana", "phone": "+1 312 555 0101"}}, headers=w["headers"])
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "already_signed_up"
    vols = (await client.get("/api/v1/volunteers", headers=w["headers"])).json()["data"]
    assert len(vols) == 1


async def test_turnout_counts(client: httpx.AsyncClient) -> None:
    w = await make_world(capacity=5)
    url = f"/api/v1/shifts/{w['shift'].id}/signups"
    ids = []
    for n in range(1, 5):
        ids.append((await client.post(url, json=volunteer_body(n), headers=w["headers"])).json()["id"])
    await start_shift(w["shift"])
    for signup_id, status in zip(ids, ["attended", "attended", "no_show", "confirmed"], strict=True):
        r = await client.patch(f"/api/v1/signups/{signup_id}", json={"status": status}, headers=w["headers"])
        assert r.status_code == 200, r.text
    r = await client.get(f"/api/v1/turnout?group={w['group'].slug}", headers=w["headers"])
    assert r.status_code == 200, r.text
    totals = r.json()["totals"]
    assert totals["signups"] == 4 and totals["attended"] == 2 and totals["no_show"] == 1 and totals["confirmed"] == 1
    assert totals["show_rate"] == round(2 / 3, 4)


async def test_capacity_changes_respect_taken_seats_and_promote(client: httpx.AsyncClient) -> None:
    w = await make_world(capacity=2)
    url = f"/api/v1/shifts/{w['shift'].id}/signups"
    for n in range(1, 5):
        await client.post(url, json=volunteer_body(n), headers=w["headers"])
    shift_url = f"/api/v1/shifts/{w['shift'].id}"
    r = await client.patch(shift_url, json={"capacity": 1}, headers=w["headers"])
    assert r.status_code == 409 and r.json()["error"]["fields"] == {"capacity": "at least 2"}
    r = await client.patch(shift_url, json={"capacity": 3, "target": 3}, headers=w["headers"])
    assert r.status_code == 200, r.text
    assert r.json()["counts"]["signed_up"] == 3 and r.json()["counts"]["waitlisted"] == 1
    assert r.json()["capacity"] == 3 and r.json()["target"] == 3


@daytime
async def test_turnout_bounds_sent_with_an_offset_are_moments_not_text(client: httpx.AsyncClient) -> None:
    w = await make_world()
    late = await make_shift(w["event"], starts_at=datetime(2026, 6, 11, 3, tzinfo=UTC))  # 22:00 on the 10th, Chicago
    r = await client.post(f"/api/v1/shifts/{late.id}/signups", json=volunteer_body(1), headers=w["headers"])
    assert r.status_code == 201, r.text

    async def signups(query: str) -> int:
        r = await client.get(f"/api/v1/turnout?group={w['group'].slug}&{query}", headers=w["headers"])
        assert r.status_code == 200, r.text
        return int(r.json()["totals"]["signups"])

    assert await signups("from=2026-06-11T00:00:00-05:00") == 0  # 05:00 UTC: after the shift began
    assert await signups("to=2026-06-10T23:00:00-05:00&from=2026-06-10T21:00:00-05:00") == 1
