"""A convener with a campaign and a partner organization, for the coalition tests."""

from __future__ import annotations

from typing import Any

import httpx

from mobilize.models import Organization, Role
from tests.factories import auth, make_campaign, make_event, make_group, make_organizer, make_shift

API = "/api/v1"


async def coalition(client: httpx.AsyncClient, *, accepted: bool = True) -> dict[str, Any]:
    """`convener` (teachers, campaign may-day, one public event) and `partner` (nurses, one group), invited;
    accepted unless told otherwise. Each has an owner token; the partner also an admin and an organizer."""
    convener, convener_token = await make_organizer("teachers", email="owner@teachers.example.org")
    group = await make_group(convener, slug="downtown", postal_code="60614")
    campaign = await make_campaign(convener, slug="may-day")
    event = await make_event(group, campaign=campaign, title="Teachers rally")
    shift = await make_shift(event)
    partner, partner_token = await make_organizer("nurses", email="owner@nurses.example.org")
    _, admin_token = await make_organizer("nurses", role=Role.ADMIN, email="admin@nurses.example.org")
    _, organizer_token = await make_organizer("nurses", role=Role.ORGANIZER, email="staff@nurses.example.org")
    partner_group = await make_group(partner, slug="north-side", postal_code="60657")
    for slug in ("teachers", "nurses"):
        await Organization.filter(slug=slug).update(name=slug.title())
    w: dict[str, Any] = {
        "convener": auth(convener_token),
        "partner": auth(partner_token),
        "partner_admin": auth(admin_token),
        "partner_organizer": auth(organizer_token),
        "campaign": campaign,
        "event": event,
        "shift": shift,
        "group": group,
        "partner_group": partner_group,
    }
    r = await client.post(f"{API}/campaigns/may-day/partners", json={"organization": "nurses"}, headers=w["convener"])
    assert r.status_code == 201, r.text
    w["partnership_id"] = r.json()["id"]
    if accepted:
        r = await client.post(f"{API}/partnerships/{w['partnership_id']}/accept", headers=w["partner"])
        assert r.status_code == 200, r.text
    return w


async def partner_event(client: httpx.AsyncClient, w: dict[str, Any], title: str = "Nurses rally") -> dict[str, Any]:
    body = {
        "title": title,
        "group": "north-side",
        "campaign": "teachers/may-day",
        "event_type": "rally",
        "timezone": "America/Chicago",
        "location": {"venue": "Clinic", "city": "Chicago", "postal_code": "60657"},
        "shifts": [{"starts_at": "2030-05-01T10:00:00-05:00", "ends_at": "2030-05-01T12:00:00-05:00", "capacity": 20}],
    }
    r = await client.post(f"{API}/events", json=body, headers=w["partner"])
    assert r.status_code == 201, r.text
    data: dict[str, Any] = r.json()
    return data
