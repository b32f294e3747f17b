"""The organizers' inbox: one thread per organization and volunteer, opened by anything the volunteer texts
that is not a keyword, showing what they sent beside what we sent them; organizers reply (through the
outbox, so quiet hours and opt-out apply) and mark threads handled."""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q

from mobilize import db
from mobilize.models import (
    Channel,
    InboundMessage,
    InboxThread,
    Message,
    MessageKind,
    MessageState,
    Organization,
    Signup,
    ThreadStatus,
    Volunteer,
)
from mobilize.services.access import MANAGER_ROLES, Actor
from mobilize.services.errors import Conflict, Forbidden, Invalid, NotFound
from mobilize.services.idempotency import check_idempotency_key
from mobilize.services.outbox.blasts import sms_text
from mobilize.services.outbox.quiet_hours import DEFAULT_QUIET_HOURS, QuietHours, sms_send_after
from mobilize.services.pagination import BadCursor, Page, paginate
from mobilize.services.people import may_collide, opted_out, textable

PREVIEW = 160
THREAD_WINDOW = timedelta(days=30)  # how far back a thread shows messages
THREAD_LIMIT = 200
REPLY_MAX = 1600  # Twilio's limit for one (multi-part) SMS


_OPEN_THREADS = (
    "INSERT INTO inbox_thread (organization_id, volunteer_id, status, last_message_at, last_preview, created_at, uuid) "
    "SELECT v.organization_id, v.id, ?, ?, ?, ?, ? FROM volunteer v{also} WHERE v.id = {who}{only} "
    "ON CONFLICT (organization_id, volunteer_id) DO UPDATE SET status = excluded.status, "
    "last_message_at = excluded.last_message_at, last_preview = excluded.last_preview, handled_at = NULL, "
    "handled_by_id = NULL RETURNING id"
)


def open_threads_sql(
    volunteer: int | str, preview: str, now: datetime, organization_id: int | None = None, *, after: str = ""
) -> tuple[str, list[Any]]:
    """The statement of `open_threads` (`?` placeholders) and its values. `volunteer` is an id, or SQL that
    gives one (from a CTE of a larger statement); `after` names a CTE whose rows the threads need (the
    message's record: then both happen or neither)."""
    at = InboxThread._meta.fields_map["last_message_at"].to_db_value(now, InboxThread)
    params: list[Any] = [ThreadStatus.OPEN.value, at, preview[:PREVIEW], at, str(uuid.uuid4())]
    if isinstance(volunteer, int):
        params.append(volunteer)
    if organization_id is not None:
        params.append(organization_id)
    sql = _OPEN_THREADS.format(
        who="?" if isinstance(volunteer, int) else volunteer,
        only=" AND v.organization_id = ?" if organization_id is not None else "",
        also=f", {after}" if after else "",
    )
    return sql, params


async def open_threads(volunteer_id: int, preview: str, now: datetime, organization_id: int | None = None) -> int:
    """Open (or re-open) the thread of this record in its organization's inbox (if it is `organization_id`'s,
    when given). One statement, as it runs for every message to the inbox (on PostgreSQL,
    services.inbound.postgres folds it into the statement that records the message). Returns how many
    threads."""
    sql, params = open_threads_sql(volunteer_id, preview, now, organization_id)
    return len(await db.fetch_all(sql, *params))


def _require_reader(actor: Actor) -> None:
    # The inbox is organization-wide: hosts run only their groups' events and do not read it.
    if actor.is_host:
        raise Forbidden("hosts do not see the organization's inbox", code="role_not_allowed")


def _require_replier(actor: Actor) -> None:
    if actor.role not in MANAGER_ROLES:
        raise Forbidden(f"the {actor.role.value} role cannot answer volunteers", code="role_not_allowed")


async def list_threads(
    actor: Actor, status: str | None, cursor: str | None, limit: int, *, newest_first: bool = False
) -> Page[InboxThread]:
    """The organization's threads, open ones by default (`status`: open, handled or all), in the order they
    were opened, or with `newest_first` the latest message first (the dashboard's order)."""
    _require_reader(actor)
    query = InboxThread.filter(organization_id=actor.organization_id).select_related("volunteer")
    status = status or ThreadStatus.OPEN.value
    if status != "all":
        if status not in {s.value for s in ThreadStatus}:
            raise Invalid.field("status", "open, handled or all")
        query = query.filter(status=status)
    if newest_first:
        return await _newest_first(query, cursor, limit)
    return await paginate(query, cursor, limit)


def _encode_recent(thread: InboxThread) -> str:
    raw = f"at:{thread.last_message_at.astimezone(UTC).isoformat()}|{thread.id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_recent(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, rest = raw.split(":", 1)
        at, thread_id = rest.rsplit("|", 1)
        moment, after = datetime.fromisoformat(at), int(thread_id)
        if kind != "at" or moment.tzinfo is None or not 0 <= after < 2**31:
            raise ValueError(raw)
        return moment.astimezone(UTC), after  # compared with stored (UTC) times, as text on SQLite
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadCursor("cursor: not a cursor from this list", fields={"cursor": "invalid"}) from exc


async def _newest_first(query: Any, cursor: str | None, limit: int) -> Page[InboxThread]:
    """Keyset pagination on (last_message_at, id), latest message first: stable while pages are read."""
    if cursor:
        at, before = _decode_recent(cursor)
        query = query.filter(Q(last_message_at__lt=at) | Q(last_message_at=at, id__lt=before))
    rows = await query.order_by("-last_message_at", "-id").limit(limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows, _encode_recent(rows[-1]) if more and rows else None)


