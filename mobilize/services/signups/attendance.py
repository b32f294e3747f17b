"""Attendance: the one rule of when it may be recorded, rosters, organizers' check-in (attended, no-show,
walk-ins), volunteers' own check-in from a shift's QR code, and the sweep that turns sign-ups nobody checked
in into no-shows after the shift."""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tortoise.expressions import F
from tortoise.transactions import in_transaction

from mobilize.models import EventStatus, Shift, ShiftStatus, Signup, SignupSource, SignupStatus, Volunteer
from mobilize.services import audit
from mobilize.services.access import Actor
from mobilize.services.errors import Conflict, Invalid, NotFound
from mobilize.services.events.queries import get_shift
from mobilize.services.people import Contact, find_or_create_volunteer
from mobilize.services.signups import seats

OUTCOMES = frozenset({SignupStatus.ATTENDED, SignupStatus.NO_SHOW})  # what an organizer records afterwards
ORGANIZER_STATUSES = frozenset({SignupStatus.ATTENDED, SignupStatus.NO_SHOW, SignupStatus.CONFIRMED})
AWAITING = (SignupStatus.SIGNED_UP, SignupStatus.CONFIRMED)  # seat held, attendance not known yet
CHECKIN_OPENS = timedelta(hours=1)  # people who arrive are checked in from an hour before the start
CHECKIN_SALT = "shift-checkin"
ROSTER_ORDER = {
    s: i for i, s in enumerate(["attended", "confirmed", "signed_up", "no_show", "waitlisted", "cancelled"])
}


# ---- when attendance may be recorded -------------------------------------------------------------


class TooEarly(Invalid):
    """Attendance recorded before the shift (422, naming `status`)."""

    code = "too_early"


def require_attendance_open(shift: Shift, status: SignupStatus, now: datetime | None = None) -> None:
    """The one rule of when attendance may be recorded, whoever records it: the roster, the API, the host
    page, walk-ins, sign-in sheets and imports, a volunteer's own check-in or HERE by text. Someone is marked
    as come from CHECKIN_OPENS before the start (people arrive early at a line, and check themselves in from
    then), as not come only once the shift has started. TooEarly otherwise; other statuses pass."""
    now = now or datetime.now(UTC)
    if status == SignupStatus.ATTENDED and now < shift.starts_at - CHECKIN_OPENS:
        message = "this shift has not started: people are checked in from an hour before its start"
    elif status == SignupStatus.NO_SHOW and now < shift.starts_at:
        message = "this shift has not started: nobody can have missed it yet"
    else:
        return
    raise TooEarly(message, fields={"status": message})


# ---- the roster ---------------------------------------------------------------------------------


async def roster(actor: Actor, shift_id: int) -> tuple[Shift, list[Signup]]:
    """A shift (with its event) and every sign-up on it, people who came first. A host sees only the
    shifts of their groups: anyone else's is NotFound."""
    shift = await get_shift(actor, shift_id)
    rows = await Signup.filter(shift_id=shift.id).prefetch_related("volunteer").order_by("id")
    rows.sort(key=lambda s: (ROSTER_ORDER.get(str(s.status), 9), s.id))
    return shift, rows


def takes_arrivals(shift: Shift, now: datetime) -> bool:
    """Whether walk-ins and self check-ins are still taken (the roster offers them only then): the shift and
    its event are on, and the shift has not ended. Loaded with its event."""
    on = shift.status == ShiftStatus.SCHEDULED and shift.event.status == EventStatus.SCHEDULED
    return on and now < shift.ends_at


async def _organizers_signup(actor: Actor, signup_id: int) -> Signup:
    signup = await Signup.get_or_none(id=signup_id).prefetch_related("shift__event")
    if signup is None or signup.shift.event.organization_id != actor.organization_id:
        raise NotFound(f"signup {signup_id} not found")
    actor.require_writer(signup.shift.event.group_id)
    return signup


