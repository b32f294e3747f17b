"""The ledger's summing both ways on PostgreSQL: the one statement (services/strikes/postgres.py) and the ORM
rule it mirrors (services/strikes/ledger.py:sums_orm) answer the same on the same cases: night shifts across
midnight, lines in two zones, a week starting on Sunday, supporters, open duty, another organization; and a
captain's scan queue replayed (twice at once) leaves both answers as they were."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from mobilize import db
from mobilize.models import Duty
from mobilize.services import strikes
from tests.clock import at
from tests.factories import make_event
from tests.strikes.helpers import API, MONDAY, duty, local, local_100, member, row, shift_at, supporter

pytestmark = [pytest.mark.usefixtures("migrated"), pytest.mark.postgres]
LA = ZoneInfo("America/Los_Angeles")


async def test_the_statement_and_the_orm_rule_agree(client: httpx.AsyncClient) -> None:
    world = await local_100(client, hours_per_day=4, days_per_week=3, shifts_per_week=2)
    other = await local_100(client, org="local-200", hours_per_week=1)
    west = await make_event(world["group"], title="West gate", timezone="America/Los_Angeles")
    west.strike_id = world["strike"].id
    await west.save()
    people = [await member(world, f"A{n}") for n in range(6)] + [await supporter(world), await supporter(world, "S2")]
    for n, person in enumerate(people):
        for d in range(-1, 9):  # the days around the week too
            day = MONDAY + timedelta(days=d)
            if (n + d) % 3 == 0:
                await duty(client, world, person, local(day, 22), 5 + n % 3)  # across midnight
            elif (n + d) % 3 == 1:
                shift = await shift_at(west, local(day, 6, LA), 8)
                await duty(client, world, person, local(day, 6, LA), 3.25, shift)
                await duty(client, world, person, local(day, 10, LA), 1.5, shift)
    await duty(client, other, await member(other, "A0"), local(MONDAY, 8), 3)  # another organization's
    open_shift = await shift_at(world["line"], local(MONDAY, 6), 4)
    await strikes.sign_in(world["strike"].id, open_shift.id, people[0].id, local(MONDAY, 6), "captain")
    verdicts = set()
    for day in (MONDAY, MONDAY + timedelta(days=6), MONDAY + timedelta(days=8)):
        for starts_on in ("monday", "sunday"):
            world["strike"].rules = {**world["strike"].rules, "week_starts_on": starts_on}
            await world["strike"].save()
            fast = await strikes.week_ledger(world["strike"], day)
            with db.orm_path():
                reference = await strikes.week_ledger(world["strike"], day)
            assert fast == reference, (day, starts_on)
            assert fast["supporters"] == 2 and len(fast["members"]) == 6
            verdicts |= {m["qualifies"] for m in fast["members"]}
            for zone in ("America/Chicago", "America/Los_Angeles"):
                now = local(MONDAY, 9)  # the open duty counts until then
                counts = await strikes.hourly_presence(world["strike"], day, zone, now)
                with db.orm_path():
                    assert await strikes.hourly_presence(world["strike"], day, zone, now) == counts, (day, zone)
                assert sum(counts[1]) > 0
    assert verdicts == {True, False}  # the cases reach both answers


@at(local(MONDAY + timedelta(days=2), 12))
async def test_a_replayed_scan_queue_changes_nothing_on_either_path(client: httpx.AsyncClient) -> None:
    world = await local_100(client, hours_per_day=2, days_per_week=1)
    for member_id in ("A1", "A2"):
        await member(world, member_id)
    for day in range(3):
        await shift_at(world["line"], local(MONDAY + timedelta(days=day), 6), 12)
    url = f"{API}/strikes/{world['strike'].id}/scans"
    queue = []
    for day in range(3):  # each day: in, the badge read twice, out, out again; A2 only signs out
        when = MONDAY + timedelta(days=day)
        for n, (action, hour) in enumerate((("in", 8), ("in", 8.2), ("out", 11), ("out", 11.5))):
            body = {"event": world["line"].id, "member_id": "A1", "action": action, "at": local(when, hour).isoformat()}
            queue.append({**body, "scan_id": f"scan-{day}-{n}"})
        queue.append({**body, "member_id": "A2", "scan_id": f"scan-{day}-A2"})

    async def send(scans: list[dict[str, Any]]) -> list[str]:
        outcomes = []
        for scan in scans:
            r = await client.post(url, headers=world["headers"], json=scan)
            assert r.status_code == 200, r.text
            outcomes.append(r.json()["outcome"])
        return outcomes

    assert (await send(queue))[:5] == ["signed_in", "already_in", "signed_out", "not_in", "not_in"]

    async def both_paths() -> tuple[Any, ...]:
        fast = await strikes.week_ledger(world["strike"], MONDAY)
        presence = await strikes.hourly_presence(world["strike"], MONDAY, "America/Chicago")
        with db.orm_path():
            assert await strikes.week_ledger(world["strike"], MONDAY) == fast
            assert await strikes.hourly_presence(world["strike"], MONDAY, "America/Chicago") == presence
        rows = await Duty.all().order_by("id").values_list("id", "signed_in_at", "signed_out_at", "updated_at")
        return fast, presence, rows

    before = await both_paths()
    assert row(before[0], "A1")["duty_days"] == 3 and len(before[2]) == 3
    # The phone sends its queue again while a second tab sends it too, in another order.
    replays = await asyncio.gather(send(queue), send(queue[::-1]), send(queue))
    assert {o for outcomes in replays for o in outcomes} == {"replayed"}
    assert await both_paths() == before