async def open_count(actor: Actor) -> int:
    """How many threads wait for an answer (none shown to hosts, who do not read the inbox)."""
    if actor.is_host:
        return 0
    return await InboxThread.filter(organization_id=actor.organization_id, status=ThreadStatus.OPEN).count()


async def get_thread(actor: Actor, thread_id: int) -> InboxThread:
    _require_reader(actor)
    thread = await InboxThread.get_or_none(id=thread_id, organization_id=actor.organization_id).select_related(
        "volunteer"
    )
    if thread is None:
        raise NotFound(f"thread {thread_id} not found")
    return thread


@dataclass(frozen=True)
class Entry:
    direction: str  # "in" or "out"
    at: datetime
    body: str
    kind: str = ""  # out: the message kind; in: what the message did (its outcome)
    state: str = ""  # out only
    message_id: int = 0
    num_media: int = 0
    scheduled: bool = False  # out only: still waiting for its time (a reminder due later), `at` being that time


async def thread_messages(thread: InboxThread, now: datetime | None = None) -> list[Entry]:
    """What the volunteer texted us (to this organization's number or the shared one) and the SMS we sent
    them on this organization's behalf (or as an automatic answer), or will send them (`scheduled`: not
    texted yet), by time (sent, else due), over THREAD_WINDOW."""
    now = now or datetime.now(UTC)
    since = now - THREAD_WINDOW
    org = thread.organization_id
    inbound = (
        await InboundMessage.filter(
            Q(organization_id=org) | Q(organization_id=None), volunteer_id=thread.volunteer_id, created_at__gte=since
        )
        .order_by("-id")
        .limit(THREAD_LIMIT)
    )
    outbound = (
        await Message.filter(
            Q(organization_id=org) | Q(organization_id=None),
            volunteer_id=thread.volunteer_id,
            channel=Channel.SMS,
            created_at__gte=since,
        )
        .order_by("-id")
        .limit(THREAD_LIMIT)
    )
    entries = [Entry("in", m.created_at, m.body, m.outcome, "", m.id, m.num_media) for m in inbound]
    entries += [
        Entry(
            "out",
            m.sent_at or m.due_at,
            m.body,
            str(m.kind),
            str(m.state),
            m.id,
            scheduled=m.state == MessageState.PENDING and m.due_at > now,
        )
        for m in outbound
    ]
    return sorted(entries, key=lambda e: (e.at, e.direction))[-THREAD_LIMIT:]


async def set_status(actor: Actor, thread_id: int, status: str, now: datetime | None = None) -> InboxThread:
    """Mark a thread handled (or open again)."""
    thread = await get_thread(actor, thread_id)
    if actor.role.value == "viewer":
        raise Forbidden("the viewer role cannot change anything", code="role_not_allowed")
    wanted = ThreadStatus(status)
    now = now or datetime.now(UTC)
    handled = wanted == ThreadStatus.HANDLED
    changes: dict[str, Any] = {
        "status": wanted,
        "handled_at": now if handled else None,
        "handled_by_id": actor.organizer_id if handled else None,
    }
    await InboxThread.filter(id=thread.id).update(**changes)
    for key, value in changes.items():
        setattr(thread, key, value)
    return thread


async def _zone(org: Organization, volunteer_id: int) -> str:
    """The volunteer's local zone, as far as we know it: that of their latest shift with the organization, else
    the organization's own."""
    signup = (
        await Signup.filter(volunteer_id=volunteer_id, shift__event__organization_id=org.id)
        .select_related("shift__event")
        .order_by("-shift__starts_at")
        .first()
    )
    return signup.shift.event.timezone if signup else org.timezone


async def reply(
    actor: Actor,
    thread_id: int,
    body: str,
    *,
    idempotency_key: str | None = None,
    quiet: QuietHours = DEFAULT_QUIET_HOURS,
    now: datetime | None = None,
) -> Message:
    """Queue an organizer's SMS answer in the outbox (sent after quiet hours if it is night where the
    volunteer is). Refused (409) to a number that opted out; `delivery.deliver_batch` checks again when it goes."""
    _require_replier(actor)
    thread = await get_thread(actor, thread_id)
    text = body.strip()
    if not text or len(text) > REPLY_MAX:
        raise Invalid.field("body", f"1 to {REPLY_MAX} characters")
    volunteer: Volunteer = thread.volunteer
    if opted_out(volunteer):
        raise Conflict("this volunteer has opted out of SMS", code="opted_out")
    if not textable(volunteer):
        raise Conflict("this volunteer has not agreed to texts", code="no_sms_consent")
    now = (now or datetime.now(UTC)).astimezone(UTC)
    key = check_idempotency_key(idempotency_key) or uuid.uuid4().hex
    org = await Organization.get(id=actor.organization_id)
    dedupe = f"inbox:{thread.id}:{actor.organizer_id}:{key}"
    zone = await _zone(org, volunteer.id)
    try:
        async with may_collide():
            return await Message.create(
                organization_id=actor.organization_id,
                volunteer_id=volunteer.id,
                sent_by_id=actor.organizer_id,
                channel=Channel.SMS,
                kind=MessageKind.INBOX_REPLY,
                to_address=volunteer.phone,
                body=sms_text(org.name, text),
                due_at=sms_send_after(now, zone, quiet),
                timezone=zone,
                dedupe_key=dedupe,
            )
    except IntegrityError:  # the same Idempotency-Key again: the first reply, unchanged
        return await Message.get(dedupe_key=dedupe)


def due_now(message: Message, now: datetime | None = None) -> bool:
    return message.state == MessageState.PENDING and message.due_at <= (now or datetime.now(UTC))
