"""Coalition turnout per action group and per day, beside the rows per organization, and the campaign's events
on a map coloured by staffing: the convener sees every organization's groups and days and its partners'
events that are not private; a partner its own groups, days and events only; nobody sees another organization's
people. The API, the dashboard page (tables, charts, the map's data and the list without it) and the CSV."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import httpx

from mobilize.models import AuditLog, Campaign, Membership, Shift, Signup, SignupStatus
from tests.clock import MIDDAY, at
from tests.coalitions.helpers import API, coalition, partner_event
from tests.factories import make_event, make_group, make_shift
from tests.web.test_dashboard import login

NAME = "Volunteer Name{n}"
PHONE = "312555{n:04d}"
EMAIL = "volunteer{n}@example.org"


async def _sign(
    client: httpx.AsyncClient, shift_id: int, n: int, status: SignupStatus | None = None, **extra: Any
) -> int:
    person = {"name": NAME.format(n=n), "phone": PHONE.format(n=n), "email": EMAIL.format(n=n)}
    r = await client.post(f"{API}/public/shifts/{shift_id}/signups", json={"volunteer": person, **extra})
    assert r.status_code == 201, r.text
    signup_id = int(r.json()["id"])
    if status is not None:
        await Signup.filter(id=signup_id).update(status=status)
    return signup_id


async def _seed(client: httpx.AsyncClient) -> dict[str, Any]:
    """teachers (convener): one event, group downtown, a shift tomorrow (2026-06-11); nurses (partner): "Nurses
    rally" (north-side, 2030-05-01), "Night vigil" (south-side: 2030-05-01 at 23:30 Chicago time, which is
    05-02 in UTC, and 2030-05-02) and a private "Closed caucus" (north-side) whose only shift is over."""
    w = await coalition(client)
    await Shift.filter(id=w["shift"].id).update(target=2)
    rally = await partner_event(client, w)
    rally_shift = rally["shifts"][0]["id"]
    await Shift.filter(id=rally_shift).update(target=2)
    await make_group(await Membership.get(organizer__email="owner@nurses.example.org"), slug="south-side")
    body = {
        "title": "Night vigil", "group": "south-side", "campaign": "teachers/may-day", "event_type": "rally",
        "timezone": "America/Chicago", "location": {"city": "Chicago", "postal_code": "60616"},
        "shifts": [
            {"starts_at": "2030-05-01T23:30:00-05:00", "ends_at": "2030-05-02T01:00:00-05:00", "capacity": 10,
             "target": 5},
            {"starts_at": "2030-05-02T10:00:00-05:00", "ends_at": "2030-05-02T12:00:00-05:00", "capacity": 10,
             "target": 5},
        ],
    }  # fmt: skip
    r = await client.post(f"{API}/events", json=body, headers=w["partner"])
    assert r.status_code == 201, r.text
    night, morning = (s["id"] for s in r.json()["shifts"])
    caucus = await make_event(w["partner_group"], campaign=w["campaign"], title="Closed caucus", visibility="private")
    await make_shift(caucus, starts_at=MIDDAY - timedelta(days=3))
    await _sign(client, rally_shift, 1, SignupStatus.ATTENDED, recruited_by="nurses")
    await _sign(client, rally_shift, 2, SignupStatus.ATTENDED, recruited_by="nurses")
    await _sign(client, rally_shift, 3, SignupStatus.NO_SHOW)
    await _sign(client, w["shift"].id, 4, SignupStatus.ATTENDED, recruited_by="nurses")
    await _sign(client, w["shift"].id, 5)
    await _sign(client, night, 6, recruited_by="teachers")
    await _sign(client, night, 7, SignupStatus.ATTENDED)
    await _sign(client, morning, 8, SignupStatus.CONFIRMED)
    return w | {"caucus": caucus.id, "rally": rally["id"]}


def _figures(row: dict[str, Any]) -> tuple[int, ...]:
    keys = ("events", "signups", "attended", "no_show", "recruited", "recruited_attended")
    return tuple(row[k] for k in keys)


def _no_people(text: str) -> bool:
    return not any(
        NAME.format(n=n) in text or PHONE.format(n=n) in text or EMAIL.format(n=n) in text for n in range(1, 9)
    )


@at(MIDDAY)
async def test_the_convener_sees_every_group_and_day(client: httpx.AsyncClient) -> None:
    w = await _seed(client)
    r = await client.get(f"{API}/campaigns/may-day/turnout", headers=w["convener"])
    assert r.status_code == 200, r.text
    body = r.json()
    orgs = {row["organization"]["slug"]: _figures(row) for row in body["organizations"]}
    assert orgs == {"nurses": (3, 6, 3, 1, 3, 3), "teachers": (1, 2, 1, 0, 1, 0)}
    groups = {f"{g['group']['organization']['slug']}/{g['group']['slug']}": _figures(g) for g in body["groups"]}
    assert groups == {
        "nurses/north-side": (2, 3, 2, 1, 2, 2),
        "nurses/south-side": (1, 3, 1, 0, 1, 0),
        "teachers/downtown": (1, 2, 1, 0, 1, 1),
    }
    assert [g["group"]["organization"]["name"] for g in body["groups"]] == ["Nurses", "Nurses", "Teachers"]
    days = {d["day"]: _figures(d) for d in body["days"]}
    assert days == {
        "2026-06-07": (1, 0, 0, 0, 0, 0),  # the private caucus, over
        "2026-06-11": (1, 2, 1, 0, 1, 1),
        "2030-05-01": (2, 5, 3, 1, 3, 2),  # the vigil starts at 23:30 in Chicago: its day there
        "2030-05-02": (1, 1, 0, 0, 0, 0),
    }
    assert list(days) == sorted(days)
    assert _figures(body["total"]) == (4, 8, 4, 1, 4, 3) and body["total"]["show_rate"] == 0.8
    for rows in (body["groups"], body["days"]):  # the convener's total is the sum of either breakdown
        assert sum(row["signups"] for row in rows) == 8 and sum(row["recruited"] for row in rows) == 4
    assert days["2030-05-01"] and body["days"][2]["show_rate"] == 0.75
    assert _no_people(r.text)


@at(MIDDAY)
async def test_a_partner_sees_only_its_own_groups_and_days(client: httpx.AsyncClient) -> None:
    w = await _seed(client)
    r = await client.get(f"{API}/campaigns/may-day/turnout", headers=w["partner_organizer"])
    assert r.status_code == 200, r.text
    body = r.json()
    assert [row["organization"]["slug"] for row in body["organizations"]] == ["nurses"]
    assert {g["group"]["slug"] for g in body["groups"]} == {"north-side", "south-side"}
    assert [d["day"] for d in body["days"]] == ["2026-06-07", "2030-05-01", "2030-05-02"]  # not the convener's day
    assert {d["day"]: d["signups"] for d in body["days"]} == {"2026-06-07": 0, "2030-05-01": 5, "2030-05-02": 1}
    assert _figures(body["total"]) == (3, 6, 3, 1, 3, 3)
    assert "downtown" not in r.text and "Teachers" not in r.text and _no_people(r.text)


def _markers(page: str) -> list[dict[str, Any]]:
    found = re.search(r'<script type="application/json" id="campaign-markers">(.*?)</script>', page, re.S)
    assert found, "the page carries the map's data"
    data: list[dict[str, Any]] = json.loads(found.group(1))
    return data


@at(MIDDAY)
async def test_the_page_draws_groups_days_and_the_map_of_staffing(client: httpx.AsyncClient) -> None:
    w = await _seed(client)
    assert (await login(client, "owner@teachers.example.org")).status_code == 303
    page = await client.get("/dashboard/turnout/coalitions/may-day")
    assert page.status_code == 200, page.text
    text = page.text
    assert text.count("<svg") == 2 and 'data-group="nurses/south-side"' in text and 'data-day="2030-05-01"' in text
    markers = {m["title"]: m for m in _markers(text)}
    # amber: the 2 holding a seat would reach the target of 2, one confirmed (checked in); green: 2 checked in of 2;
    # red: 3 of the 10 needed. The partner's private caucus is not the convener's to see.
    assert {t: m["light"] for t, m in markers.items()} == {"Teachers rally": "amber", "Nurses rally": "green",
                                                           "Night vigil": "red"}  # fmt: skip
    assert markers["Teachers rally"]["url"] == f"/dashboard/events/{w['event'].id}"  # its own: the dashboard
    assert markers["Nurses rally"]["url"] == f"/events/{w['rally']}"  # a partner's: its public page
    assert markers["Night vigil"]["label"] == "Understaffed: 3 of 10 needed"
    assert all(m["lat"] is not None and m["lon"] is not None for m in markers.values())
    rows = re.findall(r'<tr data-event="(\d+)" data-light="(\w+)">', text)  # the list, those that need people first
    assert [light for _, light in rows] == ["red", "amber", "green"]
    assert "Closed caucus" not in text and _no_people(text)
    assert 'src="/static/leaflet/leaflet.js"' in text and 'href="/static/leaflet/leaflet.css"' in text


@at(MIDDAY)
async def test_a_partners_page_and_map_hold_its_own_events_only(client: httpx.AsyncClient) -> None:
    w = await _seed(client)
    assert (await login(client, "staff@nurses.example.org")).status_code == 303
    page = await client.get("/dashboard/turnout/coalitions/may-day")
    assert page.status_code == 200, page.text
    markers = {m["title"]: m for m in _markers(page.text)}
    assert {t: m["light"] for t, m in markers.items()} == {"Nurses rally": "green", "Night vigil": "red",
                                                           "Closed caucus": "over"}  # fmt: skip
    assert markers["Closed caucus"]["url"] == f"/dashboard/events/{w['caucus']}"
    assert "Teachers rally" not in page.text and 'data-organization="teachers"' not in page.text
    assert 'data-group="teachers/downtown"' not in page.text and _no_people(page.text)


@at(MIDDAY)
async def test_the_csv_has_every_row_kind_and_is_audited(client: httpx.AsyncClient) -> None:
    await _seed(client)
    assert (await login(client, "owner@teachers.example.org")).status_code == 303
    csv = await client.get("/dashboard/turnout/coalitions/may-day.csv")
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    lines = csv.text.strip().splitlines()
    assert lines[0].startswith("row,organization,group,day,name,events,signups")
    assert [line.split(",")[0] for line in lines[1:]] == ["organization"] * 2 + ["group"] * 3 + ["day"] * 4 + ["total"]
    assert "group,nurses,south-side,,Test Group,1,3,1,0,1,0,1.0" in lines
    assert "day,,,2030-05-01,2030-05-01,2,5,3,1,3,2,0.75" in lines
    assert lines[-1] == "total,,,,Day of Action,4,8,4,1,4,3,0.8"
    assert _no_people(csv.text)
    log = await AuditLog.get(action="export.coalition_turnout")
    assert log.detail == {"campaign": (await Campaign.get(slug="may-day")).id, "rows": 10}
    assert (await login(client, "staff@nurses.example.org")).status_code == 303  # no export permission
    assert (await client.get("/dashboard/turnout/coalitions/may-day.csv")).status_code == 403
    assert await AuditLog.filter(action="export.coalition_turnout").count() == 1
