"""Filling gaps: ask a group's standby volunteers by SMS to fill its shifts that are below target, and take
their YES or NO.

A shift has a gap when it is scheduled, of a scheduled event, starts within `GapRules.hours` (48 by
default) and fewer of its sign-ups are signed up or confirmed than its target: the gap is target minus that
count (waitlisted people hold no seat; attended and no-show are after the fact). For each gap, up to
`min(gap * ASK_FACTOR, MAX_ASKS_PER_SHIFT)` people are waiting for an answer at any time: the job tops the
asks up to that number. It asks the standby volunteers of the event's group who are opted in to SMS, have a
phone, hold no live sign-up on the shift, were never asked for it, and were asked fewer than
`GapRules.asks_per_week` times in the last 7 days, nearest first (volunteers without a locatable postal
code last). Each ask is a GapRequest row, unique per (shift, volunteer), and an outbox SMS planned in the
same transaction: a job that runs twice asks once. The outbox checks the opt-out again when it sends.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from tortoise.exceptions import IntegrityError
from tortoise.functions import Count
from tortoise.transactions import in_transaction

from mobilize.models import (
    Channel,
    EventStatus,
    GapAnswer,
    GapRequest,
    Message,
    MessageKind,
    MessageState,
    Shift,
    ShiftStatus,
    Signup,
    SignupSource,
    SignupStatus,
    SmsStatus,
    Standby,
    Volunteer,
)
from mobilize.services import geo
from mobilize.services.errors import AlreadySignedUp, ShiftClosed
from mobilize.services.outbox import after_commit
from mobilize.services.outbox.messages import SMS_FOOTER, at_place
from mobilize.services.outbox.quiet_hours import DEFAULT_QUIET_HOURS, QuietHours, sms_send_after
from mobilize.services.people import Contact
from mobilize.services.signups.seats import sign_up
from mobilize.times import text_span

ASK_FACTOR = 2  # people asked per missing person: not everyone answers, not everyone can come
MAX_ASKS_PER_SHIFT = 20  # people waiting for an answer about one shift, at most
WEEK = timedelta(days=7)
# Counts toward the target: people holding a seat who have not been marked after the fact.
COUNTED = (SignupStatus.SIGNED_UP, SignupStatus.CONFIRMED)
SENT_STATES = (MessageState.SENT, MessageState.DELIVERED)
# An ask whose text will never arrive (opted out meanwhile, undeliverable) leaves its place to someone else.
LOST_STATES = (MessageState.SKIPPED, MessageState.FAILED, MessageState.UNDELIVERED, MessageState.CANCELLED)
# The outbound SMS that ask a YES/NO question: the most recent one sent decides what a YES answers.
QUESTION_KINDS = (MessageKind.GAP_REQUEST, MessageKind.REMINDER_DAY_BEFORE)


@dataclass(frozen=True)
class GapRules:
    hours: int = 48  # GAP_FILL_HOURS: how far ahead shifts are looked at, and how long an ask stays open
    asks_per_week: int = 2  # GAP_ASKS_PER_WEEK: asks per volunteer in any 7 days, over all shifts
    quiet: QuietHours = DEFAULT_QUIET_HOURS


@dataclass
class GapFill:
    """What a run of the job did: shifts with a gap, people asked, outbox rows due now (enqueue after commit)."""

    shifts: int = 0
    asked: int = 0
    expired: int = 0
    due_now: list[int] = field(default_factory=list)


@dataclass
class GapResponse:
    """An answer taken: the request, the answer, the sign-up if they said YES (waitlisted if the shift filled
    meanwhile), the outbox rows it planned (confirmation and reminders: enqueue after commit), and a reply."""

    request: GapRequest
    answer: GapAnswer
    signup: Signup | None = None
    waitlisted: bool = False
    due_now: list[int] = field(default_factory=list)
    reply: str = ""


def gap_text(org: str, title: str, slot: str, where: str) -> str:
    """The ask's SMS; `where` is messages.at_place's (" at <venue>", or "" for an event naming no place)."""
    return f"{org}: {title} on {slot}{where} needs people. Can you come? Reply YES to sign up. {SMS_FOOTER}"


async def expire_requests(now: datetime) -> int:
    """Pending asks whose shift has started can no longer be answered: mark them expired."""
    ids = await GapRequest.filter(answer=GapAnswer.PENDING, shift__starts_at__lte=now).values_list("id", flat=True)
    if not ids:
        return 0
    return await GapRequest.filter(id__in=list(ids), answer=GapAnswer.PENDING).update(
        answer=GapAnswer.EXPIRED, answered_at=now
    )


async def shifts_with_gaps(now: datetime, hours: int = 48) -> list[tuple[Shift, int]]:
    """(shift with its event, group and organization, gap) of the shifts below target starting within `hours`."""
    shifts = await Shift.filter(
        status=ShiftStatus.SCHEDULED,
        event__status=EventStatus.SCHEDULED,
        starts_at__gt=now,
        starts_at__lte=now + timedelta(hours=hours),
        target__gt=0,
    ).select_related("event__group", "event__organization")
    if not shifts:
        return []
    rows = (
        await Signup.filter(shift_id__in=[s.id for s in shifts], status__in=list(COUNTED))
        .annotate(n=Count("id"))
        .group_by("shift_id")
        .values("shift_id", "n")
    )
    counted = {int(r["shift_id"]): int(r["n"]) for r in rows}
    gaps = [(s, s.target - counted.get(s.id, 0)) for s in shifts]
    return sorted([(s, gap) for s, gap in gaps if gap > 0], key=lambda pair: (pair[0].starts_at, pair[0].id))


def _origin(shift: Shift) -> tuple[float, float] | None:
    event, group = shift.event, shift.event.group
    if event.lat is not None and event.lon is not None:
        return (event.lat, event.lon)
    if group.lat is not None and group.lon is not None:
        return (group.lat, group.lon)
    return geo.centroid(group.postal_code) if group.postal_code else None


def nearest_first(volunteers: list[Volunteer], origin: tuple[float, float] | None) -> list[Volunteer]:
    """By distance from their postal code's centre to `origin`; people we cannot place come last, by id."""

    def key(volunteer: Volunteer) -> tuple[int, float, int]:
        point = geo.centroid(volunteer.postal_code) if volunteer.postal_code else None
        if point is None or origin is None:
            return (1, 0.0, volunteer.id)
        return (0, geo.distance_km(origin, point), volunteer.id)

    return sorted(volunteers, key=key)


