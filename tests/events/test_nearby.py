"""The public list's cut (services.events.nearby): the database keeps the first events, and the answer is what
reading every candidate and sorting them in Python gave (the list before the cut moved into the database): the
same events, distances and first starts, in the same order, for a campaign or not, near a postal code or not,
narrowed by kind or host, on the ORM rule and (on PostgreSQL) the statement beside it."""

from __future__ import annotations

import random
from contextlib import nullcontext
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from mobilize import db
from mobilize.models import Campaign, Event, EventStatus, Shift, ShiftStatus, Visibility
from mobilize.services import geo
from mobilize.services.events import nearby, public
from tests.clock import MIDDAY, at
from tests.factories import make_campaign, make_group, make_organizer

NOW = MIDDAY
CENTER = "60614"


async def _seed() -> Campaign:
    """160 events around Chicago of two organizations (most in one campaign), with ties in place and first start,
    and the events the list never shows: private, cancelled, unplaced, over, or with cancelled shifts only."""
    rng = random.Random(14)
    owner, _ = await make_organizer("teachers")
    partner, _ = await make_organizer("nurses")
    groups = [await make_group(owner), await make_group(partner)]
    campaign = await make_campaign(owner, slug="may-day")
    lat0, lon0 = geo.centroid(CENTER) or (0.0, 0.0)
    starts = [NOW + timedelta(days=d, hours=h) for d in (1, 2) for h in (0, 3)]
    events: list[Event] = []
    for i in range(160):
        lat, lon = lat0 + rng.uniform(-1.6, 1.6), lon0 + rng.uniform(-2.2, 2.2)
        if i % 9 == 4:  # same place as the one before
            lat, lon = events[-1].lat or lat, events[-1].lon or lon
        group = groups[1 if i % 3 == 0 else 0]
        events.append(
            Event(
                organization_id=group.organization_id,  # type: ignore[attr-defined]
                group=group,
                campaign=campaign if i % 8 else None,
                title=f"Action {i}",
                timezone="America/Chicago",
                event_type=("rally", "picket", "canvass")[i % 3],
                postal_code=CENTER,
                lat=None if i % 23 == 5 else lat,
                lon=None if i % 23 == 5 else lon,
                visibility=Visibility.PRIVATE if i % 29 == 7 else Visibility.PUBLIC,
                status=EventStatus.CANCELLED if i % 31 == 8 else EventStatus.SCHEDULED,
            )  # fmt: skip
        )
    await Event.bulk_create(events)
    shifts = []
    for n, event_id in enumerate(await Event.all().order_by("id").values_list("id", flat=True)):
        first = rng.choice(starts)
        if n % 17 == 3:  # only a shift that is over
            first = NOW - timedelta(days=1)
        shifts.append((event_id, first, ShiftStatus.CANCELLED if n % 19 == 6 else ShiftStatus.SCHEDULED))
        shifts.append((event_id, first + timedelta(hours=rng.choice((0, 5))), ShiftStatus.SCHEDULED))
        if n % 17 == 3:
            shifts.pop()
    await Shift.bulk_create(
        [
            Shift(event_id=e, starts_at=s, ends_at=s + timedelta(hours=2), capacity=5, code=f"n{k}", status=st)
            for k, (e, s, st) in enumerate(shifts)
        ]  # fmt: skip
    )
    return campaign