async def record_attendance(actor: Actor, signup_id: int, status: SignupStatus | None) -> Signup:
    """An organizer's decision about one person: attended, no-show, or (None) keep the sign-up as it is.
    Either way the sign-up is locked against the automatic no-show sweep. Changing a recorded attendance
    (attended to no-show, or back) is a correction: it goes in the audit log."""
    signup = await _organizers_signup(actor, signup_id)
    if status is not None:
        if status not in ORGANIZER_STATUSES:
            raise Conflict(f"the roster cannot mark a sign-up {seats.AS_OUTCOME[status]}", code="bad_transition")
        await set_status_audited(actor, signup, status)
    update: dict[str, object] = {"attendance_locked": True}
    if status == SignupStatus.ATTENDED:
        update["checked_in_at"] = datetime.now(UTC)
    await Signup.filter(id=signup.id).update(**update)
    return await Signup.get(id=signup.id).prefetch_related("volunteer", "shift__event")


async def set_status_audited(actor: Actor, signup: Signup, status: SignupStatus) -> seats.SignupResult:
    """Set a sign-up's status as an organizer (roster, API); attendance only once the shift allows it
    (require_attendance_open). A recorded attendance changed is a correction, written to the audit log in
    the same transaction."""
    if status in OUTCOMES:
        require_attendance_open(await Shift.get(id=signup.shift_id), status)  # type: ignore[attr-defined]
    before = SignupStatus(signup.status)
    if before not in OUTCOMES or status in (before, SignupStatus.CANCELLED):
        return await seats.set_status(signup.id, status)
    async with in_transaction():
        result = await seats.set_status(signup.id, status)
        shift_id: int = signup.shift_id  # type: ignore[attr-defined]
        detail = {"signup": signup.id, "shift": shift_id, "from": before.value, "to": status.value}
        await audit.record(actor, "signup.attendance_corrected", detail)
    return result


async def add_walk_in(actor: Actor, shift_id: int, contact: Contact) -> Signup:
    """Someone who came without signing up: a sign-up from the source walk_in, marked attended. Someone
    already on the shift is simply checked in."""
    shift = await get_shift(actor, shift_id)
    actor.require_writer(shift.event.group_id)  # type: ignore[attr-defined]
    require_attendance_open(shift, SignupStatus.ATTENDED)  # before the sign-up: nothing half done
    try:
        result = await seats.sign_up(shift.id, contact, source=SignupSource.WALK_IN, trusted=True)
        signup_id = result.signup.id
    except Conflict as exc:
        existing = exc.fields.get("signup")
        if not existing:
            raise
        signup_id = int(existing)
    return await record_attendance(actor, signup_id, SignupStatus.ATTENDED)


async def add_with_attendance(
    actor: Actor,
    shift_id: int,
    contact: Contact,
    status: SignupStatus,
    source: SignupSource = SignupSource.WALK_IN,
    now: datetime | None = None,
) -> tuple[Signup, bool]:
    """An organizer adds a person to a shift that has started or ended, with whether they came (a paper
    sign-in sheet, a walk-in entered afterwards). No confirmation or reminder goes out: the shift is past.
    Someone on the shift already gets the mark on their sign-up. Refused before attendance may be recorded
    (require_attendance_open). Returns (sign-up, whether it is new); a second run changes nothing."""
    now = now or datetime.now(UTC)
    if status not in OUTCOMES:
        raise Invalid.field("status", "must be attended or no_show")
    shift = await get_shift(actor, shift_id)
    actor.require_writer(shift.event.group_id)  # type: ignore[attr-defined]
    if shift.status != ShiftStatus.SCHEDULED or shift.event.status != EventStatus.SCHEDULED:  # type: ignore[attr-defined]
        raise Conflict("this shift was cancelled: nobody was expected", code="shift_cancelled")
    require_attendance_open(shift, status, now)
    organization_id: int = shift.event.organization_id  # type: ignore[attr-defined]
    async with in_transaction():
        volunteer, _ = await find_or_create_volunteer(organization_id, contact, trusted=True, source=source.value)
        existing = await Signup.get_or_none(volunteer_id=volunteer.id, holder=shift.id)
        if existing is None:
            signup = await Signup.create(
                shift_id=shift.id, volunteer=volunteer, holder=shift.id, status=status, source=source,
                attendance_locked=True,
            )  # fmt: skip
            # The seat is counted (attended and no-show hold one) even past the cap: the sheet says who was there.
            await Shift.filter(id=shift.id).update(filled=F("filled") + 1)
    if existing is not None:
        if existing.status == status and existing.attendance_locked:  # entered already: nothing changes
            return await Signup.get(id=existing.id).prefetch_related("volunteer", "shift__event"), False
        return await record_attendance(actor, existing.id, status), False
    return await Signup.get(id=signup.id).prefetch_related("volunteer", "shift__event"), True


