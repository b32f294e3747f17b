"""Inbound SMS: record every message, do what it asks exactly once, and say what to answer.

One transaction per message: the keyword's effect (or the organizers' inbox), then the InboundMessage row
(unique MessageSid) and the answer (an outbox row in state sent, as it leaves in the webhook's TwiML). A
retried webhook (same MessageSid) hits the unique constraint, its transaction rolls back, and it gets the
first answer. Outbox rows the effect planned (a promoted volunteer's news, a JOIN's confirmation) are
returned for the caller to enqueue after the commit.

The webhook answers while Twilio waits, so the path is short in round trips: commands whose effect a retry
would find done (HELP changes nothing; HERE and YES set a status) skip BEGIN and COMMIT, and their effect
and record go as one statement on PostgreSQL (db.write_all); there the sender's volunteer is read with what
their command needs (services/inbound_fastpath.py), so a message for the inbox is one statement and HELP,
HERE and YES two; the routing table is cached (services/sms_routing.py).

Opt-out is global: STOP (or a plain request to stop) through any of our numbers stops every organization's
texts, and after it the number gets nothing but that one confirmation until it texts START (or YES).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.models import Model
from tortoise.transactions import in_transaction

from mobilize import db
from mobilize.models import (
    Channel,
    ConsentAction,
    ConsentChannel,
    ConsentRecord,
    InboundMessage,
    Message,
    MessageKind,
    MessageState,
    SmsStatus,
    Volunteer,
)
from mobilize.services import inbound_fastpath, inbox, sms_join, sms_shifts
from mobilize.services.people import Contact, find_or_create_volunteer
from mobilize.services.quiet_hours import DEFAULT_QUIET_HOURS, URGENT_NOTICE, QuietHours
from mobilize.services.sms_grammar import Command, Verb, parse
from mobilize.services.sms_routing import SharedSender, phone_or_none, route
from mobilize.services.sms_shifts import Answer, Turn

log = logging.getLogger("mobilize.inbound")
DEFAULT_NAME = "mobilize"  # who is texting, when no organization can be named


@dataclass(frozen=True)
class InboundSms:
    """What Twilio posted, checked by the web layer (ids and numbers present, no NUL characters)."""

    message_sid: str
    from_number: str
    to_number: str = ""
    body: str = ""
    num_media: int = 0
    messaging_service_sid: str = ""


@dataclass
class Received:
    outcome: str
    reply: str = ""
    deliver: list[int] = field(default_factory=list)
    replayed: bool = False


async def receive(
    sms: InboundSms,
    *,
    base_url: str,
    shared: SharedSender = SharedSender(),
    quiet: QuietHours = DEFAULT_QUIET_HOURS,
    urgent: timedelta = URGENT_NOTICE,
    region: str = "US",
    now: datetime | None = None,
) -> Received:
    """Record the message and act on it, once per MessageSid (see the module)."""
    now = now or datetime.now(UTC)
    command = parse(sms.body)
    phone = phone_or_none(sms.from_number, region)
    organization = await route(sms.to_number, sms.messaging_service_sid, shared, message_sid=sms.message_sid)
    turn = Turn(sms.body, phone, None, organization, now, base_url, quiet, urgent=urgent)
    try:
        if phone is not None and db.dialect() == "postgres" and command.verb in FAST_VERBS:
            fast = await _fast(sms, turn, command)
            if fast is not None:
                return fast
        else:
            turn.volunteer = await volunteer_by_phone(phone) if phone else None
        if _without_transaction(turn, command):
            # Effects that a retry cannot repeat (they find them done), or none: no BEGIN and COMMIT.
            answer = await _act(turn, command, sms)
            reply = await _record(sms, turn, answer)
        else:
            async with in_transaction():
                answer = await _act(turn, command, sms)
                reply = await _record(sms, turn, answer)
    except IntegrityError:
        earlier = await InboundMessage.get_or_none(message_sid=sms.message_sid)
        if earlier is None:
            raise
        return await _replay(earlier)
    return Received(answer.outcome, reply, turn.deliver)


# Commands whose sender, and what they need to know, PostgreSQL reads in one statement (inbound_fastpath).
FAST_VERBS = frozenset({Verb.TEXT, Verb.HELP, Verb.HERE, Verb.YES, Verb.NO})


async def _fast(sms: InboundSms, turn: Turn, command: Command) -> Received | None:
    """On PostgreSQL: the sender found with what their command needs to know, and for the common cases the
    answer, the effect and the record in one more statement (or, for the inbox, none more). None when the
    general path must finish; `turn.volunteer` is then set."""
    assert turn.phone is not None
    verb = command.verb
    if verb == Verb.TEXT:
        if turn.organization is not None:  # the inbox of that organization only, which may not know them yet
            turn.volunteer = await volunteer_by_phone(turn.phone)
            return None
        return await _to_inbox_at_once(sms, turn)
    sender = await inbound_fastpath.look_up(verb, turn)
    turn.volunteer = volunteer = sender.volunteer
    if volunteer is None:
        return None
    writes: list[tuple[str, list[Any]]] = []
    if verb == Verb.HELP:
        answer = Answer("help", await help_text(turn, sender.names))
    elif verb == Verb.HERE and sender.under_way is None:
        answer = Answer("here_nothing", sms_shifts.NOTHING_UNDER_WAY)
    elif verb == Verb.HERE:  # the check-in, without BEGIN and COMMIT as on the general path
        answer = await sms_shifts.check_in(turn, sender.under_way)
    elif (verb == Verb.YES and _opted_out(volunteer)) or not sender.settled:
        return None  # YES opts them back in; or a numbered list or an ask to fill a gap waits for the answer
    elif sender.held is not None and verb == Verb.YES:
        answer, writes = sms_shifts.confirm(turn, sender.held)
    elif sender.held is not None:  # NO: the seat goes to the waitlist, in one transaction with the record
        async with in_transaction():
            answer = await sms_shifts.act_on(turn, sender.held, verb.value)
            reply = await _record(sms, turn, answer)
        return Received(answer.outcome, reply, turn.deliver)
    elif sender.upcoming:
        return None  # several shifts: the numbered list
    else:
        answer = sms_shifts.nothing_to(verb.value)
    reply = await _record(sms, turn, answer, writes)
    return Received(answer.outcome, reply, turn.deliver)


async def _to_inbox_at_once(sms: InboundSms, turn: Turn) -> Received | None:
    """A known volunteer's message for the inbox, through the shared sender: the volunteer, the record and
    their threads in one statement. Nobody to read it (a number known only from its STOP): the record is
    corrected and they hear how to join. None (nothing written) for a number we do not know."""
    assert turn.phone is not None
    recording = _rows(sms, turn, Answer("inbox"), "")[0]
    found = await inbound_fastpath.record_to_inbox(turn.phone, recording, preview_of(sms), turn.now)
    if found is None:
        return None
    turn.volunteer, threads = found
    if threads:
        return Received("inbox", "")
    answer = Answer("unrouted", sms_shifts.not_signed_up(turn))
    reply = answer.reply if may_text(turn.volunteer, answer) else ""
    await InboundMessage.filter(message_sid=sms.message_sid).update(outcome=answer.outcome, reply=reply)
    if reply:
        await db.insert_all(_rows(sms, turn, answer, reply)[1:])
    return Received(answer.outcome, reply)


def _without_transaction(turn: Turn, command: Command) -> bool:
    """HELP changes nothing; HERE and YES (from a number not opted out) set a status a retry finds set."""
    if turn.phone is None or turn.volunteer is None:
        return False
    return command.verb in (Verb.HELP, Verb.HERE) or (command.verb == Verb.YES and not _opted_out(turn.volunteer))


def preview_of(sms: InboundSms) -> str:
    return sms.body if sms.body.strip() else f"({sms.num_media} attachment(s))" if sms.num_media else "(empty)"


async def _record(
    sms: InboundSms, turn: Turn, answer: Answer, writes: list[tuple[str, list[Any]]] | None = None
) -> str:
    """The inbound message with its outcome and, if there is one to send, our answer (an outbox row already
    sent, so the inbox thread shows it), after the answer's own `writes` (on PostgreSQL all in one
    statement). Returns the answer. Written last, so the unique MessageSid settles a race: a concurrent
    retry waits here for the first to commit, then fails and its whole transaction (or statement: its
    effects too) is rolled back."""
    reply = answer.reply if may_text(turn.volunteer, answer) else ""
    await db.write_all([*(writes or []), *(db.insert_sql(row) for row in _rows(sms, turn, answer, reply))])
    return reply


def _rows(sms: InboundSms, turn: Turn, answer: Answer, reply: str) -> list[Model]:
    """The InboundMessage row, and the outbox row of the reply if there is one."""
    volunteer_id = turn.volunteer.id if turn.volunteer else None
    rows: list[Model] = [
        InboundMessage(
            message_sid=sms.message_sid,
            from_number=sms.from_number,
            to_number=sms.to_number,
            body=sms.body,
            num_media=sms.num_media,
            volunteer_id=volunteer_id,
            organization_id=turn.organization.id if turn.organization else None,
            outcome=answer.outcome,
            reply=reply,
            created_at=turn.now,
        )
    ]
    if reply:
        rows.append(
            Message(
                organization_id=answer.organization_id or (turn.organization.id if turn.organization else None),
                volunteer_id=volunteer_id,
                channel=Channel.SMS,
                kind=MessageKind.REPLY,
                to_address=sms.from_number[:254],
                body=reply,
                due_at=turn.now,
                sent_at=turn.now,
                state=MessageState.SENT,
                dedupe_key=f"reply:{sms.message_sid}",
                created_at=turn.now,
                updated_at=turn.now,
            )
        )
    return rows


_VOLUNTEER_BY_PHONE: str | None = None


async def volunteer_by_phone(phone: str) -> Volunteer | None:
    """The volunteer with this number, in one written-out query (this runs for every inbound message)."""
    global _VOLUNTEER_BY_PHONE
    if _VOLUNTEER_BY_PHONE is None:
        columns = ", ".join(f'"{c}"' for c in Volunteer._meta.db_fields)
        _VOLUNTEER_BY_PHONE = f"SELECT {columns} FROM volunteer WHERE phone = ?"
    row = await db.fetch_one(_VOLUNTEER_BY_PHONE, phone)
    return None if row is None else Volunteer._init_from_db(**row)


def may_text(volunteer: Volunteer | None, answer: Answer) -> bool:
    """An opted-out number gets nothing but the confirmation of its opt-out."""
    opted_out = volunteer is not None and volunteer.sms_status == SmsStatus.OPTED_OUT
    return bool(answer.reply) and (not opted_out or answer.opt_out_confirmation)


async def _replay(earlier: InboundMessage) -> Received:
    """Twilio retried (it did not get our answer in time): the same answer again, nothing done twice, and
    still nothing to a number that has opted out since (unless it is that opt-out's confirmation)."""
    reply = earlier.reply
    if reply and earlier.outcome != "stopped" and earlier.volunteer_id is not None:
        if await Volunteer.exists(id=earlier.volunteer_id, sms_status=SmsStatus.OPTED_OUT):
            reply = ""
    return Received(earlier.outcome, reply, replayed=True)


async def _act(turn: Turn, command: Command, sms: InboundSms) -> Answer:
    """The one effect of the message."""
    if turn.phone is None:
        return Answer("bad_sender")  # not a number we can know or text back; kept for the record
    verb = command.verb
    if verb == Verb.STOP:
        return await opt_out(turn, command)
    if verb == Verb.START or (verb == Verb.YES and _opted_out(turn.volunteer)):
        return await opt_in(turn)
    if verb == Verb.HELP:
        return Answer("help", await help_text(turn))
    if verb == Verb.JOIN:
        return await sms_join.join(turn, command.code)
    if turn.volunteer is None:
        question = await sms_shifts.pending_question(turn.phone, "name", turn.now)
        if question is not None:
            if verb == Verb.TEXT:
                return await sms_join.take_name(turn, question)
            return Answer("asked_name", "Please reply with your name, so we can sign you up.")
        return Answer("unknown_sender", sms_shifts.not_signed_up(turn))
    if verb in (Verb.YES, Verb.NO):
        return await sms_shifts.answer_yes_no(turn, verb.value)
    if verb == Verb.HERE:
        return await sms_shifts.check_in(turn)
    if verb == Verb.NUMBER:
        answered = await sms_shifts.answer_number(turn, command.number)
        if answered is not None:
            return answered
    return await to_inbox(turn, sms)


def _opted_out(volunteer: Volunteer | None) -> bool:
    return volunteer is not None and volunteer.sms_status == SmsStatus.OPTED_OUT


async def _organization_names(turn: Turn) -> list[str]:
    if turn.organization is not None:
        return [turn.organization.name]
    if turn.volunteer is None:
        return []
    rows = await db.fetch_all(
        "SELECT o.name FROM organization o JOIN relationship r ON r.organization_id = o.id "
        "WHERE r.volunteer_id = ? ORDER BY o.name LIMIT 3",
        turn.volunteer.id,
    )
    return [str(row["name"]) for row in rows]


async def _who(turn: Turn, names: list[str] | None = None) -> str:
    if names is None or turn.organization is not None:
        names = await _organization_names(turn)
    return " / ".join(names) or DEFAULT_NAME


async def help_text(turn: Turn, names: list[str] | None = None) -> str:
    """Who is texting (`names`: the organizations that know the volunteer, when already read) and how to stop."""
    manage = f" Your shifts: {turn.base_url}/signups/{turn.volunteer.manage_token}" if turn.volunteer else ""
    return (
        f"{await _who(turn, names)}: texts about the actions you sign up for. Reply YES to confirm a shift, NO to "
        f"drop it, HERE to check in, JOIN <code> to sign up.{manage} Reply STOP to opt out."
    )


async def _consent(turn: Turn, action: ConsentAction, source: str) -> None:
    assert turn.volunteer is not None
    await ConsentRecord.create(
        volunteer=turn.volunteer,
        organization_id=turn.organization.id if turn.organization else None,
        channel=ConsentChannel.SMS,
        action=action,
        source=source,
        words=turn.body,
    )


async def _ensure_volunteer(turn: Turn) -> Volunteer:
    """The sender as a volunteer, created (known by the phone only) if new: an opt-out must outlive them."""
    if turn.volunteer is None:
        assert turn.phone is not None
        turn.volunteer, _ = await find_or_create_volunteer(Contact(phone=turn.phone))
    return turn.volunteer


async def opt_out(turn: Turn, command: Command) -> Answer:
    """Opt the number out of all SMS, for every organization; one confirmation (none to a second STOP).
    Every request is a consent record, the plain-language ones included."""
    volunteer = await _ensure_volunteer(turn)
    already = volunteer.sms_status == SmsStatus.OPTED_OUT
    await Volunteer.filter(id=volunteer.id).update(sms_status=SmsStatus.OPTED_OUT, updated_at=turn.now)
    volunteer.sms_status = SmsStatus.OPTED_OUT
    await _consent(turn, ConsentAction.REVOKED, "sms_request" if command.plain_language else sms_shifts.CONSENT_SOURCE)
    if already:
        return Answer("stopped_again")
    text = f"{await _who(turn)}: you're unsubscribed and will get no more texts from us. Reply START to resubscribe."
    return Answer("stopped", text, opt_out_confirmation=True)


async def opt_in(turn: Turn) -> Answer:
    """START, UNSTOP, or YES while opted out: texts may flow again (a consent record says when and how)."""
    volunteer = await _ensure_volunteer(turn)
    was = volunteer.sms_status
    if was != SmsStatus.OPTED_IN:
        await Volunteer.filter(id=volunteer.id).update(sms_status=SmsStatus.OPTED_IN, updated_at=turn.now)
        volunteer.sms_status = SmsStatus.OPTED_IN
        await _consent(turn, ConsentAction.GRANTED, sms_shifts.CONSENT_SOURCE)
    return Answer(
        "started" if was != SmsStatus.OPTED_IN else "started_again",
        f"{await _who(turn)}: you're subscribed to texts about your shifts. Reply HELP for help, STOP to opt out.",
    )


async def to_inbox(turn: Turn, sms: InboundSms) -> Answer:
    """Anything that is not a keyword: the inbox of the organization whose number was texted, else of every
    organization that knows the volunteer. Nobody to read it: the sender hears how to join."""
    assert turn.volunteer is not None
    organization_id = turn.organization.id if turn.organization is not None else None
    if organization_id is not None:
        await inbox.ensure_known(organization_id, turn.volunteer.id)
    if not await inbox.open_threads(turn.volunteer.id, preview_of(sms), turn.now, organization_id):
        return Answer("unrouted", sms_shifts.not_signed_up(turn))
    return Answer("inbox")
