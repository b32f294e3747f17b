"""Inbound SMS: record every message, do what it asks exactly once, and say what to answer.

One transaction per message: the keyword's effect (or the organizers' inbox), then the InboundMessage row
(unique MessageSid) and the answer (an outbox row in state sent, as it leaves in the webhook's TwiML). A
retried webhook (same MessageSid) hits the unique constraint, its transaction rolls back, and it gets the
first answer. Outbox rows the effect planned (a promoted volunteer's news, a JOIN's confirmation) are
returned for the caller to enqueue after the commit.

The webhook answers while Twilio waits, so the path is short in round trips: commands whose effect a retry
would find done (HELP changes nothing; HERE and YES set a status) skip BEGIN and COMMIT, and their effect
and record go as one statement on PostgreSQL (db.write_all); there the sender's volunteer is read with what
their command needs (services/inbound/postgres.py), so a message for the inbox is one statement and HELP,
HERE and YES two; the routing table is cached (services/inbound/routing.py).

Each message belongs to one organization's record of the sender (services.inbound.routing): its YES, NO, HERE
and inbox act on that record only. Opt-out is per sending number (services.people.consent): STOP (or a plain
request to stop) to one of our senders stops everything sent from it, for every organization texting from
it, and the number gets nothing from it but that one confirmation until it texts START (or YES).
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
    InboundMessage,
    Message,
    MessageKind,
    MessageState,
    SmsBlock,
    SmsStatus,
    Volunteer,
)
from mobilize.services.inbound import inbox, join, picket, postgres, shifts
from mobilize.services.inbound.grammar import Command, Verb, parse
from mobilize.services.inbound.routing import SharedSender, phone_or_none, route, routed_record
from mobilize.services.inbound.turns import Answer, Turn
from mobilize.services.outbox.quiet_hours import DEFAULT_QUIET_HOURS, URGENT_NOTICE, QuietHours
from mobilize.services.people import consent
from mobilize.services.people.records import Contact, find_or_create_volunteer

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
        if phone is not None and db.postgres_statements() and command.verb in FAST_VERBS:
            fast = await _fast(sms, turn, command)
            if fast is not None:
                return fast
        else:
            turn.volunteer = await routed_record(phone, organization) if phone else None
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
    if verb == Verb.TEXT and await shifts.pending_question(turn, "name") is not None:
        turn.volunteer = await routed_record(turn.phone, turn.organization)
        return None  # the name JOIN asked for: the general path signs them up with it
    if verb == Verb.TEXT:
        if turn.organization is not None:  # the inbox of that organization only, which may not know them yet
            turn.volunteer = await routed_record(turn.phone, turn.organization)
            return None
        return await _to_inbox_at_once(sms, turn)
    sender = await postgres.look_up(verb, turn)
    turn.volunteer = volunteer = sender.volunteer
    if volunteer is None:
        return None
    writes: list[tuple[str, list[Any]]] = []
    if verb == Verb.HELP:
        answer = Answer("help", await help_text(turn, sender.names))
    elif verb == Verb.HERE and sender.under_way is None:
        answer = Answer("here_nothing", shifts.NOTHING_UNDER_WAY)
    elif verb == Verb.HERE:  # the check-in, without BEGIN and COMMIT as on the general path
        answer = await shifts.check_in(turn, sender.under_way)
    elif (verb == Verb.YES and consent.opted_out(volunteer)) or not sender.settled:
        return None  # YES opts them back in; or a numbered list or an ask to fill a gap waits for the answer
    elif sender.held is not None and verb == Verb.YES:
        answer, writes = shifts.confirm(turn, sender.held)
    elif sender.held is not None:  # NO: the seat goes to the waitlist, in one transaction with the record
        async with in_transaction():
            answer = await shifts.act_on(turn, sender.held, verb.value)
            reply = await _record(sms, turn, answer)
        return Received(answer.outcome, reply, turn.deliver)
    elif sender.upcoming:
        return None  # several shifts: the numbered list
    else:
        answer = shifts.nothing_to(verb.value)
    reply = await _record(sms, turn, answer, writes)
    return Received(answer.outcome, reply, turn.deliver)


async def _to_inbox_at_once(sms: InboundSms, turn: Turn) -> Received | None:
    """A known volunteer's message for the inbox, through the shared sender: the volunteer, the record and
    their threads in one statement. Nobody to read it (a number known only from its STOP): the record is
    corrected and they hear how to join. None (nothing written) for a number we do not know."""
    assert turn.phone is not None
    recording = _rows(sms, turn, Answer("inbox"), "")[0]
    found = await postgres.record_to_inbox(turn.phone, recording, preview_of(sms), turn.now)
    if found is None:
        return None
    turn.volunteer, threads = found
    if threads:
        return Received("inbox", "")
    answer = Answer("unrouted", shifts.not_signed_up(turn))
    reply = answer.reply if await may_text(turn, answer) else ""
    await InboundMessage.filter(message_sid=sms.message_sid).update(outcome=answer.outcome, reply=reply)
    if reply:
        await db.insert_all(_rows(sms, turn, answer, reply)[1:])
    return Received(answer.outcome, reply)


def _without_transaction(turn: Turn, command: Command) -> bool:
    """HELP changes nothing; HERE and YES (from a number not opted out) set a status a retry finds set."""
    if turn.phone is None or turn.volunteer is None:
        return False
    return command.verb in (Verb.HELP, Verb.HERE) or (
        command.verb == Verb.YES and not consent.opted_out(turn.volunteer)
    )


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
    reply = answer.reply if await may_text(turn, answer) else ""
    await db.write_all([*(writes or []), *(db.insert_sql(row) for row in _rows(sms, turn, answer, reply))])
    return reply


def _rows(sms: InboundSms, turn: Turn, answer: Answer, reply: str) -> list[Model]:
    """The InboundMessage row, and the outbox row of the reply if there is one."""
    volunteer_id = turn.volunteer.id if turn.volunteer else None
    organization_id = organization_of(turn)
    rows: list[Model] = [
        InboundMessage(
            message_sid=sms.message_sid,
            from_number=sms.from_number,
            to_number=sms.to_number,
            body=sms.body,
            num_media=sms.num_media,
            volunteer_id=volunteer_id,
            organization_id=organization_id,
            outcome=answer.outcome,
            reply=reply,
            created_at=turn.now,
        )
    ]
    if reply:
        rows.append(
            Message(
                organization_id=answer.organization_id or organization_id,
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


def organization_of(turn: Turn) -> int | None:
    """The organization the message belongs to: whose own number it reached, else whose record it routed to."""
    if turn.organization is not None:
        return turn.organization.id
    return turn.volunteer.organization_id if turn.volunteer is not None else None


async def may_text(turn: Turn, answer: Answer) -> bool:
    """An opted-out record, or a number that stopped this sender, gets nothing but the opt-out's confirmation."""
    if not answer.reply:
        return False
    if answer.opt_out_confirmation:
        return True
    if turn.volunteer is not None:
        return not consent.opted_out(turn.volunteer)
    if turn.phone is None:
        return True
    sender = await consent.sender_of(turn.organization.id if turn.organization else None)
    return not await SmsBlock.exists(sender=sender, phone=turn.phone)