# ---- volunteers' own check-in -------------------------------------------------------------------


def checkin_token(secret: str, shift_id: int) -> str:
    """The secret part of a shift's check-in link (its QR code): the id and an HMAC of it, so a link
    cannot be made for another shift. Short, to keep the QR code easy to scan."""
    mac = hmac.new(secret.encode(), f"{CHECKIN_SALT}:{shift_id}".encode(), hashlib.sha256).digest()[:16]
    return f"{shift_id}-{base64.urlsafe_b64encode(mac).decode().rstrip('=')}"


def shift_from_token(secret: str, token: str) -> int:
    head, _, _ = token.partition("-")
    if not head.isdigit() or len(head) > 10 or not hmac.compare_digest(checkin_token(secret, int(head)), token):
        raise NotFound("this check-in link is not valid")
    return int(head)


async def checkin_shift(shift_id: int) -> Shift:
    shift = await Shift.get_or_none(id=shift_id).prefetch_related("event")
    if shift is None:
        raise NotFound("this check-in link is not valid")
    return shift


@dataclass(frozen=True)
class SelfCheckIn:
    signup: Signup
    already: bool


async def self_check_in(shift_id: int, contact: Contact, now: datetime | None = None) -> SelfCheckIn:
    """A volunteer at the shift checks in on their phone with the phone number or email they signed up
    with. Open from an hour before the start to the end of the shift."""
    now = now or datetime.now(UTC)
    shift = await checkin_shift(shift_id)
    if shift.event.status != EventStatus.SCHEDULED or shift.status != ShiftStatus.SCHEDULED:
        raise Conflict("this shift is cancelled", code="shift_cancelled")
    require_attendance_open(shift, SignupStatus.ATTENDED, now)
    if now >= shift.ends_at:
        raise Conflict("this shift is over; ask an organizer to check you in", code="shift_over")
    volunteer = None
    mine = Volunteer.filter(organization_id=shift.event.organization_id)  # the event's organization's records
    if contact.phone:
        volunteer = await mine.filter(phone=contact.phone).first()
    if volunteer is None and contact.email:
        volunteer = await mine.filter(email=contact.email).first()
    signup = None
    if volunteer is not None:
        signup = await Signup.get_or_none(volunteer_id=volunteer.id, holder=shift.id)
    if signup is None:
        raise NotFound("we found no sign-up for this shift with that phone number or email; ask an organizer")
    if signup.status == SignupStatus.ATTENDED:
        return SelfCheckIn(signup=signup, already=True)
    await check_in(signup.id, now)
    return SelfCheckIn(signup=await Signup.get(id=signup.id), already=False)


async def check_in(signup_id: int, now: datetime) -> None:
    """The volunteer is here (QR self check-in, SMS HERE): attended, with the time they said so (TooEarly
    before check-in opens)."""
    shift = await Shift.get_or_none(signups__id=signup_id)
    if shift is None:
        raise NotFound(f"signup {signup_id} not found")
    require_attendance_open(shift, SignupStatus.ATTENDED, now)
    await seats.set_status(signup_id, SignupStatus.ATTENDED)
    await Signup.filter(id=signup_id).update(checked_in_at=now)


# ---- the no-show rule ---------------------------------------------------------------------------


async def mark_no_shows(grace: timedelta, now: datetime | None = None) -> int:
    """Sign-ups still awaiting attendance on shifts that ended more than `grace` ago become no-shows,
    except those an organizer locked. Idempotent; returns how many changed. Cancelled shifts and events
    are left alone: nobody was expected there."""
    cutoff = (now or datetime.now(UTC)) - grace
    ids = await Signup.filter(
        status__in=AWAITING,
        attendance_locked=False,
        shift__ends_at__lte=cutoff,
        shift__status=ShiftStatus.SCHEDULED,
        shift__event__status=EventStatus.SCHEDULED,
    ).values_list("id", flat=True)
    changed = 0
    for start in range(0, len(ids), 500):
        chunk = list(ids[start : start + 500])
        async with in_transaction():
            # The status condition again: a check-in that landed meanwhile wins.
            changed += await Signup.filter(id__in=chunk, status__in=AWAITING, attendance_locked=False).update(
                status=SignupStatus.NO_SHOW, updated_at=datetime.now(UTC)
            )
    return changed