async def fill_gaps(now: datetime, rules: GapRules | None = None) -> GapFill:
    """Ask standby volunteers for every shift with a gap (see the module docstring). Safe to run at any time
    and twice: an ask is unique per (shift, volunteer), and the asks still waiting count toward the number."""
    rules = rules or GapRules()
    result = GapFill(expired=await expire_requests(now))
    gaps = await shifts_with_gaps(now, rules.hours)
    result.shifts = len(gaps)
    if not gaps:
        return result
    shift_ids = [s.id for s, _ in gaps]
    group_ids = {s.event.group_id for s, _ in gaps}
    standby: dict[int, list[Volunteer]] = defaultdict(list)
    for row in await Standby.filter(
        group_id__in=list(group_ids),
        volunteer__sms_status=SmsStatus.OPTED_IN,
        volunteer__sms_blocked=False,
        volunteer__phone__not_isnull=True,
    ).select_related("volunteer"):
        if row.volunteer.phone:
            standby[row.group_id].append(row.volunteer)
    if not standby:
        return result
    on_shift = set(
        await Signup.filter(shift_id__in=shift_ids, holder__not_isnull=True).values_list("shift_id", "volunteer_id")
    )
    asked: set[tuple[int, int]] = set()
    waiting: Counter[int] = Counter()
    for shift_id, volunteer_id, answer, state in await GapRequest.filter(shift_id__in=shift_ids).values_list(
        "shift_id", "volunteer_id", "answer", "message__state"
    ):
        asked.add((shift_id, volunteer_id))
        if answer == GapAnswer.PENDING and state not in LOST_STATES:
            waiting[shift_id] += 1
    everyone = {v.id for people in standby.values() for v in people}
    this_week: Counter[int] = Counter(
        {
            int(r["volunteer_id"]): int(r["n"])
            for r in await GapRequest.filter(volunteer_id__in=list(everyone), asked_at__gt=now - WEEK)
            .annotate(n=Count("id"))
            .group_by("volunteer_id")
            .values("volunteer_id", "n")
        }
    )
    for shift, gap in gaps:
        event = shift.event
        room = min(gap * ASK_FACTOR, MAX_ASKS_PER_SHIFT) - waiting[shift.id]
        due_at = sms_send_after(now, event.timezone, rules.quiet)
        if room <= 0 or due_at >= shift.starts_at:  # quiet hours last until it starts: too late to ask
            continue
        candidates = [
            v
            for v in standby.get(event.group_id, [])
            if (shift.id, v.id) not in on_shift
            and (shift.id, v.id) not in asked
            and this_week[v.id] < rules.asks_per_week
        ]
        for volunteer in nearest_first(candidates, _origin(shift))[:room]:
            message_id = await _ask(shift, volunteer, now, due_at)
            if message_id is None:
                continue
            this_week[volunteer.id] += 1
            result.asked += 1
            if due_at <= now:
                result.due_now.append(message_id)
    return result


