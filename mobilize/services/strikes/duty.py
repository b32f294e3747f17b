"""Duty at the line: signing members and supporters in and out (a captain's entry, a scan on the captain's
page, HERE and BYE by SMS), corrections (audited, with the reason), who is on a line now, and closing the duty
of those who forgot to sign out at their shift's end (flagged)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from mobilize.models import (
    Duty,
    DutySource,
    Event,
    EventStatus,
    ScanOutcome,
    Shift,
    ShiftStatus,
    Strike,
    StrikeScan,
    Volunteer,
)
from mobilize.services import audit
from mobilize.services.access import Actor
from mobilize.services.errors import Conflict, Invalid, NotFound
from mobilize.services.strikes.catalog import get_strike, require_captain
from mobilize.strike_schemas import MAX_STRETCH, DutyIn, DutyPatch, ScanIn

SIGN_IN_EARLY = timedelta(minutes=30)  # a line's shift is "under way" from this long before its start
SCAN_MAX_AGE = timedelta(days=7)  # an offline queue older than this is refused, not booked
SCAN_AHEAD = timedelta(minutes=10)  # a phone's clock may run ahead by this much


async def find_person(strike: Strike, volunteer_id: int | None, member_id: str | None, field: str) -> Volunteer:
    """The strike's organization's record of a person, by id or member id; Invalid naming `field` otherwise."""
    if volunteer_id is not None:
        person = await Volunteer.get_or_none(id=volunteer_id, organization_id=strike.organization_id)
    else:
        person = await Volunteer.get_or_none(member_id=member_id, organization_id=strike.organization_id)
    if person is None:
        raise Invalid.field(field, "nobody with this id in this organization")
    return person


async def strike_shift(strike: Strike, shift_id: int) -> Shift:
    shift = await Shift.get_or_none(id=shift_id).select_related("event")
    if shift is None or shift.event.organization_id != strike.organization_id or shift.event.strike_id != strike.id:
        raise Invalid.field("shift", "not a shift of this strike's lines")
    return shift


async def record_duty(actor: Actor, strike_id: int, data: DutyIn) -> Duty:
    """A captain's entry of a stretch of duty (open when `signed_out_at` is not given)."""
    strike = await get_strike(actor, strike_id)
    await require_captain(actor, strike)
    shift = await strike_shift(strike, data.shift)
    field = "volunteer" if data.volunteer is not None else "member_id"
    person = await find_person(strike, data.volunteer, data.member_id, field)
    if data.signed_out_at is None and await Duty.exists(
        strike_id=strike.id, volunteer_id=person.id, signed_out_at=None
    ):
        raise Conflict("this person is signed in already; sign them out first", code="already_signed_in")
    return await Duty.create(
        strike_id=strike.id,
        shift_id=shift.id,
        volunteer_id=person.id,
        signed_in_at=data.signed_in_at,
        signed_out_at=data.signed_out_at,
        source=DutySource.CAPTAIN,
    )


async def get_duty(actor: Actor, strike_id: int, duty_id: int) -> Duty:
    strike = await get_strike(actor, strike_id)
    duty = await Duty.get_or_none(id=duty_id, strike_id=strike.id)
    if duty is None:
        raise NotFound(f"duty {duty_id} not found")
    return duty


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value else None


