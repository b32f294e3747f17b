"""What the shift keywords do, inside the inbound message's transaction: YES and NO (and the numbered
list that settles which shift they mean) and HERE; JOIN is services/inbound/join.py.

"The shift last asked about" is the most recent of: the day-before reminder (which asks YES/NO) texted in
the last ASK_WINDOW for a shift not yet started, and the numbered list we sent (a PendingQuestion row, kept
in the database). Without either, a volunteer with one upcoming shift means that one; with several, they
get a numbered list and their next message may be its number. (On PostgreSQL, services/inbound/postgres.py
reads these facts in the statement that finds the sender.)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from mobilize import db
from mobilize.models import (
    Channel,
    EventStatus,
    Message,
    MessageKind,
    MessageState,
    PendingQuestion,
    Shift,
    ShiftStatus,
    Signup,
    SignupStatus,
)
from mobilize.services import gaps, signups
from mobilize.services.errors import Conflict
from mobilize.services.inbound import picket
from mobilize.services.inbound.turns import Answer, Turn, describe, org_name, savepoint
from mobilize.services.signups import attendance
from mobilize.times import text_span

ASK_WINDOW = timedelta(hours=48)  # a question older than this is not "pending" any more
NAME_WINDOW = timedelta(hours=24)
CHECK_IN_EARLY = timedelta(minutes=30)  # HERE counts from this long before the start to the end
MAX_LIST = 9
CONSENT_SOURCE = "keyword"
NOTHING_UNDER_WAY = "We couldn't find a shift of yours under way right now."


@dataclass(frozen=True)
class Held:
    """A sign-up as YES and NO see it, in plain values: built from the ORM's rows, or read in the statement
    that finds the sender (services/inbound/postgres.py)."""

    id: int
    status: str
    starts_at: datetime
    ends_at: datetime
    title: str
    timezone: str
    organization_id: int
    organization_name: str

    @classmethod
    def of(cls, signup: Signup) -> Held:
        """From a sign-up loaded with its shift, event and organization."""
        shift, event = signup.shift, signup.shift.event
        return cls(
            signup.id,
            str(signup.status),
            shift.starts_at,
            shift.ends_at,
            event.title,
            event.timezone,
            event.organization_id,
            org_name(event),
        )

    def describe(self) -> str:
        return f"{self.title}, {text_span(self.starts_at, self.ends_at, self.timezone)}"


def _scope(turn: Turn) -> dict[str, Any]:
    """Sign-ups of the organization whose own number was texted, or of every organization."""
    return {"shift__event__organization_id": turn.organization.id} if turn.organization else {}


async def _upcoming(turn: Turn, statuses: list[SignupStatus]) -> list[Held]:
    assert turn.volunteer is not None
    rows = (
        await Signup.filter(
            volunteer_id=turn.volunteer.id,
            status__in=statuses,
            shift__starts_at__gt=turn.now,
            shift__status=ShiftStatus.SCHEDULED,
            shift__event__status=EventStatus.SCHEDULED,
            **_scope(turn),
        )
        .select_related("shift__event__organization")
        .order_by("shift__starts_at", "id")
        .limit(MAX_LIST)
    )
    return [Held.of(s) for s in rows]


_LAST_REMINDER = (
    "SELECT m.signup_id, m.sent_at FROM message m JOIN signup s ON s.id = m.signup_id "
    "JOIN shift sh ON sh.id = s.shift_id WHERE m.volunteer_id = ? AND m.kind = ? AND m.channel = ? "
    "AND m.state IN (?, ?, ?) AND m.sent_at >= ? AND sh.starts_at > ?{org} ORDER BY m.sent_at DESC, m.id DESC LIMIT 1"
)


def _when(value: datetime) -> Any:
    """A time as a query parameter, in the form the ORM stores it (SQLite compares stored times as text)."""
    return Message._meta.fields_map["sent_at"].to_db_value(value, Message)


async def _last_reminder(turn: Turn) -> tuple[int, datetime] | None:
    """(sign-up, sent at) of the latest day-before reminder (the YES/NO question) texted within the window,
    for a shift to come. Written out: it runs for every YES and NO."""
    assert turn.volunteer is not None
    params: list[Any] = [turn.volunteer.id, MessageKind.REMINDER_DAY_BEFORE.value, Channel.SMS.value]
    params += [MessageState.SENT.value, MessageState.DELIVERED.value, MessageState.SENDING.value]
    params += [_when(turn.now - ASK_WINDOW), _when(turn.now)]
    if turn.organization:
        params.append(turn.organization.id)
    sql = _LAST_REMINDER.format(org=" AND m.organization_id = ?" if turn.organization else "")
    row = await db.fetch_one(sql, *params)
    if row is None:
        return None
    sent_at = Message._meta.fields_map["sent_at"].to_python_value(row["sent_at"])
    return int(row["signup_id"]), sent_at


async def pending_question(turn: Turn, kind: str) -> PendingQuestion | None:
    """The question we wait on an answer to from this number, if it was asked at the sender this message
    reached: the same number texting another organization's sender is that organization's conversation, not
    an answer (written out: it runs for every YES and NO)."""
    row = await db.fetch_one(
        "SELECT id, expires_at, organization_id FROM pending_question WHERE phone = ? AND kind = ?",
        turn.phone or "",
        kind,
    )
    if row is None or row["organization_id"] != (turn.organization.id if turn.organization else None):
        return None
    expires_at = PendingQuestion._meta.fields_map["expires_at"].to_python_value(row["expires_at"])
    if expires_at <= turn.now:
        return None
    return await PendingQuestion.get_or_none(id=row["id"])


async def ask(turn: Turn, kind: str, action: str, data: dict[str, Any], window: timedelta) -> None:
    """Keep the question we are asking this number (replacing any earlier one)."""
    assert turn.phone is not None
    await PendingQuestion.filter(phone=turn.phone).delete()
    await PendingQuestion.create(
        phone=turn.phone,
        kind=kind,
        action=action,
        data=data,
        organization_id=turn.organization.id if turn.organization else None,
        expires_at=turn.now + window,
    )


def _list_text(action: str, choices: list[Held]) -> str:
    verb = "confirm" if action == "yes" else "drop"
    lines = [f"{n}. {s.describe()}" for n, s in enumerate(choices, start=1)]
    return f"Which shift do you want to {verb}? Reply with its number:\n" + "\n".join(lines)


async def answer_yes_no(turn: Turn, action: str) -> Answer:
    """YES or NO: act on the shift last asked about, or ask which one."""
    if turn.volunteer is None:
        return Answer("unknown_sender", not_signed_up(turn))
    statuses = [SignupStatus.SIGNED_UP, SignupStatus.CONFIRMED]
    if action == "no":
        statuses.append(SignupStatus.WAITLISTED)
    question = await pending_question(turn, "choose")
    gap = await _answer_gap_request(turn, action, question)
    if gap is not None:
        return gap
    reminder = await _last_reminder(turn)
    if question is not None and (reminder is None or question.created_at > reminder[1]):
        choices = await _choices(question, turn)
        if choices:
            await ask(turn, "choose", action, {"signups": [s.id for s in choices]}, ASK_WINDOW)
            return Answer("asked_which", _list_text(action, choices))
    if reminder is not None:
        signup = await Signup.get_or_none(id=reminder[0], status__in=statuses).select_related(
            "shift__event__organization"
        )
        if signup is not None:
            return await act_on(turn, Held.of(signup), action)
    candidates = await _upcoming(turn, statuses)
    if not candidates:
        return nothing_to(action)
    if len(candidates) == 1:
        return await act_on(turn, candidates[0], action)
    await ask(turn, "choose", action, {"signups": [s.id for s in candidates]}, ASK_WINDOW)
    return Answer("asked_which", _list_text(action, candidates))


def nothing_to(action: str) -> Answer:
    """YES or NO from a volunteer without an upcoming shift."""
    return Answer(f"{action}_nothing", f"You have no upcoming shifts to {'confirm' if action == 'yes' else 'drop'}.")


async def _answer_gap_request(turn: Turn, action: str, question: PendingQuestion | None) -> Answer | None:
    """YES or NO to an ask to fill a shift (services/gaps/filling.py), when that ask is the last YES/NO question the
    volunteer was sent (a numbered list sent since comes first). YES signs them up; the confirmation comes
    from the outbox, so the webhook answers only a NO or a full shift."""
    if turn.volunteer is None:
        return None
    request = await gaps.pending_request(turn.volunteer.id, turn.now)
    if request is None or (question is not None and question.created_at > request.asked_at):
        return None
    taken = await gaps.answer(turn.volunteer.id, action == "yes", turn.now, base_url=turn.base_url, quiet=turn.quiet)
    if taken is None:
        return None
    turn.deliver += taken.due_now
    org_id = await Shift.filter(id=request.shift_id).first().values_list("event__organization_id", flat=True)
    seated = taken.signup is not None and not taken.waitlisted and bool(taken.due_now)
    return Answer(f"gap_{action}", "" if seated else taken.reply, int(org_id) if org_id else None)  # type: ignore[call-overload]


async def _choices(question: PendingQuestion, turn: Turn) -> list[Held]:
    """The listed sign-ups still held by the record this message belongs to: on the shared sender the
    conversation may have moved to another organization's record since the list was sent."""
    assert turn.volunteer is not None
    ids = [int(i) for i in question.data.get("signups", []) if isinstance(i, int)]
    held = Signup.filter(id__in=ids, volunteer_id=turn.volunteer.id).select_related("shift__event__organization")
    rows = {s.id: s for s in await held}
    return [Held.of(rows[i]) for i in ids if i in rows]