async def _ask(shift: Shift, volunteer: Volunteer, now: datetime, due_at: datetime) -> int | None:
    """The ask and its SMS, together; None if this person was asked for this shift already."""
    event = shift.event
    body = gap_text(
        event.organization.name, event.title, text_span(shift.starts_at, shift.ends_at, event.timezone), at_place(event)
    )
    try:
        async with in_transaction():
            message = await Message.create(
                organization_id=event.organization_id,
                volunteer=volunteer,
                channel=Channel.SMS,
                kind=MessageKind.GAP_REQUEST,
                to_address=volunteer.phone,
                body=body,
                due_at=due_at,
                expires_at=shift.starts_at,
                timezone=event.timezone,
                dedupe_key=f"gap:{shift.id}:{volunteer.id}",
            )
            await GapRequest.create(shift=shift, volunteer=volunteer, message=message, asked_at=now)
    except IntegrityError:
        return None
    return message.id


async def pending_request(volunteer_id: int, now: datetime, hours: int = 48) -> GapRequest | None:
    """The gap request a YES or NO from this volunteer answers, if any: their most recent YES/NO question
    sent by SMS (a gap request or a day-before reminder) is a gap request, still pending, asked within
    `hours`, for a shift that has not started. The inbound SMS grammar routes YES/NO here when this is set."""
    last = (
        await Message.filter(
            volunteer_id=volunteer_id,
            channel=Channel.SMS,
            kind__in=list(QUESTION_KINDS),
            state__in=list(SENT_STATES),
            sent_at__not_isnull=True,
        )
        .order_by("-sent_at", "-id")
        .first()
    )
    if last is None or last.kind != MessageKind.GAP_REQUEST:
        return None
    return (
        await GapRequest.filter(
            message_id=last.id,
            answer=GapAnswer.PENDING,
            asked_at__gt=now - timedelta(hours=hours),
            shift__starts_at__gt=now,
        )
        .select_related("shift__event__organization", "volunteer")
        .first()
    )


async def answer(
    volunteer_id: int,
    yes: bool,
    now: datetime,
    *,
    base_url: str,
    quiet: QuietHours = DEFAULT_QUIET_HOURS,
    hours: int = 48,
) -> GapResponse | None:
    """Take a YES or NO to the volunteer's pending gap request (see `pending_request`); None if there is none.

    YES signs them up for the shift (source sms) through services.signups.seats: a seat if one is free, else the
    waitlist (`waitlisted` says so), and plans the confirmation and reminders (`due_now`: enqueue them after
    commit). NO is recorded. The answer is taken once: a second YES finds nothing pending and returns None, so
    nobody is signed up twice. If the shift was cancelled meanwhile the request is marked expired. Pass
    `hours` = GAP_FILL_HOURS (settings.gap_fill_hours) and `quiet` = QUIET_HOURS. `reply` is a suggested
    answer text (TwiML); the confirmation in `due_now` goes through the outbox either way.
    """
    request = await pending_request(volunteer_id, now, hours)
    if request is None:
        return None
    given = GapAnswer.YES if yes else GapAnswer.NO
    taken = await GapRequest.filter(id=request.id, answer=GapAnswer.PENDING).update(answer=given, answered_at=now)
    if not taken:  # a concurrent answer won
        return None
    request.answer, request.answered_at = given, now
    shift, volunteer = request.shift, request.volunteer
    event = shift.event
    org = event.organization.name
    if not yes:
        return GapResponse(request, given, reply=f"{org}: thanks for letting us know. {SMS_FOOTER}")
    try:
        # The confirmation and reminders commit with the sign-up; the caller enqueues those due now.
        with after_commit.collecting(base_url=base_url, now=now, quiet=quiet) as due:
            result = await sign_up(
                shift.id, Contact(name=volunteer.name, phone=volunteer.phone), source=SignupSource.SMS
            )
    except AlreadySignedUp:
        signup = await Signup.get_or_none(volunteer_id=volunteer.id, holder=shift.id)
        if signup is not None:
            await GapRequest.filter(id=request.id).update(signup_id=signup.id)
        request.signup = signup  # type: ignore[assignment]
        return GapResponse(
            request, given, signup=signup, reply=f"{org}: you're already on {event.title}. See you there!"
        )
    except ShiftClosed:
        await GapRequest.filter(id=request.id).update(answer=GapAnswer.EXPIRED)
        request.answer = GapAnswer.EXPIRED
        return GapResponse(request, GapAnswer.EXPIRED, reply=f"{org}: sorry, {event.title} is no longer on.")
    await GapRequest.filter(id=request.id).update(signup_id=result.signup.id)
    request.signup = result.signup
    waitlisted = result.signup.status == SignupStatus.WAITLISTED
    slot = text_span(shift.starts_at, shift.ends_at, event.timezone)
    reply = (
        f"{org}: it filled up meanwhile, so you're on the waitlist for {event.title}, {slot}."
        if waitlisted
        else f"{org}: thank you! You're signed up for {event.title}, {slot}."
    )
    return GapResponse(request, given, signup=result.signup, waitlisted=waitlisted, due_now=due, reply=reply)