async def correct_duty(actor: Actor, strike_id: int, duty_id: int, data: DutyPatch) -> Duty:
    """Change an entry's times or shift; the audit log keeps what it was, what it became and why."""
    strike = await get_strike(actor, strike_id)
    await require_captain(actor, strike)
    duty = await get_duty(actor, strike_id, duty_id)
    changes = data.model_dump(exclude_unset=True, exclude={"reason"})
    before = {
        "shift": duty.shift_id,
        "signed_in_at": _iso(duty.signed_in_at),
        "signed_out_at": _iso(duty.signed_out_at),
    }
    if "signed_in_at" in changes and changes["signed_in_at"] is None:
        raise Invalid.field("signed_in_at", "cannot be null")
    if changes.get("shift") is not None:
        duty.shift_id = (await strike_shift(strike, changes["shift"])).id
    elif "shift" in changes:
        raise Invalid.field("shift", "cannot be null")
    if "signed_in_at" in changes:
        duty.signed_in_at = changes["signed_in_at"]
    if "signed_out_at" in changes:
        duty.signed_out_at = changes["signed_out_at"]
    if duty.signed_out_at is not None and duty.signed_out_at <= duty.signed_in_at:
        raise Invalid.field("signed_out_at", "must be after signed_in_at")
    if duty.signed_out_at is not None and duty.signed_out_at - duty.signed_in_at > MAX_STRETCH:
        raise Invalid.field("signed_out_at", "at most 24 hours after signed_in_at: enter each day on its own")
    after = {"shift": duty.shift_id, "signed_in_at": _iso(duty.signed_in_at), "signed_out_at": _iso(duty.signed_out_at)}
    async with in_transaction():
        await duty.save()
        await audit.record(
            actor,
            "strike.duty_corrected",
            {"strike": strike.id, "duty": duty.id, "reason": data.reason, "before": before, "after": after},
        )
    return duty


async def shift_under_way(event_id: int, at: datetime) -> Shift | None:
    """The line's shift under way at `at` (from SIGN_IN_EARLY before its start to its end), latest start first."""
    at = at.astimezone(UTC)  # SQLite compares stored times as text: query in the zone they are stored in
    return (
        await Shift.filter(
            event_id=event_id,
            status=ShiftStatus.SCHEDULED,
            starts_at__lte=at + SIGN_IN_EARLY,
            ends_at__gt=at,
            event__status=EventStatus.SCHEDULED,
        )
        .order_by("-starts_at", "id")
        .first()
    )


async def hold_person(volunteer_id: int) -> None:
    """Inside a transaction, one change of a person's duty at a time (PostgreSQL: their row locked until the
    commit; SQLite serializes writes anyway): two scans at once cannot both find them off duty."""
    await Volunteer.select_for_update().filter(id=volunteer_id).only("id").first()


async def open_duty(strike_id: int, volunteer_id: int) -> Duty | None:
    return await Duty.filter(strike_id=strike_id, volunteer_id=volunteer_id, signed_out_at=None).order_by("-id").first()


async def sign_in(
    strike_id: int, shift_id: int, volunteer_id: int, at: datetime, source: DutySource, scan: str | None = None
) -> tuple[Duty, bool]:
    """Open a stretch of duty, unless the person is on duty already (then theirs is answered): (duty, opened)."""
    await hold_person(volunteer_id)
    current = await open_duty(strike_id, volunteer_id)
    if current is not None:
        return current, False
    duty = await Duty.create(
        strike_id=strike_id, shift_id=shift_id, volunteer_id=volunteer_id, signed_in_at=at, source=source, scan_in=scan
    )
    return duty, True


async def sign_out(strike_id: int, volunteer_id: int, at: datetime, scan: str | None = None) -> Duty | None:
    """Close the person's open stretch of duty at `at` (never before it began, never more than MAX_STRETCH after);
    None when they were not on duty."""
    await hold_person(volunteer_id)
    current = await open_duty(strike_id, volunteer_id)
    if current is None:
        return None
    current.signed_out_at = min(
        max(at, current.signed_in_at + timedelta(seconds=1)), current.signed_in_at + MAX_STRETCH
    )
    current.scan_out = scan
    await current.save(update_fields=["signed_out_at", "scan_out", "updated_at"])
    return current


@dataclass(frozen=True)
class ScanResult:
    outcome: str  # signed_in, signed_out, already_in, not_in (ScanOutcome), or replayed
    volunteer: Volunteer
    duty: Duty | None


async def find_scan(strike: Strike, scan_id: str) -> StrikeScan | None:
    """The booked scan with this id (the one place a scan is looked up); Conflict if another strike has it."""
    booked = await StrikeScan.get_or_none(scan_id=scan_id).prefetch_related("volunteer", "duty")
    if booked is not None and booked.strike_id != strike.id:
        raise Conflict("this scan id was used elsewhere", code="scan_id_taken")
    return booked


