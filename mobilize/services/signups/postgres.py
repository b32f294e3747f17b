"""The sign-up hot path on PostgreSQL: a whole sign-up in one statement.

A surge (a rally shared widely, a strike call) sends thousands of sign-ups a minute. Through the ORM a
sign-up costs a dozen round trips and several times the CPU the database spends on it; here it is one
statement, run inside the sign-up's transaction (services.signups.sign_up), which also writes its
confirmation and reminders to the outbox, so that the sign-up and its messages commit together. It

1. inserts the organization's record of the person unless their phone or email is known to it (`ON CONFLICT
   DO NOTHING` on the per-organization unique pairs), else takes its record with their phone; a new record
   starts blocked if the number stopped the sender the organization texts from;
2. takes a seat with the conditional `UPDATE shift SET filled = filled + 1 ... AND filled < capacity`:
   a concurrent statement waits for the row lock and re-checks the condition on the row as the first
   left it, so the count never passes the capacity, across any number of processes;
3. inserts the sign-up, seated or waitlisted accordingly.

A second live sign-up of the same person for the shift fails the whole statement (IntegrityError on the
unique (volunteer, holder) pair): no seat taken, nothing recorded. When the statement cannot settle who
the person is (only their email is known, or someone inserted them a moment ago, after the statement's
snapshot) it changes nothing and returns no row, and the caller takes the general path.

The INSERTs name their columns here; tests/signups/test_signup_paths.py fails when a model gains a column they
do not write. SQLite (`make run`) always takes the general path in services.signups.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import Any

from tortoise.models import Model

from mobilize import db
from mobilize.models import (
    EmailStatus,
    EventStatus,
    ShiftStatus,
    Signup,
    SignupSource,
    SignupStatus,
    SmsStatus,
    Volunteer,
)
from mobilize.services.errors import ShiftClosed
from mobilize.services.people.consent import SENDER_OF_ORGANIZATION as _SENDER
from mobilize.services.people.records import Contact, complete_volunteer, new_token

SENDER_OF_ORGANIZATION = _SENDER.format(org=":organization")

VOLUNTEER_COLUMNS = (
    "organization_id",
    "name",
    "phone",
    "email",
    "postal_code",
    "sms_status",
    "email_status",
    "manage_token",
    "feed_token",
    "manage_token_seen_at",
    "feed_token_seen_at",
    "source",
    "sms_blocked",
    "notes",
    "member_id",
    "created_at",
    "updated_at",
    "uuid",
)
SIGNUP_COLUMNS = (
    "shift_id", "volunteer_id", "holder", "status", "source", "referrer", "attendance_locked", "checked_in_at",
    "created_at", "updated_at", "uuid", "recruited_by_id",
)  # fmt: skip

# The shift is still open to sign-ups, checked in the statement itself: the caller's copy of the shift may
# be a second old (services.events.public caches it), and a cancellation in between must not gain a sign-up.
_OPEN_SHIFT = """
open_shift AS (
    SELECT 1 FROM shift s JOIN event e ON e.id = s.event_id
    WHERE s.id = :shift AND s.status = :scheduled AND e.status = :event_scheduled AND s.ends_at > :now
)"""

# Seat and sign-up for the volunteer in the CTE `person` (none if it is empty).
_SEAT_SIGNUP = f"""
seat AS (
    UPDATE shift SET filled = filled + 1
    WHERE id = :shift AND status = :scheduled AND filled < capacity AND EXISTS (SELECT 1 FROM person)
      AND EXISTS (SELECT 1 FROM open_shift)
    RETURNING id
), new_signup AS (
    INSERT INTO signup ({", ".join(SIGNUP_COLUMNS)})
    SELECT :shift, person.id, :shift,
           CASE WHEN EXISTS (SELECT 1 FROM seat) THEN :signed_up ELSE :waitlisted END,
           :source, :referrer, FALSE, NULL, :now, :now, gen_random_uuid(), NULL
    FROM person
    WHERE EXISTS (SELECT 1 FROM open_shift)
    RETURNING *
)"""

_SIGN_UP = f"""
WITH {_OPEN_SHIFT}, inserted AS (
    INSERT INTO volunteer ({", ".join(VOLUNTEER_COLUMNS)})
    SELECT :organization, :name, CAST(:phone AS varchar), :email, :postal_code, :sms_status, :email_status,
           :manage_token, :feed_token, :now, :now, :source, EXISTS (
               SELECT 1 FROM sms_block b WHERE b.phone = :phone AND b.sender = {SENDER_OF_ORGANIZATION}
           ), '', NULL, :now, :now, gen_random_uuid()
    WHERE EXISTS (SELECT 1 FROM open_shift)
    ON CONFLICT DO NOTHING
    RETURNING *
), person AS (
    SELECT *, TRUE AS "created?" FROM inserted
    UNION ALL
    SELECT *, FALSE FROM volunteer
    WHERE organization_id = :organization AND phone = :phone AND NOT EXISTS (SELECT 1 FROM inserted)
), {_SEAT_SIGNUP}
SELECT {{person}}, person."created?", {{new_signup}} FROM person, new_signup
"""

_RECORD_SIGNUP = f"""
WITH {_OPEN_SHIFT}, person AS (SELECT CAST(:volunteer AS integer) AS id), {_SEAT_SIGNUP}
SELECT * FROM new_signup
"""


def _columns(alias: str, model: type[Model]) -> str:
    """The model's columns from `alias`, each renamed `alias.column` (two tables share one result row)."""
    columns = model._meta.fields_db_projection.values()
    return ", ".join(f'{alias}."{column}" AS "{alias}.{column}"' for column in columns)


