"""Inbound SMS on PostgreSQL: the sender's volunteer, and what their command needs to know, in one statement.

Twilio waits for the webhook's answer, and every round trip to the database is time it waits (and, on a busy
machine, a chance to lose the CPU). The general path reads the volunteer, then each fact a keyword needs in a
query of its own; here one statement per command reads them all:

- HELP: the volunteer and the name of the organization whose record it is;
- HERE: the volunteer and the sign-up of theirs under way (inbound.shifts.check_in's query);
- YES and NO: the volunteer, whether a numbered list or an ask to fill a gap waits for an answer, and the
  sign-up the answer means (the one the last day-before reminder asked about, else their only upcoming one)
  with its shift, event and organization, and how many upcoming sign-ups they hold (0, 1, or 2 for "several");
- a message for the inbox: the volunteer, the message's record and their threads, all in one statement
  (atomic by itself: a replayed MessageSid fails it whole).

inbound.receive decides with what these return, as the general path would; whatever they cannot settle (a
pending question, a gap ask, several shifts) goes the general way. tests/inbound/test_both_paths.py runs one
conversation through these statements and through the ORM rule (`db.orm_path()`) and compares everything.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from tortoise.models import Model

from mobilize import db
from mobilize.models import (
    Channel,
    EventStatus,
    MessageKind,
    MessageState,
    ShiftStatus,
    SignupStatus,
    Volunteer,
)
from mobilize.services.inbound import inbox, routing, shifts
from mobilize.services.inbound.grammar import Verb
from mobilize.services.inbound.shifts import Held
from mobilize.services.inbound.turns import Turn


@dataclass
class Sender:
    """What one statement found about the sender (see the module)."""

    volunteer: Volunteer | None
    names: list[str] | None = None  # HELP: organizations that know them (None: not read)
    under_way: int | None = None  # HERE: their sign-up under way
    settled: bool = False  # YES/NO: no numbered list and no gap ask waits for an answer
    held: Held | None = None  # YES/NO: the sign-up the answer means, if one does
    upcoming: int = 0  # YES/NO: upcoming sign-ups they hold, counted up to 2


@cache
def _volunteer_columns() -> str:
    return ", ".join(f'v."{column}"' for column in Volunteer._meta.db_fields)


@cache
def _volunteer_fields() -> frozenset[str]:
    # Read once Tortoise is initialized: the foreign key's column (organization_id) is known only then.
    return frozenset(Volunteer._meta.db_fields)


def _volunteer(row: dict[str, Any]) -> Volunteer:
    fields = _volunteer_fields()
    return Volunteer._init_from_db(**{key: value for key, value in row.items() if key in fields})


_NAMES = "ARRAY(SELECT o.name FROM organization o WHERE o.id = v.organization_id)"

# The YES/NO facts: the same conditions as services.inbound.shifts (pending_question, gaps.pending_request,
# _last_reminder, _upcoming), read together. `x_` columns are facts, `h_` ones the sign-up meant.
_YES_NO = """
WITH facts AS MATERIALIZED (
    SELECT {volunteer},
        EXISTS (SELECT 1 FROM pending_question q WHERE q.phone = v.phone AND q.kind = 'choose' AND q.expires_at > :now)
            AS x_question,
        (SELECT m.kind FROM message m WHERE m.volunteer_id = v.id AND m.channel = :sms AND m.kind = ANY(:ask_kinds)
            AND m.state = ANY(:asked_states) AND m.sent_at IS NOT NULL ORDER BY m.sent_at DESC, m.id DESC LIMIT 1)
            AS x_last_ask,
        (SELECT m.signup_id FROM message m JOIN signup s ON s.id = m.signup_id JOIN shift sh ON sh.id = s.shift_id
            WHERE m.volunteer_id = v.id AND m.kind = :day_before AND m.channel = :sms
            AND m.state = ANY(:reminded_states) AND m.sent_at >= :window AND sh.starts_at > :now{message_org}
            ORDER BY m.sent_at DESC, m.id DESC LIMIT 1)
            AS x_reminded,
        ARRAY(SELECT s.id FROM signup s JOIN shift sh ON sh.id = s.shift_id JOIN event e ON e.id = sh.event_id
            WHERE s.volunteer_id = v.id AND s.status = ANY(:statuses) AND sh.starts_at > :now
            AND sh.status = :scheduled AND e.status = :event_scheduled{event_org} ORDER BY sh.starts_at, s.id LIMIT 2)
            AS x_upcoming
    FROM volunteer v WHERE v.id = {routed}
)
SELECT facts.*, held.* FROM facts LEFT JOIN LATERAL (
    SELECT s.id AS h_id, s.status AS h_status, sh.starts_at AS h_starts_at, sh.ends_at AS h_ends_at,
        e.title AS h_title, e.timezone AS h_timezone, e.organization_id AS h_organization_id, o.name AS h_organization
    FROM signup s JOIN shift sh ON sh.id = s.shift_id JOIN event e ON e.id = sh.event_id
    JOIN organization o ON o.id = e.organization_id
    WHERE (s.id = facts.x_reminded AND s.status = ANY(:statuses))
        OR s.id = CASE WHEN cardinality(facts.x_upcoming) = 1 THEN facts.x_upcoming[1] END
    ORDER BY s.id = facts.x_reminded DESC LIMIT 1
) held ON TRUE
"""


@cache
def _yes_no(scoped: bool) -> str:
    """The YES/NO look-up, for a message to an organization's own number (`scoped`) or not."""
    return _YES_NO.format(
        volunteer=_volunteer_columns(),
        routed=routing.routed_id_sql(":phone", ":organization" if scoped else None),
        message_org=" AND m.organization_id = :organization" if scoped else "",
        event_org=" AND e.organization_id = :organization" if scoped else "",
    )