async def answer_number(turn: Turn, number: int) -> Answer | None:
    """A bare number answers the numbered list we sent; None when there is no such question (the number is
    then just a message for the inbox)."""
    if turn.volunteer is None or turn.phone is None:
        return None
    question = await pending_question(turn, "choose")
    if question is None:
        return None
    choices = await _choices(question, turn)
    if not choices:
        return None  # nothing listed is still this record's (the conversation moved): a message for its inbox
    if not 1 <= number <= len(choices):
        return Answer("bad_choice", f"Please reply with a number from 1 to {len(choices)}.")
    await PendingQuestion.filter(id=question.id).delete()
    return await act_on(turn, choices[number - 1], question.action)


_CONFIRM = "UPDATE signup SET status = ?, updated_at = ? WHERE id = ? AND status = ?"


def confirm(turn: Turn, held: Held) -> tuple[Answer, list[tuple[str, list[Any]]]]:
    """YES to one sign-up: the answer, and the write that confirms it, for the caller to run (alone, or in
    one statement with the message's record). Signed up -> confirmed is one conditional UPDATE (what
    signups.set_status does for it, without its reads): the most common answer after a day-before reminder."""
    prefix, what = f"{held.organization_name}: ", held.describe()
    if held.status == SignupStatus.WAITLISTED:
        waiting = f"{prefix}you're on the waitlist for {what}; we'll text you if a spot opens."
        return Answer("yes_waitlisted", waiting, held.organization_id), []
    params = [SignupStatus.CONFIRMED.value, _when(turn.now), held.id, SignupStatus.SIGNED_UP.value]
    answer = Answer("confirmed", f"{prefix}thanks, you're confirmed for {what}. See you there!", held.organization_id)
    return answer, [(_CONFIRM, params)]


