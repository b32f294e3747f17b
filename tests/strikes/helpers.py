"""A striking local for the strike tests: an owner token, a strike, picket lines and their shifts, members."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from mobilize.models import Event, Shift, Strike, Volunteer, VolunteerTag
from tests.factories import auth, make_event, make_group, make_organizer, make_person, make_shift

API = "/api/v1"
CHICAGO = ZoneInfo("America/Chicago")
MONDAY = date(2026, 6, 1)  # a Monday; the strike starts that day


def local(day: date, hour: float, zone: ZoneInfo = CHICAGO) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=zone) + timedelta(hours=hour)


async def local_100(client: httpx.AsyncClient, org: str = "local-100", **rules: Any) -> dict[str, Any]:
    """An organization with a strike (starting MONDAY, with `rules`), one line and an owner token."""
    membership, token = await make_organizer(org)
    headers = auth(token)
    group = await make_group(membership)
    r = await client.post(
        f"{API}/strikes",
        headers=headers,
        json={"name": "Contract fight", "starts_on": MONDAY.isoformat(), "rules": rules},
    )
    assert r.status_code == 201, r.text
    strike = await Strike.get(id=r.json()["id"])
    line = await make_event(group, title="Main gate")
    line.strike_id = strike.id
    await line.save()
    return {
        "membership": membership,
        "token": token,
        "headers": headers,
        "group": group,
        "strike": strike,
        "line": line,
    }


async def member(world: dict[str, Any], member_id: str, *tags: str, **fields: Any) -> Volunteer:
    fields.setdefault("name", f"M {member_id}")
    person = await make_person(world["membership"].organization_id, member_id=member_id, **fields)
    for tag in tags:
        await VolunteerTag.create(volunteer=person, name=tag)
    return person


async def supporter(world: dict[str, Any], name: str = "Neighbour") -> Volunteer:
    return await make_person(world["membership"].organization_id, name=name)


async def shift_at(line: Event, starts_at: datetime, hours: float) -> Shift:
    return await make_shift(line, starts_at=starts_at, hours=hours, capacity=50)


async def duty(
    client: httpx.AsyncClient,
    world: dict[str, Any],
    person: Volunteer,
    start: datetime,
    hours: float,
    shift: Shift | None = None,
) -> dict[str, Any]:
    """A captain's entry through the API (on a shift of its own unless one is given)."""
    shift = shift or await shift_at(world["line"], start, hours)
    r = await client.post(
        f"{API}/strikes/{world['strike'].id}/duty",
        headers=world["headers"],
        json={
            "shift": shift.id,
            "volunteer": person.id,
            "signed_in_at": start.isoformat(),
            "signed_out_at": (start + timedelta(hours=hours)).isoformat(),
        },
    )
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


async def ledger(client: httpx.AsyncClient, world: dict[str, Any], day: date) -> dict[str, Any]:
    r = await client.get(f"{API}/strikes/{world['strike'].id}/ledger?week={day.isoformat()}", headers=world["headers"])
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def row(answer: dict[str, Any], member_id: str) -> dict[str, Any]:
    return next(m for m in answer["members"] if m["member_id"] == member_id)
