"""The sign-up hot path on PostgreSQL: the record, the seat, the sign-up and its messages in one or two statements.

A surge (a rally shared widely, a strike call) sends thousands of sign-ups a minute. Through the ORM a sign-up
and its outbox rows cost a dozen round trips and several times the CPU the database spends on them. Here the
outbox rows are composed in Python first, by the same functions the ORM path uses (notifications.signup_rows),
for both outcomes (a seat: the confirmation and the reminders; the waitlist: its notice), and one statement
takes the seat, inserts the sign-up and inserts the rows of the outcome it got, returning the ids due now:

- someone new who gives no SMS consent (no write of Python's is needed before the sign-up): one statement,
  no transaction around it, which also inserts their record (`ON CONFLICT DO NOTHING` on the per-organization
  unique pairs; blocked if their number stopped the sender the organization texts from). If the organization
  knows their phone already it writes nothing and returns that record, and the next case follows;
- anyone else: BEGIN; their record (inserted, or the one with their phone; no lock on the shift); completing
  it, their consent and fresh private links, through the ORM as on every path, and only when needed; the
  composition; the statement of the seat, sign-up and messages; COMMIT. The shift's row lock is held for the
  last statement and the COMMIT only.

Either statement locks the shift row first (`FOR UPDATE`: a concurrent one waits and then sees the row as the
first left it), so the count never passes the capacity, across any number of processes. It also compares the
shift, its event and organization with the copy the messages (and the sender a new record's block is checked
on) were composed from (the caller's may be a second old: services.events.public caches it); if they changed,
the sign-up of someone new writes nothing and takes the second way, where the sign-up is written without its
rows and the ORM plans them under the lock. A second live sign-up of the same person for the shift fails the
statement (IntegrityError on the unique (volunteer, holder) pair): nothing recorded. When the person cannot be
settled here (no phone, only their email is known, or someone inserted them a moment ago, after the
statement's snapshot), or the shift closed, nothing is written and the caller takes the general path
(services.signups.seats), as SQLite always does, and as every sign-up does inside `general_path_only()`.

The INSERTs name their columns here; tests/signups/test_signup_paths.py fails when a model gains a column they
do not write, and compares the rows both paths write for the same sign-ups.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any
from uuid import uuid4

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from mobilize import db
from mobilize.models import (
    EventStatus,
    MessageState,
    Shift,
    ShiftStatus,
    Signup,
    SignupSource,
    SignupStatus,
    Volunteer,
)
from mobilize.services.errors import ShiftClosed
from mobilize.services.outbox import after_commit, messages, notifications
from mobilize.services.outbox.messages import SIGNUP_KEY, Planned
from mobilize.services.people import links
from mobilize.services.people.consent import SENDER_OF_ORGANIZATION as _SENDER
from mobilize.services.people.consent import ConsentContext, grant_sms_consent, sender_of_organization
from mobilize.services.people.records import Contact, complete_volunteer, new_volunteer

SENDER_OF_ORGANIZATION = _SENDER.format(org=":organization")

VOLUNTEER_COLUMNS = (
    "organization_id", "name", "phone", "email", "postal_code", "sms_status", "email_status", "manage_token",
    "feed_token", "manage_token_seen_at", "feed_token_seen_at", "source", "sms_blocked", "notes", "member_id",
    "created_at", "updated_at", "uuid",
)  # fmt: skip
SIGNUP_COLUMNS = (
    "shift_id", "volunteer_id", "holder", "status", "source", "referrer", "attendance_locked", "checked_in_at",
    "created_at", "updated_at", "uuid", "recruited_by_id",
)  # fmt: skip
# Each column of an outbox row, as the statement writes it: from the planned row `m`, the new sign-up, or the
# model's defaults (messages.write_planned lets the ORM fill those in).
MESSAGE_VALUES = {
    "organization_id": "m.organization_id", "volunteer_id": "new_signup.volunteer_id",
    "signup_id": "new_signup.id", "sent_by_id": "NULL", "channel": "m.channel", "kind": "m.kind",
    "to_address": "m.to_address", "subject": "m.subject", "body": "m.body", "due_at": "m.due_at",
    "expires_at": "m.expires_at", "timezone": "m.timezone", "state": "m.state", "skip_reason": "m.skip_reason",
    "provider_id": "NULL", "attempts": "0", "last_error": "''",
    "dedupe_key": "CAST(:key_prefix AS text) || new_signup.id || m.key", "claimed_at": "NULL", "claim_token": "NULL",
    "claimed_by": "NULL", "in_doubt": "FALSE", "sent_at": "NULL", "created_at": ":now", "updated_at": ":now",
    "uuid": "gen_random_uuid()",
}  # fmt: skip
# The planned rows travel as one array per field (and the outcome each belongs to), unnested in the statement.
PLANNED_ARRAYS = (
    ("outcome", "text"), ("organization_id", "integer"), ("channel", "text"), ("kind", "text"),
    ("to_address", "text"), ("subject", "text"), ("body", "text"), ("due_at", "timestamptz"),
    ("expires_at", "timestamptz"), ("timezone", "text"), ("state", "text"), ("skip_reason", "text"), ("key", "text"),
)  # fmt: skip

# What the messages are composed from (`s` shift, `e` event, `o` organization), as read: the shift's columns
# but the seat count (which every sign-up moves and no message reads), and the versions of the event's and the
# organization's rows (`xmin`: every change writes a new version). The shift's as one row's text: a third of
# what its JSON costs (to_jsonb, the key taken out, the text), and twice in every sign-up statement.
_SHIFT_COLUMNS = [column for column in Shift._meta.fields_db_projection.values() if column != "filled"]
SHIFT_PRINT = "md5(ROW(" + ", ".join(f's."{column}"' for column in _SHIFT_COLUMNS) + ")::text)"
EVENT_PRINT = "e.xmin::text || '.' || o.xmin::text"


applies = db.postgres_statements  # whether sign-ups take this path: on PostgreSQL, outside `db.orm_path()`
general_path_only = db.orm_path  # every sign-up inside takes the general path, as on SQLite (the tests' switch)


def fingerprint(shift: Shift) -> tuple[str, str] | None:
    """The digests of a shift and of its event and organization as services.signups.load_shift read them."""
    found: tuple[str, str] | None = getattr(shift, "fingerprint", None)
    return found


class AlreadyHolding(Exception):
    """The person already holds a live sign-up for the shift (the unique (volunteer, holder) pair)."""


class StaleShift(Exception):
    """The caller's copy of the shift (`cached=True`: kept by services.events.public) is not the shift, its event
    or organization as they are now: nothing of the sign-up was kept. Read the shift again, check its address
    again and start over."""


# The shift, if it still takes sign-ups (checked here: the caller's copy may be a second old, and a cancellation
# in between must not gain a sign-up): whether a seat is free, and whether the shift, event and organization
# are still those the messages were composed from.
_SHIFT = f"""
    SELECT s.filled < s.capacity AS free,
           COALESCE({SHIFT_PRINT} = :shift_print AND {EVENT_PRINT} = :event_print, FALSE) AS same
    FROM shift s JOIN event e ON e.id = s.event_id JOIN organization o ON o.id = e.organization_id
    WHERE s.id = :shift AND s.status = :scheduled AND e.status = :event_scheduled AND s.ends_at > :now"""

# Seat, sign-up and outbox rows for the volunteer in the CTE `person` (none if it is empty). The shift's row is
# locked first, once the person is known (every path writes a record before it locks a shift: no deadlock),
# and read as the last change left it. The rows are written only if it is still as they were composed from
# it; with :whole, nothing is written otherwise.
_SHIFT_NOW = f"shift_now AS ({_SHIFT} AND EXISTS (SELECT 1 FROM person) FOR UPDATE OF s)"
# Someone new: their record was inserted only if the statement's first look at the shift (`shift_then`) found
# its event and organization as the rows were composed from them. Locking the shift re-reads the shift alone
# (the other rows of a join stay as the statement's snapshot has them), so the shift is all left to check.
_SHIFT_NOW_AFTER_THEN = f"""shift_now AS (
    SELECT s.filled < s.capacity AS free, COALESCE({SHIFT_PRINT} = :shift_print, FALSE) AS same FROM shift s
    WHERE s.id = :shift AND s.status = :scheduled AND s.ends_at > :now AND EXISTS (SELECT 1 FROM person)
    FOR UPDATE OF s)"""
_SEAT_SIGNUP_OUTBOX = f"""
{{shift_now}}, go AS (
    SELECT free, same FROM shift_now WHERE same OR NOT CAST(:whole AS boolean)
), seat AS (
    UPDATE shift SET filled = filled + 1
    WHERE id = :shift AND status = :scheduled AND filled < capacity AND EXISTS (SELECT 1 FROM go WHERE free)
    RETURNING id
), new_signup AS (
    INSERT INTO signup ({", ".join(SIGNUP_COLUMNS)})
    SELECT :shift, person.id, :shift,
           CASE WHEN EXISTS (SELECT 1 FROM seat) THEN :signed_up ELSE :waitlisted END,
           :source, :referrer, FALSE, NULL, :now, :now, CAST(:signup_uuid AS uuid), NULL
    FROM person
    WHERE EXISTS (SELECT 1 FROM go)
    RETURNING id, volunteer_id, status
), outbox AS (
    INSERT INTO message ({", ".join(MESSAGE_VALUES)})
    SELECT {", ".join(MESSAGE_VALUES.values())}
    FROM new_signup, unnest({", ".join(f"CAST(:m_{name} AS {kind}[])" for name, kind in PLANNED_ARRAYS)})
         WITH ORDINALITY AS m({", ".join(name for name, _ in PLANNED_ARRAYS)}, n)
    WHERE m.outcome = new_signup.status AND (SELECT same FROM go)
    ORDER BY m.n
    RETURNING id, state, due_at
)"""
# Without rows to write (the person may get no message) the statement leaves the outbox alone.
_NO_OUTBOX = _SEAT_SIGNUP_OUTBOX[: _SEAT_SIGNUP_OUTBOX.index(", outbox AS (")]

# The ids of the rows due now (as messages.write_planned says which).
_DUE = 'ARRAY(SELECT id FROM outbox WHERE state = :pending AND due_at <= :plan_now ORDER BY id) AS "due"'

_PERSON_VALUES = {"phone": "CAST(:v_phone AS varchar)", "sms_blocked": "blocked.sms_blocked"}
# A new record of the person, unless the organization knows their phone or email (then nothing); blocked if
# their number stopped `sender` (SQL: the sender the organization texts from).
_INSERT_PERSON = f"""
INSERT INTO volunteer ({", ".join(VOLUNTEER_COLUMNS)})
SELECT {", ".join(_PERSON_VALUES.get(c, f":v_{c}") for c in VOLUNTEER_COLUMNS)}
FROM (SELECT EXISTS (
    SELECT 1 FROM sms_block b WHERE b.phone = :v_phone AND b.sender = {{sender}}
) AS sms_blocked) AS blocked"""

# Someone new, in one statement: their record (if the shift is open and as the rows were composed from it when
# the statement starts), seat, sign-up and messages; or, their phone known, their record. Of what it wrote it
# answers only what Python does not know already (the values are its own): the ids, the block and the seat's
# outcome; the columns of a known record are NULL for someone new.
_SIGN_UP_NEW = f"""
WITH shift_then AS ({_SHIFT}), inserted AS (
    {_INSERT_PERSON.format(sender="CAST(:sender AS text)")}
    WHERE EXISTS (SELECT 1 FROM shift_then WHERE same)
    ON CONFLICT DO NOTHING
    RETURNING id, sms_blocked
), person AS (SELECT id FROM inserted), {{seat_signup}}, known AS (
    SELECT * FROM volunteer
    WHERE organization_id = :organization AND phone = :v_phone AND NOT EXISTS (SELECT 1 FROM inserted)
)
SELECT inserted.id AS "volunteer", inserted.sms_blocked AS "sms_blocked", {{known}},
       new_signup.id AS "signup", new_signup.status AS "status", {{due}},
       EXISTS (SELECT 1 FROM shift_then) AS "open?", COALESCE((SELECT same FROM shift_then), FALSE) AS "same?"