async def act_on(turn: Turn, held: Held, action: str) -> Answer:
    """Confirm (YES) or drop (NO) one sign-up; a dropped seat goes to the first person waiting, who is told."""
    if action == "yes":
        answer, writes = confirm(turn, held)
        await db.write_all(writes)
        return answer
    org_id, what, prefix = held.organization_id, held.describe(), f"{held.organization_name}: "
    try:
        with turn.planning() as due:  # the calendar's cancel and the promoted's news commit with the drop
            await savepoint(lambda: signups.cancel_signup(held.id))
    except Conflict:
        return Answer("no_failed", f"{prefix}your attendance at {what} is already recorded.", org_id)
    turn.deliver += due
    return Answer("dropped", f"{prefix}you're no longer signed up for {what}. Thanks for letting us know.", org_id)


_UNDER_WAY = (
    "SELECT s.id FROM signup s JOIN shift sh ON sh.id = s.shift_id JOIN event e ON e.id = sh.event_id "
    "WHERE s.volunteer_id = {volunteer} AND s.status IN (?, ?, ?, ?) AND sh.starts_at <= ? AND sh.ends_at > ? "
    "AND sh.status = ? AND e.status = ?{org} ORDER BY sh.starts_at DESC, s.id LIMIT 1"
)


def under_way_sql(turn: Turn, volunteer: str = "?") -> tuple[str, list[Any]]:
    """The query for the volunteer's sign-up under way (from CHECK_IN_EARLY before its start to its end), with
    `?` placeholders, and its values: for `turn.volunteer`, or with `volunteer` the SQL naming their id (in
    the statement that finds them, services/inbound/postgres.py)."""
    statuses = [SignupStatus.SIGNED_UP, SignupStatus.CONFIRMED, SignupStatus.ATTENDED, SignupStatus.WAITLISTED]
    params: list[Any] = [turn.volunteer.id] if volunteer == "?" and turn.volunteer is not None else []
    params += [*[s.value for s in statuses], _when(turn.now + CHECK_IN_EARLY), _when(turn.now)]
    params += [ShiftStatus.SCHEDULED.value, EventStatus.SCHEDULED.value]
    if turn.organization:
        params.append(turn.organization.id)
    org = " AND e.organization_id = ?" if turn.organization else ""
    return _UNDER_WAY.format(volunteer=volunteer, org=org), params


