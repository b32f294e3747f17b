"""Duty by the API: a captain's entries, corrections and disputes (audited), scans replayed from an offline
queue (one entry), bad input (422 naming the field), another organization's strike (404), and tenancy."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from mobilize import db
from mobilize.models import AuditLog, Duty, Role, StrikeDispute
from mobilize.services import strikes
from tests.clock import at
from tests.factories import auth, make_organizer
from tests.strikes.helpers import API, MONDAY, duty, ledger, local, local_100, member, row, shift_at

pytestmark = pytest.mark.usefixtures("migrated")
NOON = local(MONDAY, 12)


async def test_bad_entries_answer_422_naming_the_field(client: httpx.AsyncClient) -> None:
    world = await local_100(client)
    person = await member(world, "A1")
    shift = await shift_at(world["line"], local(MONDAY, 6), 4)
    url = f"{API}/strikes/{world['strike'].id}/duty"
    base = {"shift": shift.id, "volunteer": person.id, "signed_in_at": local(MONDAY, 8).isoformat()}
    cases = [
        ({"signed_out_at": local(MONDAY, 7).isoformat()}, "signed_out_at"),  # out before in: negative hours
        ({"signed_out_at": local(MONDAY, 8).isoformat()}, "signed_out_at"),
        ({"signed_out_at": local(MONDAY, 33).isoformat()}, "signed_out_at"),  # more than a day
        ({"volunteer": None, "member_id": None}, "volunteer"),
        ({"member_id": "A1"}, "volunteer"),  # both
        ({"volunteer": None, "member_id": "nobody"}, "member_id"),
        ({"shift": 2**31}, "shift"),
        ({"signed_in_at": "yesterday"}, "signed_in_at"),
    ]
    for change, field in cases:
        body = {k: v for k, v in {**base, **change}.items() if v is not None}
        r = await client.post(url, headers=world["headers"], json=body)
        assert r.status_code == 422, (change, r.text)
        assert field in r.json()["error"]["fields"], (change, r.json())
    r = await client.post(
        f"{API}/strikes",
        headers=world["headers"],
        json={"name": "x", "starts_on": "2026-06-01", "rules": {"hours_per_week": -1}},
    )
    assert r.status_code == 422 and "rules.hours_per_week" in r.json()["error"]["fields"]
    r = await client.post(
        f"{API}/strikes",
        headers=world["headers"],
        json={"name": "x", "starts_on": "2026-06-01", "rules": {"week_starts_on": "someday"}},
    )
    assert r.status_code == 422 and "rules.week_starts_on" in r.json()["error"]["fields"]
    r = await client.get(f"{API}/strikes/{world['strike'].id}/ledger?week=nope", headers=world["headers"])
    assert r.status_code == 422 and "week" in r.json()["error"]["fields"]
    assert await Duty.all().count() == 0


async def test_a_shift_of_another_line_or_organization_is_refused(client: httpx.AsyncClient) -> None:
    world = await local_100(client)
    other = await local_100(client, org="local-200")
    person = await member(world, "A1")
    foreign = await shift_at(other["line"], local(MONDAY, 6), 4)
    r = await client.post(
        f"{API}/strikes/{world['strike'].id}/duty",
        headers=world["headers"],
        json={"shift": foreign.id, "volunteer": person.id, "signed_in_at": local(MONDAY, 6).isoformat()},
    )
    assert r.status_code == 422 and "shift" in r.json()["error"]["fields"]


async def test_another_organizations_strike_is_not_found(client: httpx.AsyncClient) -> None:
    world = await local_100(client)
    other = await local_100(client, org="local-200")
    theirs = other["strike"].id
    for method, path, body in [
        ("GET", f"/strikes/{theirs}", None),
        ("PATCH", f"/strikes/{theirs}", {"name": "mine now"}),
        ("GET", f"/strikes/{theirs}/ledger?week=2026-06-01", None),
        ("GET", f"/strikes/{theirs}/ledger.csv?week=2026-06-01", None),
        ("POST", f"/strikes/{theirs}/duty", {"shift": 1, "volunteer": 1, "signed_in_at": NOON.isoformat()}),
        ("PATCH", f"/strikes/{theirs}/duty/1", {"reason": "x"}),
        ("GET", f"/strikes/{theirs}/disputes", None),
    ]:
        r = await client.request(method, f"{API}{path}", headers=world["headers"], json=body)
        assert r.status_code == 404, (method, path, r.text)
    # An event can't join another organization's strike, and only a picket joins one.
    r = await client.patch(f"{API}/events/{world['line'].id}", headers=world["headers"], json={"strike": theirs})
    assert r.status_code == 422 and "strike" in r.json()["error"]["fields"]
    r = await client.patch(f"{API}/events/{world['line'].id}", headers=world["headers"], json={"event_type": "rally"})
    assert r.status_code == 422 and "strike" in r.json()["error"]["fields"]
    r = await client.post(
        f"{API}/events",
        headers=world["headers"],
        json={
            "title": "Rally",
            "group": world["group"].slug,
            "timezone": "America/Chicago",
            "strike": world["strike"].id,
        },
    )
    assert r.status_code == 422 and "strike" in r.json()["error"]["fields"]
    r = await client.post(
        f"{API}/events",
        headers=world["headers"],
        json={
            "title": "North gate",
            "event_type": "picket",
            "group": world["group"].slug,
            "timezone": "America/Chicago",
            "strike": world["strike"].id,
        },
    )
    assert r.status_code == 201 and r.json()["strike"] == world["strike"].id


async def test_the_same_member_id_in_another_organization_sees_nothing(client: httpx.AsyncClient) -> None:
    world = await local_100(client, hours_per_week=1)
    other = await local_100(client, org="local-200", hours_per_week=1)
    ours = await member(world, "A1", phone="+13125550100")
    theirs = await member(other, "A1", phone="+13125550100")
    await duty(client, world, ours, local(MONDAY, 6), 4)
    assert row(await ledger(client, world, MONDAY), "A1")["volunteer"] == ours.id
    assert (await ledger(client, other, MONDAY))["members"] == []
    r = await client.post(
        f"{API}/strikes/{other['strike'].id}/duty",
        headers=other["headers"],
        json={
            "shift": (await shift_at(other["line"], local(MONDAY, 6), 2)).id,
            "member_id": "A1",
            "signed_in_at": local(MONDAY, 6).isoformat(),
            "signed_out_at": local(MONDAY, 7).isoformat(),
        },
    )
    assert r.status_code == 201 and r.json()["volunteer"] == theirs.id
    assert row(await ledger(client, world, MONDAY), "A1")["hours"] == 4


async def test_a_correction_is_audited_with_its_reason(client: httpx.AsyncClient) -> None:
    world = await local_100(client, hours_per_week=4)
    person = await member(world, "A1")
    entry = await duty(client, world, person, local(MONDAY, 6), 3)
    url = f"{API}/strikes/{world['strike'].id}/duty/{entry['id']}"
    r = await client.patch(
        url, headers=world["headers"], json={"signed_out_at": local(MONDAY, 5).isoformat(), "reason": "typo"}
    )
    assert r.status_code == 422 and "signed_out_at" in r.json()["error"]["fields"]
    r = await client.patch(url, headers=world["headers"], json={"signed_out_at": local(MONDAY, 10).isoformat()})
    assert r.status_code == 422 and "reason" in r.json()["error"]["fields"]
    r = await client.patch(
        url,
        headers=world["headers"],
        json={"signed_out_at": local(MONDAY, 10).isoformat(), "reason": "left at ten, said the captain"},
    )
    assert r.status_code == 200, r.text
    assert row(await ledger(client, world, MONDAY), "A1")["qualifies"] is True
    log = await AuditLog.get(action="strike.duty_corrected")
    assert log.detail["reason"] == "left at ten, said the captain"
    assert log.detail["before"]["signed_out_at"].startswith("2026-06-01T14:00")  # 09:00 Chicago, in UTC
    assert log.detail["after"]["signed_out_at"].startswith("2026-06-01T15:00")
    r = await client.patch(
        f"{API}/strikes/{world['strike'].id}/duty/999999", headers=world["headers"], json={"reason": "x"}
    )
    assert r.status_code == 404


async def test_disputes_are_raised_and_resolved_audited(client: httpx.AsyncClient) -> None:
    world = await local_100(client, hours_per_week=4)
    person = await member(world, "A1")
    await duty(client, world, person, local(MONDAY, 6), 3)
    url = f"{API}/strikes/{world['strike'].id}/disputes"
    r = await client.post(
        url,
        headers=world["headers"],
        json={"member_id": "A1", "day": "2026-06-01", "raised_by": "member", "note": "I was there till 11"},
    )
    assert r.status_code == 201, r.text
    dispute = r.json()
    assert row(await ledger(client, world, MONDAY), "A1")["disputes"] == [
        {"id": dispute["id"], "day": "2026-06-01", "status": "open"}
    ]
    r = await client.patch(
        f"{url}/{dispute['id']}", headers=world["headers"], json={"resolution": "Captain's sheet agrees; corrected"}
    )
    assert r.status_code == 200 and r.json()["status"] == "resolved"
    r = await client.patch(f"{url}/{dispute['id']}", headers=world["headers"], json={"resolution": "Something else"})
    assert r.status_code == 409
    r = await client.post(
        url, headers=world["headers"], json={"member_id": "A1", "day": "2026-06-01", "raised_by": "boss"}
    )
    assert r.status_code == 422 and "raised_by" in r.json()["error"]["fields"]
    actions = await AuditLog.filter(action__startswith="strike.dispute").values_list("action", flat=True)
    assert sorted(actions) == ["strike.dispute_raised", "strike.dispute_resolved"]
    assert (await StrikeDispute.get(id=dispute["id"])).resolution == "Captain's sheet agrees; corrected"


async def test_the_csv_is_audited_and_needs_the_export_permission(client: httpx.AsyncClient) -> None:
    world = await local_100(client, hours_per_week=4)
    person = await member(world, "A1", name="=HYPERLINK(1)")
    await duty(client, world, person, local(MONDAY, 6), 5)
    r = await client.get(f"{API}/strikes/{world['strike'].id}/ledger.csv?week=2026-06-02", headers=world["headers"])
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    lines = r.text.splitlines()
    assert lines[0].startswith("member_id,name,volunteer,2026-06-01,2026-06-02")
    assert lines[1].startswith("A1,'=HYPERLINK(1)") and ",5.0,1,1,yes," in lines[1]
    assert await AuditLog.filter(action="strike.ledger_exported").count() == 1
    _, token = await make_organizer("local-100", role=Role.ORGANIZER)
    r = await client.get(f"{API}/strikes/{world['strike'].id}/ledger.csv?week=2026-06-02", headers=auth(token))
    assert r.status_code == 403


@at(NOON)
async def test_a_replayed_scan_queue_books_each_scan_once(client: httpx.AsyncClient) -> None:
    world = await local_100(client, hours_per_week=1)
    await member(world, "A1")
    await shift_at(world["line"], local(MONDAY, 6), 12)
    url = f"{API}/strikes/{world['strike'].id}/scans"
    queue = [
        {
            "scan_id": "scan-0001-in",
            "event": world["line"].id,
            "member_id": "A1",
            "action": "in",
            "at": local(MONDAY, 9).isoformat(),
        },
        {
            "scan_id": "scan-0002-out",
            "event": world["line"].id,
            "member_id": "A1",
            "action": "out",
            "at": local(MONDAY, 11).isoformat(),
        },
    ]
    outcomes = []
    for _ in range(2):  # the phone came back online twice and sent its queue both times
        for scan in queue:
            r = await client.post(url, headers=world["headers"], json=scan)
            assert r.status_code == 200, r.text
            outcomes.append(r.json()["outcome"])
    assert outcomes == ["signed_in", "signed_out", "replayed", "replayed"]
    assert await Duty.all().count() == 1
    assert row(await ledger(client, world, MONDAY), "A1")["hours"] == 2


def scan_of(world: dict[str, Any], scan_id: str, action: str, at: datetime, member_id: str = "A1") -> dict[str, Any]:
    return {
        "scan_id": scan_id,
        "event": world["line"].id,
        "member_id": member_id,
        "action": action,
        "at": at.isoformat(),
    }


async def duty_rows() -> list[tuple[Any, ...]]:
    return (
        await Duty.all()
        .order_by("id")
        .values_list(
            "id", "volunteer_id", "shift_id", "signed_in_at", "signed_out_at", "scan_in", "scan_out", "updated_at"
        )
    )


@at(NOON)
async def test_a_replayed_queue_with_a_double_scan_changes_nothing_the_second_time(client: httpx.AsyncClient) -> None:
    world = await local_100(client, hours_per_week=1)
    await member(world, "A1")
    await shift_at(world["line"], local(MONDAY, 6), 12)
    url = f"{API}/strikes/{world['strike'].id}/scans"
    queue = [
        scan_of(world, "scan-0001-in", "in", local(MONDAY, 9)),
        scan_of(world, "scan-0002-in", "in", local(MONDAY, 9.1)),  # the badge read twice
        scan_of(world, "scan-0003-out", "out", local(MONDAY, 11)),
        scan_of(world, "scan-0004-out", "out", local(MONDAY, 11.1)),  # and again on the way out
    ]
    answers = []
    for scan in queue:
        r = await client.post(url, headers=world["headers"], json=scan)
        assert r.status_code == 200, r.text
        answers.append(r.json())
    assert [a["outcome"] for a in answers] == ["signed_in", "already_in", "signed_out", "not_in"]
    booked, ledger_then = await duty_rows(), await ledger(client, world, MONDAY)
    for _ in range(2):  # the phone came back online twice and sent its whole queue both times
        for scan, first in zip(queue, answers, strict=True):
            r = await client.post(url, headers=world["headers"], json=scan)
            assert r.status_code == 200, r.text
            assert r.json()["outcome"] == "replayed" and r.json()["volunteer"] == first["volunteer"]
            assert r.json()["duty"] == (answers[2]["duty"] if first["duty"] else None)  # as it stands now
    assert await duty_rows() == booked and len(booked) == 1
    assert await ledger(client, world, MONDAY) == ledger_then and row(ledger_then, "A1")["hours"] == 2


@at(NOON)
async def test_the_same_scan_sent_at_once_books_once(client: httpx.AsyncClient) -> None:
    world = await local_100(client, hours_per_week=1)
    await member(world, "A1")
    await shift_at(world["line"], local(MONDAY, 6), 12)
    url = f"{API}/strikes/{world['strike'].id}/scans"

    async def at_once(*scans: dict[str, Any]) -> list[str]:
        answers = await asyncio.gather(*(client.post(url, headers=world["headers"], json=s) for s in scans))
        assert all(r.status_code == 200 for r in answers), [r.text for r in answers]
        return sorted(r.json()["outcome"] for r in answers)

    sign_in = scan_of(world, "scan-0001-in", "in", local(MONDAY, 9))
    assert await at_once(*[sign_in] * 4) == ["replayed", "replayed", "replayed", "signed_in"]
    sign_out = scan_of(world, "scan-0002-out", "out", local(MONDAY, 11))
    assert await at_once(*[sign_out] * 4) == ["replayed", "replayed", "replayed", "signed_out"]
    # Two captains scanning the same member at once, each with their own scan id: one stretch of duty.
    gates = [scan_of(world, f"scan-gate-{n}", "in", local(MONDAY, 11.5)) for n in range(3)]
    assert await at_once(*gates) == ["already_in", "already_in", "signed_in"]
    assert [(d[4] is None) for d in await duty_rows()] == [False, True]
    assert await at_once(*gates) == ["replayed"] * 3 and len(await duty_rows()) == 2


async def test_a_captain_records_duty_only_on_their_strike(client: httpx.AsyncClient) -> None:
    world = await local_100(client)
    other = await local_100(client, org="local-100")  # a second strike of the same local
    await member(world, "A1")
    membership, token = await make_organizer("local-100", role=Role.CAPTAIN, email="cap@example.org")
    r = await client.post(
        f"{API}/strikes/{world['strike'].id}/captains", headers=world["headers"], json={"email": "cap@example.org"}
    )
    assert r.status_code == 201, r.text
    shift = await shift_at(world["line"], local(MONDAY, 6), 4)
    body = {
        "shift": shift.id,
        "member_id": "A1",
        "signed_in_at": local(MONDAY, 6).isoformat(),
        "signed_out_at": local(MONDAY, 9).isoformat(),
    }
    assert (
        await client.post(f"{API}/strikes/{world['strike'].id}/duty", headers=auth(token), json=body)
    ).status_code == 201
    other_shift = await shift_at(other["line"], local(MONDAY, 6), 4)
    body["shift"] = other_shift.id
    r = await client.post(f"{API}/strikes/{other['strike'].id}/duty", headers=auth(token), json=body)
    assert r.status_code == 403
    r = await client.patch(f"{API}/strikes/{world['strike'].id}", headers=auth(token), json={"name": "x"})
    assert r.status_code == 403
    r = await client.post(
        f"{API}/events",
        headers=auth(token),
        json={"title": "x", "group": world["group"].slug, "timezone": "America/Chicago"},
    )
    assert r.status_code == 403


async def test_forgotten_sign_outs_close_at_the_shift_end_flagged(client: httpx.AsyncClient) -> None:
    from mobilize.services import strikes

    world = await local_100(client, hours_per_week=1)
    person = await member(world, "A1")
    shift = await shift_at(world["line"], local(MONDAY, 6), 4)
    r = await client.post(
        f"{API}/strikes/{world['strike'].id}/duty",
        headers=world["headers"],
        json={"shift": shift.id, "volunteer": person.id, "signed_in_at": local(MONDAY, 7).isoformat()},
    )
    assert r.status_code == 201 and r.json()["signed_out_at"] is None
    assert await strikes.close_forgotten(local(MONDAY, 9)) == 0  # the shift is not over
    assert await strikes.close_forgotten(local(MONDAY, 11)) == 1
    assert await strikes.close_forgotten(local(MONDAY, 12)) == 0  # idempotent
    closed = await Duty.get(id=r.json()["id"])
    assert closed.auto_closed and closed.signed_out_at == shift.ends_at
    assert row(await ledger(client, world, MONDAY), "A1")["hours"] == 3


@at(NOON)
async def test_the_worker_job_closes_forgotten_duty(client: httpx.AsyncClient) -> None:
    from workers.main import IN_PROCESS_CRON
    from workers.strikes import close_forgotten_duty

    assert close_forgotten_duty in [job for job, _ in IN_PROCESS_CRON]
    world = await local_100(client)
    person = await member(world, "A1")
    shift = await shift_at(world["line"], local(MONDAY, 6), 4)  # over by noon
    r = await client.post(
        f"{API}/strikes/{world['strike'].id}/duty",
        headers=world["headers"],
        json={"shift": shift.id, "volunteer": person.id, "signed_in_at": local(MONDAY, 7).isoformat()},
    )
    assert r.status_code == 201
    assert await close_forgotten_duty({}) == 1
    assert await close_forgotten_duty({}) == 0


DECEMBER = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)  # 09:00 in Chicago (UTC-6 in winter)


async def stored_times() -> list[tuple[object, object]]:
    """strike_duty's times as the database holds them (SQLite: the text it was given), by id."""
    rows = await db.fetch_all("SELECT signed_in_at, signed_out_at FROM strike_duty ORDER BY id")
    return [(r["signed_in_at"], r["signed_out_at"]) for r in rows]


