"""One sign-up for several shifts of one event (a picket's week, a day of action's morning and afternoon): every
shift gets its seat or its waitlist place by the one seat rule (services.signups.seats), the person one message
listing them all (services.outbox.combined), and each seat its own reminders, all in one transaction.

Either every shift is taken or nothing is written: a shift that is not the event's, cancelled or over refuses
the request, naming it (`shifts.N`, its place in the list), and so does one the person already holds (a retry
of a request that went through: the unique (volunteer, holder) pair, as for one shift). One shift alone goes
the single sign-up's way (seats.sign_up, on PostgreSQL its one-statement path); several take the ORM's, on
both databases: the record first, then the shifts' rows locked in id order (as every path locks a record
before a shift, and two such sign-ups lock their shifts in the same order: no deadlock).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from mobilize import db
from mobilize.models import Event, Shift, Signup, SignupSource, Volunteer
from mobilize.services.errors import AlreadySignedUp, Invalid, ShiftClosed
from mobilize.services.outbox import combined
from mobilize.services.people import links
from mobilize.services.people.consent import ConsentContext, grant_sms_consent
from mobilize.services.people.records import Contact, find_or_create_volunteer
from mobilize.services.signups import seats

MAX_SHIFTS = 100  # more than a month of a picket's three shifts a day


@dataclass
class SeveralResult:
    signups: list[Signup]  # in the order the shifts were asked for, each with its volunteer
    volunteer: Volunteer
    new_volunteer: bool = False


def _field(shift_ids: Sequence[int], shift_id: int) -> str:
    return f"shifts.{list(shift_ids).index(shift_id)}"


def check_shifts(event: Event, shift_ids: Sequence[int], found: dict[int, Shift]) -> None:
    """Raise unless every id names a distinct shift of `event` (`found`: the shifts read, by id) still taking
    sign-ups: Invalid (422) for an id listed twice or not the event's, ShiftClosed (409) for a cancelled or
    past one; each naming every such entry (`shifts.N`)."""
    if not shift_ids:
        raise Invalid.field("shifts", "choose at least one shift")
    if len(shift_ids) > MAX_SHIFTS:
        raise Invalid.field("shifts", f"at most {MAX_SHIFTS} shifts in one sign-up")
    wrong: dict[str, str] = {}
    for n, shift_id in enumerate(shift_ids):
        shift = found.get(shift_id)
        if shift_ids.index(shift_id) != n:
            wrong[f"shifts.{n}"] = f"shift {shift_id} is listed twice"
        elif shift is None or shift.event_id != event.id:  # type: ignore[attr-defined]
            wrong[f"shifts.{n}"] = f"shift {shift_id} is not a shift of this event"
    if wrong:
        raise Invalid("shifts: " + "; ".join(wrong.values()), fields=wrong)
    closed: dict[str, str] = {}
    code = "shift_closed"
    for n, shift_id in enumerate(shift_ids):
        try:
            seats.check_open(found[shift_id], event)
        except ShiftClosed as exc:
            closed[f"shifts.{n}"] = f"shift {shift_id}: {exc.message}"
            code = exc.code
    if closed:
        raise ShiftClosed("; ".join(closed.values()), code=code, fields=closed)


async def sign_up_for_shifts(
    event: Event,
    shift_ids: Sequence[int],
    contact: Contact,
    *,
    source: SignupSource,
    referrer: str = "",
    sms_consent: ConsentContext | None = None,
    trusted: bool = False,
    coalition: seats.CoalitionChoices | None = None,
) -> SeveralResult:
    """Sign the person up for these shifts of `event` (see the module): their record (matched or created
    within the event's organization), consent, fresh private links if theirs expired, a seat or the waitlist on
    each shift, one message listing them all and the reminders of each seat, committed together; delivered
    after the commit. Nothing is written when any shift is refused (Invalid, ShiftClosed) or already held
    by this person (AlreadySignedUp naming it)."""
    ids = list(shift_ids)
    found = {s.id: s for s in await Shift.filter(id__in=list(set(ids)))}
    check_shifts(event, ids, found)  # before any write: a refusal costs one read
    if len(ids) == 1:
        return await _one(event, ids[0], contact, source, referrer, sms_consent, trusted, coalition)
    organization_id: int = event.organization_id  # type: ignore[attr-defined]
    try:
        async with in_transaction():
            volunteer, new_volunteer = await find_or_create_volunteer(
                organization_id, contact, trusted=trusted, source=source.value
            )
            # The rows as they are now, locked until the commit (a cancellation in between waits for it).
            locked = {s.id: s for s in await Shift.filter(id__in=ids).order_by("id").select_for_update()}
            current = await Event.get(id=event.id)
            check_shifts(current, ids, locked)
            held = await Signup.filter(volunteer_id=volunteer.id, holder__in=ids).values_list("holder", flat=True)
            if held:
                raise _already(ids, [int(h) for h in held])  # type: ignore[call-overload]
            made: dict[int, Signup] = {}
            with db.orm_path():  # the seat rule's ORM way, on PostgreSQL too
                for shift_id in sorted(ids):
                    made[shift_id] = await seats.record_signup(locked[shift_id], volunteer, source, referrer)
            signups = [made[i] for i in ids]
            for signup in signups:
                signup.volunteer = volunteer
            if sms_consent is not None and volunteer.phone and volunteer.phone == contact.phone:
                await grant_sms_consent(volunteer, sms_consent)
            if coalition is not None:
                await seats.record_coalition_choices(signups, contact, coalition)
            if not new_volunteer:
                await links.refresh_expired_links(volunteer)
            await combined.after_signups([s.id for s in signups], volunteer)  # after the consent and links it shows
    except IntegrityError as exc:  # they took one of these shifts a moment ago (a retry racing its first try)
        raise AlreadySignedUp(
            "this person is already signed up for one of these shifts", fields={"shifts": "already signed up"}
        ) from exc
    return SeveralResult(signups=signups, volunteer=volunteer, new_volunteer=new_volunteer)


def _already(shift_ids: Sequence[int], held: Sequence[int]) -> AlreadySignedUp:
    fields = {_field(shift_ids, shift_id): "already signed up" for shift_id in sorted(held)}
    which = ", ".join(str(shift_id) for shift_id in sorted(held))
    return AlreadySignedUp(f"this person is already signed up for shift {which}", fields=fields)


async def _one(
    event: Event,
    shift_id: int,
    contact: Contact,
    source: SignupSource,
    referrer: str,
    sms_consent: ConsentContext | None,
    trusted: bool,
    coalition: seats.CoalitionChoices | None,
) -> SeveralResult:
    """A single shift: the ordinary sign-up (its confirmation with the calendar invitation), errors named as
    the list's first entry."""
    try:
        result = await seats.sign_up(
            shift_id,
            contact,
            source=source,
            referrer=referrer,
            sms_consent=sms_consent,
            trusted=trusted,
            coalition=coalition,
        )
    except AlreadySignedUp as exc:
        raise _already([shift_id], [shift_id]) from exc
    except ShiftClosed as exc:  # it closed since it was checked
        raise ShiftClosed(exc.message, code=exc.code, fields={"shifts.0": exc.message}) from exc
    return SeveralResult(signups=[result.signup], volunteer=result.volunteer, new_volunteer=result.new_volunteer)
