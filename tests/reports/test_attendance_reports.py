"""Turnout reports against hand-computed figures for a seeded campaign with two groups, expected attendance,
the staffing light, and the no-show rule after shifts end."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest

from mobilize.models import Organization, Shift, ShiftStatus, Signup, SignupStatus, Volunteer
from mobilize.services import reports
from mobilize.services.people import Contact, new_volunteer
from mobilize.services.reports import forecast
from mobilize.services.signups.attendance import mark_no_shows
from tests.factories import make_event, make_group, make_shift, make_world
from workers.attendance import sweep_no_shows

ATT, NS, CONF, SU, WAIT, CANC = (
    SignupStatus.ATTENDED, SignupStatus.NO_SHOW, SignupStatus.CONFIRMED, SignupStatus.SIGNED_UP,
    SignupStatus.WAITLISTED, SignupStatus.CANCELLED,
)  # fmt: skip


async def person(n: int) -> Volunteer:
    org = await Organization.get(slug="local-100")
    volunteer = new_volunteer(Contact(name=f"Person {n}", phone=f"+1312555{n:04d}"), org.id)
    await volunteer.save()
    return volunteer


async def seat(shift: Shift, volunteer: Volunteer, status: SignupStatus, source: str = "web") -> Signup:
    holder = None if status == CANC else shift.id
    return await Signup.create(shift=shift, volunteer=volunteer, holder=holder, status=status, source=source)


@pytest.fixture
async def seeded(migrated: str) -> dict[str, Any]:
    """Campaign `day-of-action` with group A's event E1 (Chicago) and group B's event E2 (New York); E3 in
    group A outside the campaign holds earlier history."""
    world = await make_world()
    group_a, campaign = world["group"], world["campaign"]
    group_b = await make_group(world["membership"], slug="south")
    e1 = world["event"]
    e2 = await make_event(group_b, campaign=campaign, title="Rally downtown", timezone="America/New_York")
    e3 = await make_event(group_a, title="Earlier picket")
    s4 = await make_shift(e3, starts_at=datetime(2025, 4, 1, 15, 0, tzinfo=UTC))
    s1 = await make_shift(e1, starts_at=datetime(2025, 5, 1, 15, 0, tzinfo=UTC))  # 10:00 CDT
    s2 = world["shift"]  # upcoming, tomorrow
    await Shift.filter(id=s2.id).update(target=4)
    s3 = await make_shift(e2, starts_at=datetime(2025, 5, 2, 3, 30, tzinfo=UTC))  # 23:30 EDT on May 1
    v = {n: await person(n) for n in range(1, 9)}
    for shift, n, status, *source in [
        (s4, 1, ATT), (s4, 2, NS),
        (s1, 1, ATT), (s1, 2, ATT), (s1, 3, NS), (s1, 4, CONF), (s1, 5, WAIT), (s1, 6, CANC), (s1, 7, ATT, "walk_in"),
        (s2, 3, CONF), (s2, 4, SU),
        (s3, 1, NS), (s3, 8, ATT),
    ]:  # fmt: skip
        await seat(shift, v[n], status, *source)
    return world | {"group_b": group_b, "e2": e2, "e3": e3, "s1": s1, "s3": s3, "s4": s4, "v": v}


def figures(f: reports.Figures) -> tuple[int, ...]:
    return (f.signups, f.confirmed, f.attended, f.no_show, f.walk_ins, f.waitlisted, f.cancelled)


async def test_campaign_turnout_equals_the_hand_counts(seeded: dict[str, Any]) -> None:
    report = await reports.report(seeded["actor"], "campaign", seeded["campaign"].slug)
    # S1: 5 seated (3 came, 1 walk-in among them, 1 no-show, 1 confirmed), 1 waiting, 1 dropped;
    # S2: 2 seated (1 confirmed); S3: 2 seated (1 came, 1 no-show). E3 is outside the campaign.
    assert figures(report.totals) == (9, 2, 4, 2, 1, 1, 1)
    assert report.totals.show_rate == pytest.approx(4 / 6)
    by_group = {g.key: g.figures for g in report.groups}
    assert figures(by_group[seeded["group"].slug]) == (7, 2, 3, 1, 1, 1, 1)
    assert by_group[seeded["group"].slug].show_rate == 0.75
    assert figures(by_group["south"]) == (2, 0, 1, 1, 0, 0, 0)
    assert by_group["south"].show_rate == 0.5
    assert {r.label for r in report.rows} == {"Picket at the gate", "Rally downtown"}
    # per day, in each event's zone: S3 at 23:30 in New York is May 1 there (May 2 in UTC)
    days = dict(report.days)
    assert figures(days[date(2025, 5, 1)]) == (7, 1, 4, 2, 1, 1, 1)
    assert sum(f.signups for f in days.values()) == 9 and len(days) == 2
    # seated people: v1, v2, v3, v4, v7, v8; only v1 attended something before (E3 in April)
    assert (report.new_volunteers, report.returning_volunteers) == (5, 1)


async def test_group_and_event_turnout(seeded: dict[str, Any]) -> None:
    group = await reports.report(seeded["actor"], "group", seeded["group"].slug)
    assert figures(group.totals) == (9, 2, 4, 2, 1, 1, 1)  # E1 (S1, S2) and E3 (S4)
    assert (group.new_volunteers, group.returning_volunteers) == (5, 0)  # v1's first shift here is S4 itself
    event = await reports.report(seeded["actor"], "event", seeded["e2"].id)
    assert figures(event.totals) == (2, 0, 1, 1, 0, 0, 0)
    assert [r.key for r in event.rows] == [seeded["s3"].id]
    assert event.rows[0].label == "Rally downtown: Thu May 01, 23:30-02:30 EDT"


async def test_expected_attendance_and_the_staffing_light(seeded: dict[str, Any]) -> None:
    assert forecast.show_chance(0, 0) == pytest.approx(2 / 3)  # the prior for newcomers
    assert forecast.show_chance(8, 0) == pytest.approx(10 / 11)
    assert forecast.show_chance(0, 3) == pytest.approx(2 / 6)
    s2 = await Shift.get(id=seeded["shift"].id)
    outlook = (await forecast.shift_outlook([s2]))[s2.id]
    # v3 (confirmed) missed S1: 2/4; v4 (signed up) has no attendance yet: 2/3
    assert outlook.expected == round(0.5 + 2 / 3, 1)
    assert (outlook.confirmed, outlook.signed_up, outlook.target, outlook.light) == (1, 1, 4, "red")
    assert forecast.light(4, 4, 4) == "green" and forecast.light(4, 2, 5) == "amber"
    report = await reports.report(seeded["actor"], "campaign", seeded["campaign"].slug)
    assert [(s["id"], o.light) for s, o in report.upcoming] == [(s2.id, "red")]


async def test_turnout_page_shows_the_figures_and_its_chart(client: httpx.AsyncClient, seeded: dict[str, Any]) -> None:
    from tests.web.test_dashboard import login

    await seeded["membership"].fetch_related("organizer")
    await login(client, seeded["membership"].organizer.email)
    r = await client.get(f"/dashboard/turnout/campaigns/{seeded['campaign'].slug}")
    assert r.status_code == 200
    page = r.text
    for name, value in [("signups", "9"), ("attended", "4"), ("no_show", "2"), ("walk_ins", "1"), ("show_rate", "67%"),
                        ("new", "5"), ("returning", "1")]:  # fmt: skip
        assert f'data-figure="{name}">{value}<' in page
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in page and "Turnout per day: Day of Action" in page
    assert "Understaffed" in page  # tomorrow's shift: 1 confirmed of 4 needed
    r = await client.get(f"/dashboard/turnout/groups/{seeded['group_b'].slug}")
    assert r.status_code == 200 and 'data-figure="signups">2<' in r.text


# ---- the no-show rule ----------------------------------------------------------------------------------


async def test_no_shows_after_the_shift_and_its_grace_unless_an_organizer_decided(migrated: str) -> None:
    world = await make_world()
    now = datetime.now(UTC)
    ended = await make_shift(world["event"], starts_at=now - timedelta(hours=6), hours=3)  # ended 3 h ago
    recent = await make_shift(world["event"], starts_at=now - timedelta(hours=4), hours=3)  # ended 1 h ago
    cancelled = await make_shift(world["event"], starts_at=now - timedelta(hours=6), hours=3)
    await Shift.filter(id=cancelled.id).update(status=ShiftStatus.CANCELLED)
    v = {n: await person(n) for n in range(1, 9)}
    waiting = await seat(ended, v[1], SU)
    confirmed = await seat(ended, v[2], CONF)
    came = await seat(ended, v[3], ATT)
    kept = await seat(ended, v[4], SU)
    await Signup.filter(id=kept.id).update(attendance_locked=True)  # an organizer said: leave it
    waitlisted = await seat(ended, v[5], WAIT)
    too_soon = await seat(recent, v[6], SU)
    on_cancelled = await seat(cancelled, v[7], CONF)

    assert await mark_no_shows(timedelta(minutes=120)) == 2
    status = {s.id: s.status for s in await Signup.all()}
    assert status[waiting.id] == NS and status[confirmed.id] == NS
    assert status[came.id] == ATT and status[kept.id] == SU and status[waitlisted.id] == WAIT
    assert status[too_soon.id] == SU and status[on_cancelled.id] == CONF
    assert await mark_no_shows(timedelta(minutes=120)) == 0  # idempotent
    assert await mark_no_shows(timedelta(minutes=30)) == 1  # a shorter grace reaches the recent shift


async def test_the_worker_job_applies_the_grace_setting(migrated: str, settings: Any) -> None:
    world = await make_world()
    shift = await make_shift(world["event"], starts_at=datetime.now(UTC) - timedelta(hours=3), hours=2)
    signup = await seat(shift, await person(1), SU)
    assert await sweep_no_shows({"settings": replace(settings, no_show_grace_minutes=120)}) == 0
    assert await sweep_no_shows({"settings": replace(settings, no_show_grace_minutes=30)}) == 1
    assert (await Signup.get(id=signup.id)).status == NS
