"""The strike-pay ledger of one week: per member, hours per day in the line's zone, duty days, shifts, whether
the week qualifies and why not; supporters counted, never listed. A closed week is judged by the rules frozen
with it, an open one by the strike's rules now. On PostgreSQL the summing is one statement
(services/strikes/postgres.py); the ORM way below is the reference it is tested against."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from mobilize import db
from mobilize.models import Duty, Strike, StrikeDispute, StrikeWeek, Volunteer, VolunteerTag
from mobilize.services import audit, transfer
from mobilize.services.access import Actor
from mobilize.services.audit import require_export
from mobilize.services.strikes import postgres
from mobilize.services.strikes.catalog import get_strike
from mobilize.services.strikes.rules import Rules, Sums, judge, local_days, week_number, week_start
from mobilize.strike_schemas import MAX_STRETCH

ZONE_MARGIN = timedelta(hours=15)  # every zone's local day lies within this of the same UTC day


def window(start: date) -> tuple[datetime, datetime]:
    """UTC bounds wide enough to hold the week's local days in any zone (a stretch of duty that ends inside
    began at most MAX_STRETCH before the first bound: the queries use that to stay on the index)."""
    begin = datetime.combine(start, time(), UTC) - ZONE_MARGIN
    return begin, begin + timedelta(days=7) + 2 * ZONE_MARGIN


async def sums_orm(strike: Strike, start: date) -> Sums:
    """The reference: duty rows read as they are, split into local days here."""
    begin, end = window(start)
    last = start + timedelta(days=7)
    rows = await Duty.filter(
        strike_id=strike.id,
        signed_out_at__not_isnull=True,
        signed_in_at__gte=begin - MAX_STRETCH,
        signed_in_at__lt=end,
        signed_out_at__gt=begin,
        volunteer__organization_id=strike.organization_id,
    ).values(
        "volunteer_id", "shift_id", "signed_in_at", "signed_out_at", "shift__event__timezone", "volunteer__member_id"
    )
    days: dict[int, dict[date, float]] = defaultdict(lambda: defaultdict(float))
    shifts: dict[int, set[int]] = defaultdict(set)
    supporters: set[int] = set()
    for r in rows:
        zone = r["shift__event__timezone"]
        split = {d: h for d, h in local_days(r["signed_in_at"], r["signed_out_at"], zone).items() if start <= d < last}
        if not split:
            continue
        if not r["volunteer__member_id"]:
            supporters.add(r["volunteer_id"])
            continue
        for d, h in split.items():
            days[r["volunteer_id"]][d] += h
        if start <= r["signed_in_at"].astimezone(ZoneInfo(zone)).date() < last:
            shifts[r["volunteer_id"]].add(r["shift_id"])
    members = {
        int(vid)  # type: ignore[call-overload]
        for vid in await Duty.filter(
            strike_id=strike.id,
            signed_in_at__lt=end,
            volunteer__member_id__not_isnull=True,
            volunteer__organization_id=strike.organization_id,
        )
        .exclude(volunteer__member_id="")
        .distinct()
        .values_list("volunteer_id", flat=True)
    }
    return Sums({v: dict(d) for v, d in days.items()}, {v: len(s) for v, s in shifts.items()}, len(supporters), members)


async def read_sums(strike: Strike, start: date) -> Sums:
    if db.postgres_statements():
        return await postgres.week_sums(strike.id, strike.organization_id, start, *window(start))
    return await sums_orm(strike, start)


async def rules_for(strike: Strike, day: date) -> tuple[Rules, date, bool]:
    """The rules the week containing `day` is judged by, its first day, and whether it is closed."""
    closed = await StrikeWeek.filter(
        strike_id=strike.id, week_start__lte=day, week_start__gt=day - timedelta(days=7)
    ).first()
    if closed is not None:
        return Rules.of(closed.rules), closed.week_start, True
    rules = Rules.of(strike.rules)
    return rules, week_start(day, rules.week_starts_on), False


async def week_ledger(strike: Strike, day: date) -> dict[str, Any]:
    """The contract's ledger answer for the week containing `day`."""
    rules, start, closed = await rules_for(strike, day)
    sums = await read_sums(strike, start)
    last = start + timedelta(days=7)
    # Every member who did duty in the strike up to this week's end is in it: a week without duty shows why.
    member_ids = set(sums.days) | sums.members
    people = await Volunteer.filter(id__in=list(member_ids), organization_id=strike.organization_id).values(
        "id", "name", "member_id"
    )
    tags: dict[int, list[str]] = defaultdict(list)
    if rules.classes and member_ids:
        for vid, name in await VolunteerTag.filter(
            volunteer_id__in=list(member_ids), name__in=list(rules.classes)
        ).values_list("volunteer_id", "name"):
            tags[vid].append(name)
    disputes: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for d in await StrikeDispute.filter(strike_id=strike.id, day__gte=start, day__lt=last).order_by("id"):
        disputes[d.volunteer_id].append({"id": d.id, "day": d.day.isoformat(), "status": str(d.status)})
    week = week_number(strike.starts_on, start, rules.week_starts_on)
    members = []
    for p in sorted(people, key=lambda p: (str(p["member_id"]), p["id"])):
        days = sums.days.get(p["id"], {})
        shifts = sums.shifts.get(p["id"], 0)
        verdict = judge(rules, days, shifts, week, rules.factor_for(tags.get(p["id"], [])))
        members.append(
            {
                "volunteer": p["id"],
                "member_id": p["member_id"],
                "name": p["name"],
                "days": {d.isoformat(): round(h, 2) for d, h in sorted(days.items()) if h > 0},
                "hours": verdict.hours,
                "shifts": shifts,
                "duty_days": verdict.duty_days,
                "qualifies": verdict.qualifies,
                "reasons": verdict.reasons,
                "disputes": disputes.get(p["id"], []),
            }
        )
    return {
        "week_start": start.isoformat(),
        "week": week + 1,
        "closed": closed,
        "rules": rules.as_dict(),
        "members": members,
        "supporters": sums.supporters,
    }


async def ledger(actor: Actor, strike_id: int, day: date) -> dict[str, Any]:
    return await week_ledger(await get_strike(actor, strike_id), day)


CSV_HEADER = ["member_id", "name", "volunteer", "hours", "duty_days", "shifts", "qualifies", "reasons"]


async def ledger_csv(actor: Actor, strike_id: int, day: date) -> tuple[str, bytes]:
    """The week for the strike fund, one row per member with a column per day; audited (an export of people)."""
    require_export(actor)
    strike = await get_strike(actor, strike_id)
    answer = await week_ledger(strike, day)
    start = date.fromisoformat(answer["week_start"])
    day_keys = [(start + timedelta(days=n)).isoformat() for n in range(7)]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER[:3] + day_keys + CSV_HEADER[3:])
    for m in answer["members"]:
        writer.writerow(
            [transfer.csv_cell(m["member_id"]), transfer.csv_cell(m["name"]), m["volunteer"]]
            + [m["days"].get(k, 0) for k in day_keys]
            + [m["hours"], m["duty_days"], m["shifts"], "yes" if m["qualifies"] else "no", "; ".join(m["reasons"])]
        )
    await audit.record(
        actor,
        "strike.ledger_exported",
        {"strike": strike.id, "week_start": answer["week_start"], "rows": len(answer["members"])},
    )
    return f"strike-{strike.id}-week-{answer['week_start']}.csv", out.getvalue().encode()