def utc_as_stored(moment: datetime) -> object:
    return moment if db.dialect() == "postgres" else moment.isoformat(" ")


@at(DECEMBER)
async def test_duty_times_sent_with_an_offset_are_stored_and_compared_in_utc(client: httpx.AsyncClient) -> None:
    world = await local_100(client, hours_per_week=1)
    first, second = await member(world, "A1"), await member(world, "A2")
    await shift_at(world["line"], datetime(2026, 12, 2, 11, 30, tzinfo=UTC), 4)  # 05:30 to 09:30 in Chicago
    url = f"{API}/strikes/{world['strike'].id}/scans"
    for scan_id, action, moment in (("scan-0001-in", "in", "06:00"), ("scan-0002-out", "out", "08:30")):
        scan = {"scan_id": scan_id, "event": world["line"].id, "member_id": "A1", "action": action}
        r = await client.post(url, headers=world["headers"], json={**scan, "at": f"2026-12-02T{moment}:00-06:00"})
        assert r.status_code == 200 and r.json()["outcome"] == f"signed_{action}", r.text
    assert await stored_times() == [
        (utc_as_stored(datetime(2026, 12, 2, 12, tzinfo=UTC)), utc_as_stored(datetime(2026, 12, 2, 14, 30, tzinfo=UTC)))
    ]
    shift = await shift_at(world["line"], datetime(2026, 12, 2, 11, tzinfo=UTC), 4)
    for person, moment in ((first, "2026-12-02T07:00:00-06:00"), (second, "2026-12-02T12:30:00+00:00")):
        r = await client.post(
            f"{API}/strikes/{world['strike'].id}/duty",
            headers=world["headers"],
            json={"shift": shift.id, "volunteer": person.id, "signed_in_at": "2026-12-02T11:00:00+00:00"},
        )
        assert r.status_code == 201, r.text
        r = await client.patch(  # a correction: 13:00 and 12:30 UTC, the line's list is by time, not by text
            f"{API}/strikes/{world['strike'].id}/duty/{r.json()['id']}",
            headers=world["headers"],
            json={"signed_in_at": moment, "reason": "scanned late"},
        )
        assert r.status_code == 200, r.text
    assert (await stored_times())[1][0] == utc_as_stored(datetime(2026, 12, 2, 13, tzinfo=UTC))
    assert [p["volunteer"] for p in await strikes.on_line(world["line"])] == [second.id, first.id]


async def test_hours_just_past_a_local_midnight_count_when_corrected_with_an_offset(client: httpx.AsyncClient) -> None:
    world = await local_100(client, hours_per_week=1)
    person = await member(world, "A1")
    night = await shift_at(world["line"], datetime(2026, 6, 1, 2, tzinfo=UTC), 8)  # Sunday 21:00 to 05:00 local
    entry = await duty(client, world, person, local(MONDAY, -2), 1, night)  # Sunday 22:00 to 23:00
    r = await client.patch(
        f"{API}/strikes/{world['strike'].id}/duty/{entry['id']}",
        headers=world["headers"],
        json={"signed_out_at": "2026-06-01T03:00:00-05:00", "reason": "left at three"},
    )
    assert r.status_code == 200, r.text
    for path in (contextlib.nullcontext(), db.orm_path()):
        with path:
            _, counts = await strikes.hourly_presence(world["strike"], MONDAY, "America/Chicago", local(MONDAY, 9))
        assert counts[:4] == [1, 1, 1, 0]