async def _replay(earlier: InboundMessage) -> Received:
    """Twilio retried (it did not get our answer in time): the same answer again, nothing done twice, and
    still nothing to a number that has opted out since (unless it is that opt-out's confirmation)."""
    reply = earlier.reply
    if reply and earlier.outcome != "stopped" and earlier.volunteer_id is not None:
        now = await Volunteer.get_or_none(id=earlier.volunteer_id)
        if now is not None and consent.opted_out(now):
            reply = ""
    return Received(earlier.outcome, reply, replayed=True)


async def _act(turn: Turn, command: Command, sms: InboundSms) -> Answer:
    """The one effect of the message."""
    if turn.phone is None:
        return Answer("bad_sender")  # not a number we can know or text back; kept for the record
    verb = command.verb
    if verb == Verb.STOP:
        return await opt_out(turn, command)
    if verb == Verb.START or (verb == Verb.YES and consent.opted_out(turn.volunteer)):
        return await opt_in(turn)
    if verb == Verb.HELP:
        return Answer("help", await help_text(turn))
    if verb == Verb.JOIN:
        return await join.join(turn, command.code)
    # JOIN asked a number new to the event's organization for its name (it may be known to another one).
    question = await shifts.pending_question(turn, "name") if verb == Verb.TEXT else None
    if question is not None:
        return await join.take_name(turn, question)
    if turn.volunteer is None:
        # (a text was checked just above; another keyword while a name is awaited gets the question again)
        if verb != Verb.TEXT and await shifts.pending_question(turn, "name") is not None:
            return Answer("asked_name", "Please reply with your name, so we can sign you up.")
        if verb == Verb.TEXT and turn.organization is not None:  # texting its number gives it the number
            turn.volunteer, _ = await find_or_create_volunteer(
                turn.organization.id, Contact(phone=turn.phone), source="sms"
            )
            return await to_inbox(turn, sms)
        return Answer("unknown_sender", shifts.not_signed_up(turn))
    if verb in (Verb.YES, Verb.NO):
        return await shifts.answer_yes_no(turn, verb.value)
    if verb in (Verb.HERE, Verb.BYE):  # BYE: off picket duty (services.inbound.picket)
        return await (shifts.check_in(turn) if verb == Verb.HERE else picket.sign_out(turn))
    if verb == Verb.NUMBER:
        answered = await shifts.answer_number(turn, command.number)
        if answered is not None:
            return answered
    return await to_inbox(turn, sms)