def replayed(booked: StrikeScan) -> ScanResult:
    return ScanResult("replayed", booked.volunteer, booked.duty)


async def scan(actor: Actor, strike_id: int, data: ScanIn) -> ScanResult:
    """One scan (or typed member id) at a line, as the captain's page sends it, perhaps long after it was made.
    Every booked scan is kept by its `scan_id` (StrikeScan), also one that changed nothing: the same id again,
    in a replayed queue or at the same moment, changes nothing and answers `replayed`."""
    strike = await get_strike(actor, strike_id)
    await require_captain(actor, strike)
    event = await Event.get_or_none(id=data.event, strike_id=strike.id, organization_id=strike.organization_id)
    if event is None:
        raise Invalid.field("event", "not a line of this strike")
    person = await find_person(strike, None, data.member_id, "member_id")
    try:
        async with in_transaction():
            await hold_person(person.id)  # the same scan at once: the second waits here, then finds the first
            booked = await find_scan(strike, data.scan_id)
            if booked is not None:
                return replayed(booked)
            result = await _book(strike, event, person, data)
            await StrikeScan.create(
                strike_id=strike.id,
                scan_id=data.scan_id,
                volunteer_id=person.id,
                duty_id=result.duty.id if result.duty else None,
                action=data.action,
                outcome=ScanOutcome(result.outcome),
                at=data.at,
            )
            return result
    except IntegrityError:  # the same scan id for someone else, at the same moment: the other one booked it
        booked = await find_scan(strike, data.scan_id)
        if booked is None:  # a duty row holds the id (a scan from before strike_scan that was not copied)
            raise Conflict("this scan id was used elsewhere", code="scan_id_taken") from None
        return replayed(booked)


async def _book(strike: Strike, event: Event, person: Volunteer, data: ScanIn) -> ScanResult:
    now = datetime.now(UTC)
    if data.at > now + SCAN_AHEAD or data.at < now - SCAN_MAX_AGE:
        raise Invalid.field("at", "not a time a scan could have been made")
    if data.action == "out":
        closed = await sign_out(strike.id, person.id, data.at, data.scan_id)
        return ScanResult(ScanOutcome.SIGNED_OUT if closed else ScanOutcome.NOT_IN, person, closed)
    shift = await shift_under_way(event.id, data.at)
    if shift is None:
        raise Conflict("no shift of this line is under way at that time", code="no_shift_under_way")
    duty, opened = await sign_in(strike.id, shift.id, person.id, data.at, DutySource.CAPTAIN, data.scan_id)
    return ScanResult(ScanOutcome.SIGNED_IN if opened else ScanOutcome.ALREADY_IN, person, duty)


async def on_line(event: Event) -> list[dict[str, Any]]:
    """Who is on this line now: open duty on its shifts, earliest sign-in first."""
    rows = (
        await Duty.filter(shift__event_id=event.id, signed_out_at=None)
        .order_by("signed_in_at", "id")
        .values("id", "volunteer_id", "signed_in_at", "volunteer__name", "volunteer__member_id")
    )
    return [
        {
            "duty": r["id"],
            "volunteer": r["volunteer_id"],
            "name": r["volunteer__name"],
            "member_id": r["volunteer__member_id"],
            "signed_in_at": r["signed_in_at"],
        }
        for r in rows
    ]


async def close_forgotten(now: datetime | None = None) -> int:
    """Duty still open after its shift ended closes at the shift's end, flagged `auto_closed` for the captain
    to check. Idempotent; returns how many closed."""
    now = (now or datetime.now(UTC)).astimezone(UTC)  # SQLite compares stored times as text, in UTC
    rows = await Duty.filter(signed_out_at=None, shift__ends_at__lte=now).values_list(
        "id", "shift__ends_at", "signed_in_at"
    )
    closed = 0
    for duty_id, ends_at, signed_in_at in rows:
        out = min(max(ends_at, signed_in_at + timedelta(seconds=1)), signed_in_at + MAX_STRETCH)
        closed += await Duty.filter(id=duty_id, signed_out_at=None).update(
            signed_out_at=out, auto_closed=True, updated_at=now
        )
    return closed