async def check_in(turn: Turn, under_way: int | None = None) -> Answer:
    """HERE: check in to the shift under way (`under_way`: its sign-up, when already found)."""
    if turn.volunteer is None:
        return Answer("unknown_sender", not_signed_up(turn))
    if under_way is None:
        sql, params = under_way_sql(turn)
        row = await db.fetch_one(sql, *params)
        under_way = int(row["id"]) if row is not None else None
    signup = None
    if under_way is not None:
        signup = await Signup.get_or_none(id=under_way).select_related("shift__event__organization")
    if signup is None:
        return Answer("here_nothing", NOTHING_UNDER_WAY)
    what = describe(signup.shift, signup.shift.event)
    prefix = f"{org_name(signup.shift.event)}: "
    org_id = signup.shift.event.organization_id
    if signup.shift.event.strike_id is not None:  # a strike's picket line: on duty too (inbound.picket)
        return await picket.sign_in(turn, signup)
    if signup.status == SignupStatus.ATTENDED:
        return Answer("here_already", f"{prefix}you're already checked in for {what}.", org_id)
    try:
        await savepoint(lambda: attendance.check_in(signup.id, turn.now))
    except Conflict:
        return Answer("here_full", f"{prefix}{what} is full; please see an organizer on site.", org_id)
    return Answer("checked_in", f"{prefix}you're checked in for {what}. Thanks for showing up!", org_id)


def not_signed_up(turn: Turn) -> str:
    return (
        "We don't have any shifts for this number. To sign up for an action, text JOIN and the shift's code "
        f"(like JOIN ABC234), or find one at {turn.base_url}/ . Reply STOP to opt out."
    )