async def _organization_names(turn: Turn) -> list[str]:
    if turn.organization is not None:
        return [turn.organization.name]
    if turn.volunteer is None:
        return []
    rows = await db.fetch_all("SELECT name FROM organization WHERE id = ?", turn.volunteer.organization_id)
    return [str(row["name"]) for row in rows]


async def _who(turn: Turn, names: list[str] | None = None) -> str:
    if names is None or turn.organization is not None:
        names = await _organization_names(turn)
    return " / ".join(names) or DEFAULT_NAME


async def help_text(turn: Turn, names: list[str] | None = None) -> str:
    """Who is texting (`names`: the organization of the sender's record, when already read) and how to stop."""
    manage = f" Your shifts: {turn.base_url}/signups/{turn.volunteer.manage_token}" if turn.volunteer else ""
    return (
        f"{await _who(turn, names)}: texts about the actions you sign up for. Reply YES to confirm a shift, NO to "
        f"drop it, HERE to check in, JOIN <code> to sign up.{manage} Reply STOP to opt out."
    )


async def _consent(turn: Turn, action: ConsentAction, source: str) -> None:
    """A consent record on the routed record, with the exact words texted."""
    assert turn.volunteer is not None
    await consent.record_consent(
        turn.volunteer, ConsentChannel.SMS, action, consent.ConsentContext(source=source, words=turn.body)
    )


async def _sender(turn: Turn) -> str:
    return await consent.sender_of(turn.organization.id if turn.organization else None)


async def opt_out(turn: Turn, command: Command) -> Answer:
    """Stop everything sent from the number texted, for every organization texting from it (services.people.
    consent); the routed record, if any, opts out with a consent record of the exact words (the plain-language
    requests too). One confirmation; none to a second STOP."""
    assert turn.phone is not None
    fresh = await consent.block(await _sender(turn), turn.phone, turn.body, turn.now)
    volunteer = turn.volunteer
    # A second STOP (to this sender, or from a record already opted out) gets no second confirmation.
    already = not fresh or (volunteer is not None and volunteer.sms_status == SmsStatus.OPTED_OUT)
    if volunteer is not None:
        if volunteer.sms_status != SmsStatus.OPTED_OUT:
            await Volunteer.filter(id=volunteer.id).update(sms_status=SmsStatus.OPTED_OUT, updated_at=turn.now)
        volunteer.sms_status, volunteer.sms_blocked = SmsStatus.OPTED_OUT, True
        source = "sms_request" if command.plain_language else shifts.CONSENT_SOURCE
        await _consent(turn, ConsentAction.REVOKED, source)
    if already:
        return Answer("stopped_again")
    text = f"{await _who(turn)}: you're unsubscribed and will get no more texts from us. Reply START to resubscribe."
    return Answer("stopped", text, opt_out_confirmation=True)


async def opt_in(turn: Turn) -> Answer:
    """START, UNSTOP, or YES while opted out: the sender's block is lifted, and the routed record opts back in
    (a consent record says when and how). Other organizations' records keep their own consent."""
    assert turn.phone is not None
    lifted = await consent.unblock(await _sender(turn), turn.phone)
    volunteer = turn.volunteer
    changed = lifted
    if volunteer is not None:
        volunteer.sms_blocked = False
        if volunteer.sms_status != SmsStatus.OPTED_IN:
            await Volunteer.filter(id=volunteer.id).update(sms_status=SmsStatus.OPTED_IN, updated_at=turn.now)
            volunteer.sms_status = SmsStatus.OPTED_IN
            await _consent(turn, ConsentAction.GRANTED, shifts.CONSENT_SOURCE)
            changed = True
    return Answer(
        "started" if changed else "started_again",
        f"{await _who(turn)}: you're subscribed to texts about your shifts. Reply HELP for help, STOP to opt out.",
    )


async def to_inbox(turn: Turn, sms: InboundSms) -> Answer:
    """Anything that is not a keyword: the inbox of the organization the message belongs to (whose number was
    texted, which now knows the number; else the routed record's). Nobody to read it: the sender hears how to
    join."""
    assert turn.volunteer is not None
    if not await inbox.open_threads(turn.volunteer.id, preview_of(sms), turn.now):
        return Answer("unrouted", shifts.not_signed_up(turn))
    return Answer("inbox")