async def _read_everything(**kw: Any) -> list[tuple[int, float | None, datetime]]:
    """The list as it was built before: every candidate read, the box, then the circle, sorted in Python."""
    firsts: dict[int, datetime] = {}
    for event_id, starts_at in await Shift.filter(status=ShiftStatus.SCHEDULED, ends_at__gt=NOW).values_list(
        "event_id", "starts_at"
    ):
        firsts[event_id] = min(starts_at, firsts.get(event_id, starts_at))
    center = geo.centroid(kw["near"]) if kw.get("near") else None
    found = []
    for e in await Event.all().values("id", "lat", "lon", "visibility", "status", "campaign_id", "event_type",
                                      "organization__slug"):  # fmt: skip
        if e["id"] not in firsts or e["visibility"] != "public" or e["status"] != "scheduled":
            continue
        if kw.get("campaign") is not None and e["campaign_id"] != kw["campaign"].id:
            continue
        if kw.get("event_type") and e["event_type"] != kw["event_type"]:
            continue
        if kw.get("host") and e["organization__slug"] != kw["host"]:
            continue
        distance = None
        if center is not None:
            min_lat, max_lat, min_lon, max_lon = geo.bounding_box(center, kw["radius_km"])
            if e["lat"] is None or not (min_lat <= e["lat"] <= max_lat and min_lon <= e["lon"] <= max_lon):
                continue
            distance = geo.distance_km(center, (e["lat"], e["lon"]))
            if distance > kw["radius_km"]:
                continue
        found.append((e["id"], distance, firsts[e["id"]]))
    found.sort(key=lambda f: (f[1] or 0.0, f[2], f[0]))
    cap = public.MAX_CAMPAIGN_RESULTS if kw.get("campaign") is not None else public.MAX_RESULTS
    return found[: min(kw.get("limit", 50), cap)]


def _ways() -> list[str]:
    return ["statement", "orm"] if db.dialect() == "postgres" else ["orm"]


CASES: list[dict[str, Any]] = [
    {"near": CENTER, "radius_km": radius, "limit": limit}
    for radius in (3.0, 25.0, 80.0, 150.0, 1000.0)
    for limit in (50, 7)
] + [
    {"near": CENTER, "radius_km": 120.0, "event_type": "rally"},
    {"near": CENTER, "radius_km": 120.0, "host": "nurses"},
    {"near": CENTER, "radius_km": 120.0, "host": "nobody"},
    {},
    {"limit": 2000},
    {"event_type": "picket", "limit": 9},
]


@at(NOW)
@pytest.mark.parametrize("in_campaign", [True, False])
async def test_the_cut_gives_what_reading_everything_gave(migrated: str, in_campaign: bool) -> None:
    campaign = await _seed()
    checked = 0
    for case in CASES:
        kw = case | ({"campaign": campaign} if in_campaign else {})
        expected = await _read_everything(**kw)
        checked += len(expected)
        for way in _ways():
            with db.orm_path() if way == "orm" else nullcontext():
                found = await public.find_events(now=NOW, **kw)
            got = [(f.event.id, f.distance_km, f.next_start) for f in found]
            assert got == expected, (way, case)
            assert all(f.event.shift_list and f.event.organization.slug for f in found)  # loaded as before
    assert checked > 300  # the cases hold events (and cut lists longer than their limit)
    assert len(await _read_everything(near=CENTER, radius_km=150.0, limit=1000)) > 50


@at(NOW)
async def test_the_json_list_near_a_postal_code_is_the_same_either_way(client: httpx.AsyncClient) -> None:
    campaign = await _seed()
    params = {"campaign": "teachers/may-day", "near": CENTER, "radius_km": "150"}
    answers = []
    for way in _ways():
        with db.orm_path() if way == "orm" else nullcontext():
            r = await client.get("/api/v1/public/events", params=params)
        assert r.status_code == 200, r.text
        answers.append(r.json())
    expected = await _read_everything(campaign=campaign, near=CENTER, radius_km=150.0)
    assert len(expected) == 50
    assert [(e["id"], e["distance_km"]) for e in answers[0]["data"]] == [(i, round(d or 0, 1)) for i, d, _ in expected]
    assert all(answer == answers[0] for answer in answers)


@pytest.mark.postgres
async def test_the_statement_stays_within_the_radius_it_was_given(migrated: str) -> None:
    assert db.postgres_statements()
    await _seed()
    center = geo.centroid(CENTER)
    where = nearby.Where(now=NOW, center=center, radius_km=60.0)
    ranked = await nearby.first_events(where, 1000)
    assert ranked and all(r.distance_km is not None and r.distance_km <= 60.0 for r in ranked)
    with db.orm_path():
        assert await nearby.first_events(where, 1000) == ranked