FROM (SELECT 1) AS one LEFT JOIN inserted ON TRUE LEFT JOIN known ON TRUE LEFT JOIN new_signup ON TRUE
"""

# The record of the person, inserted or the one with their phone (inside the sign-up's transaction).
_SETTLE = f"""
WITH inserted AS ({_INSERT_PERSON.format(sender=SENDER_OF_ORGANIZATION)} ON CONFLICT DO NOTHING RETURNING *)
SELECT *, TRUE AS "created?" FROM inserted
UNION ALL
SELECT *, FALSE FROM volunteer
WHERE organization_id = :organization AND phone = :v_phone AND NOT EXISTS (SELECT 1 FROM inserted)
"""

_RECORD = """
WITH person AS (SELECT CAST(:volunteer AS integer) AS id), {seat_signup}
SELECT new_signup.id AS "signup", new_signup.status AS "status", {due},
       COALESCE((SELECT same FROM shift_now), FALSE) AS "same?"
FROM (SELECT 1) AS one LEFT JOIN new_signup ON TRUE
"""


@cache
def _sql(name: str, outbox: bool) -> str:
    """A statement, with or without the outbox rows."""
    template = {"new": _SIGN_UP_NEW, "record": _RECORD}[name]
    seat_signup = (_SEAT_SIGNUP_OUTBOX if outbox else _NO_OUTBOX).replace(
        "{shift_now}", _SHIFT_NOW_AFTER_THEN if name == "new" else _SHIFT_NOW
    )
    return template.format(
        known=", ".join(db.prefixed_columns("known", Volunteer, "known")),
        seat_signup=seat_signup,
        due=_DUE if outbox else "CAST('{}' AS integer[]) AS \"due\"",
    )


def _signup(values: dict[str, Any], volunteer: Volunteer, row: Mapping[str, Any]) -> Signup | None:
    """The sign-up the statement inserted (None if none), from the values it was given and the outcome it
    answered, as the ORM builds it from a row."""
    if row["signup"] is None:
        return None
    return Signup._init_from_db(
        id=row["signup"], uuid=values["signup_uuid"], shift_id=values["shift"], volunteer_id=volunteer.id,
        holder=values["shift"], status=row["status"], source=values["source"], referrer=values["referrer"],
        recruited_by_id=None, attendance_locked=False, checked_in_at=None, created_at=values["now"],
        updated_at=values["now"],
    )  # fmt: skip


def _person_values(person: Volunteer) -> dict[str, Any]:
    """The values of a new record, as the ORM would write them (`v_` + column)."""
    return {f"v_{column}": value for column, value in db.insert_row(person).items()}


def _signup_values(  # noqa: PLR0913
    shift: Shift,
    source: SignupSource,
    referrer: str,
    rows: list[tuple[str, Planned]],
    plan_now: datetime,
    whole: bool = False,
) -> dict[str, Any]:
    """The values of the seat, sign-up and outbox part (`whole`: nothing unless the rows are written too)."""
    prints = fingerprint(shift) or (None, None)
    values: dict[str, Any] = {
        "shift": shift.id,
        "organization": shift.event.organization_id,
        "shift_print": prints[0],
        "event_print": prints[1],
        "scheduled": ShiftStatus.SCHEDULED.value,
        "event_scheduled": EventStatus.SCHEDULED.value,
        "signed_up": SignupStatus.SIGNED_UP.value,
        "waitlisted": SignupStatus.WAITLISTED.value,
        "pending": MessageState.PENDING.value,
        "source": source.value,
        "referrer": referrer,
        "key_prefix": SIGNUP_KEY,
        "now": datetime.now(UTC),
        "signup_uuid": uuid4(),
        "plan_now": plan_now,
        "whole": whole,
        "m_outcome": [outcome for outcome, _ in rows],
    }
    for name, _ in PLANNED_ARRAYS[1:]:
        values[f"m_{name}"] = [getattr(row, name) for _, row in rows]
    return values


def _both_outcomes(
    shift: Shift, volunteer: Volunteer, source: SignupSource, referrer: str, plan: after_commit.Plan, now: datetime
) -> list[tuple[str, Planned]]:
    """The outbox rows of this sign-up if it gets a seat, and if it is waitlisted, each with that outcome."""
    if not (messages.texts_to(volunteer) or messages.mails_to(volunteer)):
        return []  # nobody to tell it to (as notifications.new_signup_messages says)
    signup = Signup.construct(shift=shift, volunteer=volunteer, source=source, referrer=referrer, holder=shift.id)
    return [
        (status.value, row)
        for status in (SignupStatus.SIGNED_UP, SignupStatus.WAITLISTED)
        for row in notifications.signup_rows(signup, status.value, plan, now)
    ]


@dataclass
class Settled:
    volunteer: Volunteer
    created: bool  # the record is new
    signup: Signup
    due: list[int]  # its outbox rows due now


async def sign_up(
    shift: Shift,
    contact: Contact,
    source: SignupSource,
    referrer: str,
    sms_consent: ConsentContext | None,
    trusted: bool,
    found: list[Volunteer],
    cached: bool = False,
) -> Settled | None:
    """The sign-up, with its outbox rows (see the module); None when the general path must settle who this
    person is, or why the shift is closed. AlreadyHolding when they already hold a live sign-up for the shift.
    `shift` is loaded by services.signups.load_shift (with its event, organization and fingerprint). With
    `cached`, a copy that is no longer the shift raises StaleShift, rolling back anything written."""
    if not contact.phone:
        return None
    plan = after_commit.plan()
    now = plan.clock()
    organization_id = shift.event.organization_id
    volunteer: Volunteer | None = None
    created = False
    if sms_consent is None:
        newcomer = new_volunteer(contact, organization_id, source=source.value)
        rows = _both_outcomes(shift, newcomer, source, referrer, plan, now)
        values = _signup_values(shift, source, referrer, rows, now, whole=True) | _person_values(newcomer)
        values["sender"] = sender_of_organization(shift.event.organization)  # as read: the statement checks it
        row = await db.fetch_one_named(_sql("new", bool(rows)), **values)
        if not row["open?"]:
            return None
        if cached and not row["same?"]:
            raise StaleShift  # nothing written
        if row["volunteer"] is not None:  # inserted with the values it was given, but the id and the block
            volunteer, created = newcomer, True
            volunteer.id, volunteer.sms_blocked, volunteer._saved_in_db = row["volunteer"], row["sms_blocked"], True
            signup = _signup(values, volunteer, row)
            if signup is not None:
                return Settled(volunteer, True, signup, list(row["due"]))
        elif row["known.id"] is not None:
            volunteer = Volunteer._init_from_db(**db.prefixed(row, "known"))
        elif row["same?"]:
            return None  # neither inserted nor known by their phone
        # Known by their phone, or the copy of the shift is not the shift (composed again below), or (rarely)
        # the shift changed while the statement waited for its lock: their record is new then.
    async with in_transaction():
        if volunteer is None:
            newcomer = new_volunteer(contact, organization_id, source=source.value)
            settled = await db.fetch_all_named(_SETTLE, organization=organization_id, **_person_values(newcomer))
            if not settled:
                return None
            volunteer, created = Volunteer._init_from_db(**settled[0]), bool(settled[0]["created?"])
        found.append(volunteer)
        if not created:
            await complete_volunteer(volunteer, contact, trusted=trusted)
        if sms_consent is not None and volunteer.phone and volunteer.phone == contact.phone:
            await grant_sms_consent(volunteer, sms_consent)
        if not created:
            await links.refresh_expired_links(volunteer)
        rows = _both_outcomes(shift, volunteer, source, referrer, plan, now)
        signup, same, due = await _record(shift, volunteer, source, referrer, rows, now)
        if not same and cached:
            raise StaleShift  # leaves the transaction, rolled back
        if not same:  # the shift or its event changed since `shift` was read: composed again, under the lock
            due = await notifications.new_signup_messages(signup, volunteer, plan, now)
    return Settled(volunteer, created, signup, due)


async def _record(
    shift: Shift,
    volunteer: Volunteer,
    source: SignupSource,
    referrer: str,
    rows: list[tuple[str, Planned]],
    plan_now: datetime,
) -> tuple[Signup, bool, list[int]]:
    """(sign-up, whether its rows were written, ids due now): seat if one is free, sign-up and outbox rows."""
    values = _signup_values(shift, source, referrer, rows, plan_now)
    try:
        found = await db.fetch_one_named(_sql("record", bool(rows)), volunteer=volunteer.id, **values)
    except IntegrityError as exc:  # leaves the transaction, rolled back (PostgreSQL aborted it)
        raise AlreadyHolding from exc
    signup = _signup(values, volunteer, found)
    if signup is None:
        raise ShiftClosed("this shift no longer takes sign-ups", code="shift_closed")
    return signup, bool(found["same?"]), list(found["due"])


async def record_signup(shift: Shift, volunteer: Volunteer, source: SignupSource, referrer: str) -> Signup:
    """Seat (if one is free) and sign-up for a known record, in one statement (its messages are the caller's);
    AlreadyHolding when they already hold a live sign-up for the shift."""
    signup, _, _ = await _record(shift, volunteer, source, referrer, [], datetime.now(UTC))
    return signup
