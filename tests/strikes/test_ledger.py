"""The weekly ledger against weeks computed by hand, one rule at a time (and together)."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from tests.strikes.helpers import CHICAGO, MONDAY, duty, ledger, local, local_100, member, row, shift_at, supporter

pytestmark = pytest.mark.usefixtures("migrated")


async def test_hours_per_day_make_duty_days(client: httpx.AsyncClient) -> None:
    world = await local_100(client, hours_per_day=4, days_per_week=5)
    full, short = await member(world, "A1"), await member(world, "B2")
    for n in range(5):
        await duty(client, world, full, local(MONDAY + timedelta(days=n), 6), 4)
        await duty(client, world, short, local(MONDAY + timedelta(days=n), 6), 4 if n < 4 else 3.5)
    answer = await ledger(client, world, MONDAY + timedelta(days=3))
    assert answer["week_start"] == "2026-06-01"
    a, b = row(answer, "A1"), row(answer, "B2")
    assert a["days"] == {f"2026-06-0{n + 1}": 4 for n in range(5)}
    assert (a["hours"], a["duty_days"], a["shifts"], a["qualifies"], a["reasons"]) == (20, 5, 5, True, [])
    assert (b["hours"], b["duty_days"], b["qualifies"]) == (19.5, 4, False)
    assert b["reasons"] == ["duty days: 4 of 5 needed of 4 hours"]
    assert b["volunteer"] and b["name"] == "M B2"


async def test_hours_per_week(client: httpx.AsyncClient) -> None:
    world = await local_100(client, hours_per_week=20)
    ok, short = await member(world, "A1"), await member(world, "B2")
    await duty(client, world, ok, local(MONDAY, 6), 12)  # one long day and one short: the week is what counts
    await duty(client, world, ok, local(MONDAY + timedelta(days=6), 8), 8)
    await duty(client, world, short, local(MONDAY, 6), 19.75)
    answer = await ledger(client, world, MONDAY)
    assert row(answer, "A1")["qualifies"] is True and row(answer, "A1")["hours"] == 20
    assert row(answer, "B2")["reasons"] == ["hours: 19.75 of 20 needed"]


async def test_shifts_per_week(client: httpx.AsyncClient) -> None:
    world = await local_100(client, shifts_per_week=5)
    five, four = await member(world, "A1"), await member(world, "B2")
    for n in range(5):
        shift = await shift_at(world["line"], local(MONDAY + timedelta(days=n), 6), 4)
        await duty(client, world, five, shift.starts_at, 4, shift)
        if n < 4:
            await duty(client, world, four, shift.starts_at, 1, shift)
    answer = await ledger(client, world, MONDAY)
    assert (row(answer, "A1")["shifts"], row(answer, "A1")["qualifies"]) == (5, True)
    assert row(answer, "B2")["reasons"] == ["shifts: 4 of 5 needed"]
    # Signed in twice on one shift (out for lunch, back again) is one shift.
    world2 = await local_100(client, org="local-200", shifts_per_week=2)
    twice = await member(world2, "C3")
    shift = await shift_at(world2["line"], local(MONDAY, 6), 8)
    await duty(client, world2, twice, local(MONDAY, 6), 2, shift)
    await duty(client, world2, twice, local(MONDAY, 10), 2, shift)
    answer2 = await ledger(client, world2, MONDAY)
    assert row(answer2, "C3")["shifts"] == 1
    assert row(answer2, "C3")["reasons"] == ["shifts: 1 of 2 needed"]


async def test_unpaid_first_week(client: httpx.AsyncClient) -> None:
    world = await local_100(client, hours_per_week=4, unpaid_weeks=1)
    person = await member(world, "A1")
    await duty(client, world, person, local(MONDAY, 6), 4)
    await duty(client, world, person, local(MONDAY + timedelta(days=7), 6), 4)
    first, second = await ledger(client, world, MONDAY), await ledger(client, world, MONDAY + timedelta(days=7))
    assert (first["week"], row(first, "A1")["qualifies"]) == (1, False)
    assert row(first, "A1")["reasons"] == ["unpaid week: week 1 of the strike (the first 1 are unpaid)"]
    assert (second["week"], row(second, "A1")["qualifies"], row(second, "A1")["reasons"]) == (2, True, [])


async def test_week_starts_on_sunday(client: httpx.AsyncClient) -> None:
    world = await local_100(client, hours_per_week=8, week_starts_on="sunday")
    person = await member(world, "A1")
    sunday = MONDAY + timedelta(days=6)
    await duty(client, world, person, local(MONDAY, 6), 4)  # in the week of Sunday May 31
    await duty(client, world, person, local(sunday, 6), 4)  # the first day of the next week
    await duty(client, world, person, local(sunday + timedelta(days=1), 6), 4)
    before = await ledger(client, world, MONDAY)
    after = await ledger(client, world, sunday)
    assert before["week_start"] == "2026-05-31" and row(before, "A1")["hours"] == 4
    assert after["week_start"] == "2026-06-07" and row(after, "A1")["hours"] == 8
    assert row(after, "A1")["qualifies"] is True and row(before, "A1")["qualifies"] is False


async def test_part_time_members_are_pro_rated(client: httpx.AsyncClient) -> None:
    world = await local_100(
        client, hours_per_day=4, days_per_week=2, hours_per_week=20, classes=[{"name": "part-time", "factor": 0.5}]
    )
    part, full = await member(world, "P1", "part-time"), await member(world, "F1")
    for n in range(5):  # 2 hours a day: a duty day for a part-timer (2 of 4), not for a full-timer
        await duty(client, world, part, local(MONDAY + timedelta(days=n), 6), 2)
        await duty(client, world, full, local(MONDAY + timedelta(days=n), 6), 2)
    answer = await ledger(client, world, MONDAY)
    assert (row(answer, "P1")["duty_days"], row(answer, "P1")["qualifies"]) == (5, True)
    assert row(answer, "F1")["duty_days"] == 0
    assert row(answer, "F1")["reasons"] == ["duty days: 0 of 2 needed of 4 hours", "hours: 10 of 20 needed"]


async def test_hours_fall_on_the_days_of_the_lines_zone(client: httpx.AsyncClient) -> None:
    world = await local_100(client, hours_per_day=4, days_per_week=2)
    person = await member(world, "A1")
    await duty(client, world, person, local(MONDAY, 22), 6)  # 22:00 to 04:00 in Chicago
    answer = await ledger(client, world, MONDAY)
    assert row(answer, "A1")["days"] == {"2026-06-01": 2, "2026-06-02": 4}
    assert row(answer, "A1")["duty_days"] == 1
    # The same moments at a line in Los Angeles are 20:00 to 02:00 there.
    west = await member(world, "W1")
    line = world["line"]
    line.timezone = "America/Los_Angeles"
    await line.save()
    await duty(client, world, west, local(MONDAY + timedelta(days=2), 22, CHICAGO), 6)
    answer = await ledger(client, world, MONDAY)
    assert row(answer, "W1")["days"] == {"2026-06-03": 4, "2026-06-04": 2}
    assert row(answer, "A1")["days"] == {"2026-06-01": 4, "2026-06-02": 2}  # its line moved west too


async def test_supporters_are_counted_never_listed(client: httpx.AsyncClient) -> None:
    world = await local_100(client, hours_per_week=4)
    await member(world, "A1")
    friend, other = await supporter(world), await supporter(world, "Student")
    await duty(client, world, friend, local(MONDAY, 6), 6)
    await duty(client, world, friend, local(MONDAY + timedelta(days=1), 6), 6)
    await duty(client, world, other, local(MONDAY, 6), 1)
    answer = await ledger(client, world, MONDAY)
    assert answer["supporters"] == 2
    assert answer["members"] == []  # A1 did no duty in the strike yet


async def test_a_member_without_duty_this_week_is_listed_with_the_reason(client: httpx.AsyncClient) -> None:
    world = await local_100(client, hours_per_week=4)
    person = await member(world, "A1")
    await duty(client, world, person, local(MONDAY, 6), 4)
    answer = await ledger(client, world, MONDAY + timedelta(days=7))
    assert row(answer, "A1")["hours"] == 0 and row(answer, "A1")["reasons"] == ["hours: 0 of 4 needed"]


async def test_a_rule_change_recomputes_open_weeks_not_closed_ones(client: httpx.AsyncClient) -> None:
    world = await local_100(client, hours_per_week=4)
    person = await member(world, "A1")
    await duty(client, world, person, local(MONDAY, 6), 5)
    await duty(client, world, person, local(MONDAY + timedelta(days=7), 6), 5)
    url = f"/api/v1/strikes/{world['strike'].id}"
    r = await client.post(f"{url}/weeks/close?week=2026-06-03", headers=world["headers"])
    assert r.status_code == 200 and r.json()["week_start"] == "2026-06-01"
    r = await client.patch(url, headers=world["headers"], json={"rules": {"hours_per_week": 20}})
    assert r.status_code == 200 and r.json()["rules"]["hours_per_week"] == 20
    paid, open_week = await ledger(client, world, MONDAY), await ledger(client, world, MONDAY + timedelta(days=7))
    assert paid["closed"] is True and row(paid, "A1")["qualifies"] is True and paid["rules"]["hours_per_week"] == 4
    assert open_week["closed"] is False and row(open_week, "A1")["reasons"] == ["hours: 5 of 20 needed"]


async def test_people_on_the_line_per_hour(client: httpx.AsyncClient) -> None:
    from mobilize.services import strikes

    world = await local_100(client)
    a, b, c = await member(world, "A1"), await supporter(world), await member(world, "C1")
    await duty(client, world, a, local(MONDAY, 6), 2.5)  # 06:00-08:30
    await duty(client, world, b, local(MONDAY, 8), 1)  # 08:00-09:00
    shift = await shift_at(world["line"], local(MONDAY, 8), 4)
    await strikes.sign_in(
        world["strike"].id, shift.id, c.id, local(MONDAY, 9, CHICAGO) + timedelta(minutes=30), "captain"
    )
    start, counts = await strikes.hourly_presence(world["strike"], MONDAY, "America/Chicago", local(MONDAY, 11))
    assert start == MONDAY and len(counts) == 168
    assert counts[5:12] == [0, 1, 1, 2, 1, 1, 0]  # C1 still on duty at 11:00: counted 09:00 to 11:00