def _yes_no_values(verb: Verb, turn: Turn) -> dict[str, Any]:
    statuses = [SignupStatus.SIGNED_UP, SignupStatus.CONFIRMED]
    if verb == Verb.NO:
        statuses.append(SignupStatus.WAITLISTED)
    values: dict[str, Any] = {
        "phone": turn.phone,
        "now": turn.now,
        "window": turn.now - shifts.ASK_WINDOW,
        "sms": Channel.SMS.value,
        "ask_kinds": [MessageKind.GAP_REQUEST.value, MessageKind.REMINDER_DAY_BEFORE.value],
        "asked_states": [MessageState.SENT.value, MessageState.DELIVERED.value],
        "day_before": MessageKind.REMINDER_DAY_BEFORE.value,
        "reminded_states": [MessageState.SENT.value, MessageState.DELIVERED.value, MessageState.SENDING.value],
        "statuses": [s.value for s in statuses],
        "scheduled": ShiftStatus.SCHEDULED.value,
        "event_scheduled": EventStatus.SCHEDULED.value,
    }
    if turn.organization is not None:
        values["organization"] = turn.organization.id
    return values


async def look_up(verb: Verb, turn: Turn) -> Sender:
    """The sender of `turn` and what `verb` (HELP, HERE, YES or NO) needs to know, in one statement."""
    if verb in (Verb.YES, Verb.NO):
        rows = await db.fetch_all_named(_yes_no(turn.organization is not None), **_yes_no_values(verb, turn))
    else:
        extra, params = "", list[Any]()
        if verb == Verb.HELP and turn.organization is None:
            extra = f", {_NAMES} AS x_names"
        elif verb == Verb.HERE:
            under_way, params = shifts.under_way_sql(turn, volunteer="v.id")
            extra = f", ({under_way}) AS x_under_way"
        own = turn.organization is not None
        routed = routing.routed_id_sql("?", "?" if own else None)
        sql = f"SELECT {_volunteer_columns()}{extra} FROM volunteer v WHERE v.id = {routed}"
        rows = await db.fetch_all(sql, *params, turn.phone, *([turn.organization.id] if turn.organization else []))
    if not rows:
        return Sender(None)
    row = rows[0]
    sender = Sender(_volunteer(row), names=row.get("x_names"), under_way=row.get("x_under_way"))
    if verb in (Verb.YES, Verb.NO):
        sender.settled = not row["x_question"] and row["x_last_ask"] != MessageKind.GAP_REQUEST.value
        sender.upcoming = len(row["x_upcoming"])
        if row["h_id"] is not None:
            sender.held = Held(
                row["h_id"],
                row["h_status"],
                row["h_starts_at"],
                row["h_ends_at"],
                row["h_title"],
                row["h_timezone"],
                row["h_organization_id"],
                row["h_organization"] or "mobilize",
            )
    return sender


async def record_to_inbox(phone: str, recording: Model, preview: str, now: datetime) -> tuple[Volunteer, int] | None:
    """A message for the inbox from a known number, to the shared sender: the routed record, the message's record
    (`recording`, whose volunteer and organization are filled in here) and their threads, in one statement.
    (volunteer, how many threads), or None when no volunteer has this number (nothing was written)."""
    row = db.insert_row(recording)
    # Whose message it is is known only once the statement has routed it: the record and its organization.
    found_here = {"volunteer_id": "v.id", "organization_id": "v.organization_id"}
    row.update(dict.fromkeys(found_here))
    columns = ", ".join(f'"{column}"' for column in row)
    marks = ", ".join(found_here.get(column, "?") for column in row)
    insert = f"INSERT INTO {recording._meta.db_table} ({columns}) SELECT {marks} FROM v RETURNING 1"
    values = [value for column, value in row.items() if column not in found_here]
    threads, params = inbox.open_threads_sql("(SELECT id FROM v)", preview, now, after="recorded")
    routed = routing.routed_id_sql("?", None)
    sql = (
        f"WITH v AS (SELECT {_volunteer_columns()} FROM volunteer v WHERE v.id = {routed}), "
        f"recorded AS ({insert}), threads AS ({threads}) "
        "SELECT v.*, (SELECT count(*) FROM threads) AS x_threads FROM v"
    )
    found = await db.fetch_all(sql, phone, *values, *params)
    if not found:
        return None
    return _volunteer(found[0]), int(found[0]["x_threads"])
