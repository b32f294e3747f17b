"""The ledger's summing in one PostgreSQL statement: each stretch of duty cut at the line's local midnights,
hours summed per member and local day, shifts counted per member, supporters counted, all in the database;
and the people on the line per hour of a week. They mirror services.strikes.ledger.sums_orm and
services.strikes.lines.presence_orm (the references), and tests/strikes/test_both_paths.py runs both ways on
the same cases."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

from mobilize import db
from mobilize.services.strikes.rules import Sums

# $1 strike, $2 organization, $3/$4 UTC window, $5/$6 the week's first and next-week's first local day.
WEEK_SUMS = """
WITH d AS (
    SELECT d.volunteer_id, d.shift_id, d.signed_in_at AS i, d.signed_out_at AS o, e.timezone AS tz,
           COALESCE(v.member_id, '') <> '' AS member
    FROM strike_duty d
    JOIN shift sh ON sh.id = d.shift_id
    JOIN event e ON e.id = sh.event_id
    JOIN volunteer v ON v.id = d.volunteer_id AND v.organization_id = $2
    WHERE d.strike_id = $1 AND d.signed_out_at IS NOT NULL
      AND d.signed_in_at >= $3::timestamptz - interval '24 hours' AND d.signed_in_at < $4 AND d.signed_out_at > $3
), cut AS (
    SELECT d.volunteer_id, d.member, g.day::date AS day,
           EXTRACT(EPOCH FROM LEAST(d.o, (g.day + interval '1 day') AT TIME ZONE d.tz)
                              - GREATEST(d.i, g.day AT TIME ZONE d.tz)) / 3600.0 AS hours
    FROM d CROSS JOIN LATERAL generate_series(
        date_trunc('day', d.i AT TIME ZONE d.tz), date_trunc('day', d.o AT TIME ZONE d.tz), interval '1 day'
    ) AS g(day)
    WHERE g.day >= $5::timestamp AND g.day < $6::timestamp
)
SELECT 'day' AS kind, volunteer_id, day, SUM(hours)::float8 AS value FROM cut WHERE member AND hours > 0
GROUP BY volunteer_id, day
UNION ALL
SELECT 'shifts', volunteer_id, NULL, COUNT(DISTINCT shift_id)::float8 FROM d
WHERE member AND (i AT TIME ZONE tz) >= $5::timestamp AND (i AT TIME ZONE tz) < $6::timestamp
GROUP BY volunteer_id
UNION ALL
SELECT 'supporters', NULL, NULL, COUNT(DISTINCT volunteer_id)::float8 FROM cut WHERE NOT member AND hours > 0
UNION ALL
SELECT 'member', v.id, NULL, 0 FROM volunteer v
WHERE v.organization_id = $2 AND COALESCE(v.member_id, '') <> ''
  AND EXISTS (SELECT 1 FROM strike_duty x WHERE x.volunteer_id = v.id AND x.strike_id = $1 AND x.signed_in_at < $4)
"""


async def week_sums(strike_id: int, organization_id: int, start: date, begin: datetime, end: datetime) -> Sums:
    first = datetime.combine(start, datetime.min.time())
    rows = await db.fetch_all_native(
        WEEK_SUMS, strike_id, organization_id, begin, end, first, first + timedelta(days=7)
    )
    days: dict[int, dict[date, float]] = defaultdict(dict)
    shifts: dict[int, int] = {}
    supporters = 0
    members: set[int] = set()
    for r in rows:
        if r["kind"] == "day":
            days[r["volunteer_id"]][r["day"]] = float(r["value"])
        elif r["kind"] == "shifts":
            shifts[r["volunteer_id"]] = int(r["value"])
        elif r["kind"] == "member":
            members.add(r["volunteer_id"])
        else:
            supporters = int(r["value"])
    return Sums(dict(days), shifts, supporters, members)


# $1 strike, $2/$3 the week's first and last moment (UTC), $4 now (open duty counts until then).
PRESENCE = """
SELECT h, COUNT(DISTINCT volunteer_id)::int AS n FROM (
    SELECT d.volunteer_id, generate_series(
        GREATEST(0, FLOOR(EXTRACT(EPOCH FROM (GREATEST(d.signed_in_at, $2) - $2)) / 3600)::int),
        LEAST(167, CEIL(EXTRACT(EPOCH FROM (LEAST(COALESCE(d.signed_out_at, $4), $3) - $2)) / 3600)::int - 1)
    ) AS h
    FROM strike_duty d
    WHERE d.strike_id = $1 AND d.signed_in_at >= $2::timestamptz - interval '24 hours' AND d.signed_in_at < $3
      AND (d.signed_out_at IS NULL OR d.signed_out_at > $2)
) x GROUP BY h
"""


async def hourly_presence(strike_id: int, begin: datetime, end: datetime, now: datetime) -> list[int]:
    """services.strikes.lines.presence_orm in one statement: people on duty per hour of the week."""
    counts = [0] * 168
    for r in await db.fetch_all_native(PRESENCE, strike_id, begin, end, now):
        counts[r["h"]] = r["n"]
    return counts
