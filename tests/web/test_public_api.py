"""The public side of the API: event search near a postal code, embeds signing up, rate limits."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from mobilize.web.api import public as public_api
from tests.factories import make_event, make_group, make_organizer, make_shift, make_world


async def test_public_events_near_postal_code(client: httpx.AsyncClient) -> None:
    w = await make_world()  # a public event in Chicago (60614)
    far_group = await make_group(w["membership"], postal_code="10001")
    far = await make_event(far_group, title="New York rally", postal_code="10001", lat=40.7506, lon=-73.9972)
    await make_shift(far)
    private = await make_event(w["group"], title="Private meeting", visibility="private")
    await make_shift(private)
    r = await client.get("/api/v1/public/events", params={"near": "60657", "radius_km": 25})
    assert r.status_code == 200, r.text
    titles = [e["title"] for e in r.json()["data"]]
    assert titles == ["Picket at the gate"]
    assert r.json()["data"][0]["distance_km"] < 25
    assert "instructions" not in r.json()["data"][0]
    r = await client.get("/api/v1/public/events", params={"near": "99999x"})
    assert r.status_code == 422 and "near" in r.json()["error"]["fields"]


async def test_a_public_list_is_kept_for_the_second_a_feeds_version_is(
    client: httpx.AsyncClient, public_window: Callable[..., None]
) -> None:
    w = await make_world()
    path = f"/api/v1/public/events?campaign={w['campaign'].slug}"
    first = await client.get(path)
    late = await make_event(w["group"], campaign=w["campaign"], title="Added a moment later")
    await make_shift(late)
    assert (await client.get(path)).content == first.content  # within the second: as built
    other = await client.get(path + "&radius_km=40")  # another address is its own list
    assert "Added a moment later" in other.text
    public_window(public_api._LISTS.kept)
    assert "Added a moment later" in (await client.get(path)).text
    for _ in range(2):  # an error is never kept
        r = await client.get("/api/v1/public/events?near=99999x")
        assert r.status_code == 422 and "near" in r.json()["error"]["fields"]
    assert not any("99999x" in address for address in public_api._LISTS.kept)


async def test_public_signup_does_not_leak_known_contact(client: httpx.AsyncClient) -> None:
    """The answer has one shape whether the person was known or not, and never holds their page's link (it goes
    to the phone or email on file, with the confirmation)."""
    w = await make_world()
    url = f"/api/v1/public/shifts/{w['shift'].id}/signups"
    first = await client.post(
        url, json={"volunteer": {"name": "Ana", "phone": "3125550101", "email": "ana@example.org"}}
    )
    assert first.status_code == 201, first.text
    other = await make_shift(w["event"])
    r = await client.post(
        f"/api/v1/public/shifts/{other.id}/signups", json={"volunteer": {"name": "Someone", "phone": "3125550101"}}
    )
    assert r.status_code == 201
    third = await make_shift(w["event"])
    fresh = await client.post(
        f"/api/v1/public/shifts/{third.id}/signups", json={"volunteer": {"name": "Someone", "phone": "3125550177"}}
    )
    assert fresh.status_code == 201

    def shape(body: dict[str, Any]) -> dict[str, Any]:
        return {k: (sorted(v) if isinstance(v, dict) else type(v).__name__) for k, v in body.items()}

    assert shape(r.json()) == shape(fresh.json()) == shape(first.json())
    for answer in (first, r, fresh):
        assert answer.json()["manage_url"] is None and answer.json()["volunteer"] == answer.json()["volunteer"]
    assert r.json()["volunteer"] == {"name": "Someone"}  # what was typed, not the name on file
    assert "ana@example.org" not in r.text and "Ana" not in r.text
    again = await client.post(url, json={"volunteer": {"name": "x", "phone": "3125550101"}})
    assert again.status_code == 409 and set(again.json()["error"]["fields"]) == {"volunteer"}  # no sign-up id


async def test_public_signup_rate_limited_per_phone(app: object, client: httpx.AsyncClient) -> None:
    from dataclasses import replace

    w = await make_world()
    settings = app.state.settings  # type: ignore[attr-defined]
    app.state.settings = replace(settings, public_signup_rate_phone=(2, 3600))  # type: ignore[attr-defined]
    try:
        codes = []
        for _ in range(3):
            shift = await make_shift(w["event"])
            r = await client.post(
                f"/api/v1/public/shifts/{shift.id}/signups", json={"volunteer": {"phone": "+13125550199"}}
            )
            codes.append(r.status_code)
        assert codes == [201, 201, 429]
        assert int(r.headers["retry-after"]) >= 1
        assert r.json()["error"]["code"] == "rate_limited"
    finally:
        app.state.settings = settings  # type: ignore[attr-defined]


async def test_private_event_shift_not_open_to_public(client: httpx.AsyncClient) -> None:
    membership, _ = await make_organizer("other-org")
    group = await make_group(membership)
    event = await make_event(group, visibility="private")
    shift = await make_shift(event)
    r = await client.post(f"/api/v1/public/shifts/{shift.id}/signups", json={"volunteer": {"phone": "3125550123"}})
    assert r.status_code == 404


async def test_a_shift_cancelled_a_moment_ago_takes_no_signup(client: httpx.AsyncClient) -> None:
    """The public endpoint reads shifts through a one-second cache; the sign-up itself re-checks."""
    w = await make_world()
    url = f"/api/v1/public/shifts/{w['shift'].id}/signups"
    assert (await client.post(url, json={"volunteer": {"phone": "3125550160"}})).status_code == 201
    r = await client.delete(f"/api/v1/shifts/{w['shift'].id}", headers=w["headers"])
    assert r.status_code == 200
    r = await client.post(url, json={"volunteer": {"phone": "3125550161"}})
    assert r.status_code == 409 and r.json()["error"]["code"] in ("shift_cancelled", "shift_closed")
    from mobilize.models import Signup, Volunteer

    assert await Signup.filter(shift_id=w["shift"].id, status="waitlisted").count() == 0
    assert not await Volunteer.exists(phone="+13125550161")  # nothing half-written