def _model(model: type[Model], alias: str, row: dict[str, Any]) -> Any:
    """The instance of `model` in the columns `alias.*` of a result row, as the ORM builds it."""
    start = len(alias) + 1
    return model._init_from_db(**{key[start:]: value for key, value in row.items() if key.startswith(alias + ".")})


@cache
def _sign_up_sql() -> str:
    """The one-statement sign-up, with the columns of both models it returns."""
    return _SIGN_UP.format(person=_columns("person", Volunteer), new_signup=_columns("new_signup", Signup))


def _signup_values(shift_id: int, organization_id: int, source: SignupSource, referrer: str) -> dict[str, Any]:
    """The values of the seat and sign-up part."""
    return {
        "shift": shift_id,
        "scheduled": ShiftStatus.SCHEDULED.value,
        "event_scheduled": EventStatus.SCHEDULED.value,
        "signed_up": SignupStatus.SIGNED_UP.value,
        "waitlisted": SignupStatus.WAITLISTED.value,
        "source": source.value,
        "referrer": referrer,
        "organization": organization_id,
        "now": datetime.now(UTC),
    }


async def sign_up(
    shift_id: int, organization_id: int, contact: Contact, source: SignupSource, referrer: str, trusted: bool = False
) -> tuple[Volunteer, bool, Signup] | None:
    """(volunteer, whether they are new, sign-up), or None when the general path must settle who this
    person is. IntegrityError when they already hold a live sign-up for the shift."""
    if not contact.phone:
        return None
    rows = await db.fetch_all_named(
        _sign_up_sql(),
        name=contact.name,
        phone=contact.phone,
        email=contact.email,
        postal_code=contact.postal_code,
        sms_status=SmsStatus.UNKNOWN.value,
        email_status=(EmailStatus.OK if contact.email else EmailStatus.UNKNOWN).value,
        manage_token=new_token(),
        feed_token=new_token(),
        **_signup_values(shift_id, organization_id, source, referrer),
    )
    if not rows:
        return None
    row = rows[0]
    volunteer: Volunteer = _model(Volunteer, "person", row)
    created = bool(row["created?"])
    if not created:
        await complete_volunteer(volunteer, contact, trusted=trusted)
    return volunteer, created, _model(Signup, "new_signup", row)


async def record_signup(shift_id: int, volunteer: Volunteer, source: SignupSource, referrer: str) -> Signup:
    """Seat (if one is free) and sign-up for a known record, in one statement; IntegrityError when they
    already hold a live sign-up for the shift."""
    values = _signup_values(shift_id, volunteer.organization_id, source, referrer)
    rows = await db.fetch_all_named(_RECORD_SIGNUP, volunteer=volunteer.id, **values)
    if not rows:
        raise ShiftClosed("this shift no longer takes sign-ups", code="shift_closed")
    return Signup._init_from_db(**rows[0])
