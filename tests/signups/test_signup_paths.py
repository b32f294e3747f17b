"""What a sign-up records, on each path: PostgreSQL's one statement (services.signups.postgres) and its fallback,
and SQLite's transaction. Same outcomes everywhere: one volunteer per person, their relationship with the
organization, a seat or the waitlist, consent, and nothing at all when they are already signed up."""

from __future__ import annotations

from typing import Any

import pytest

from mobilize import db
from mobilize.models import (
    ConsentRecord,
    Shift,
    ShiftStatus,
    Signup,
    SignupSource,
    SignupStatus,
    SmsBlock,
    SmsStatus,
    Volunteer,
)
from mobilize.services import signups
from mobilize.services.errors import AlreadySignedUp, ShiftClosed
from mobilize.services.people import ConsentContext, Contact
from mobilize.services.signups import postgres
from mobilize.services.signups import seats as seats_rule
from tests.conftest import BACKEND
from tests.factories import make_shift, make_world

pytestmark = pytest.mark.usefixtures("migrated")


@pytest.fixture
def one_statement_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """On PostgreSQL, fail the test if a sign-up of someone known by phone (or new) leaves the fast path."""
    if BACKEND != "postgres":
        return

    async def general_path(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the one-statement path should have settled this sign-up")

    monkeypatch.setattr(seats_rule, "find_or_create_volunteer", general_path)


async def seats(shift_id: int) -> int:
    """The shift's `filled` counter."""
    return (await Shift.get(id=shift_id)).filled


@pytest.mark.usefixtures("one_statement_only")
async def test_new_person_then_same_phone_on_another_shift() -> None:
    w = await make_world(capacity=1)
    shift = w["shift"]
    first = await signups.sign_up(
        shift.id, Contact(name="Ana", phone="+13125550101"), source=SignupSource.WEB, referrer="flyer"
    )
    assert first.new_volunteer and first.signup.status == SignupStatus.SIGNED_UP
    assert first.signup.id and first.signup.created_at and first.signup.referrer == "flyer"
    assert first.signup.volunteer_id == first.volunteer.id  # type: ignore[attr-defined]
    assert first.volunteer.manage_token and first.volunteer.name == "Ana"
    assert await seats(shift.id) == 1

    other = await make_shift(w["event"], capacity=1)
    again = await signups.sign_up(
        other.id, Contact(name="Someone else", phone="+13125550101", postal_code="60614"), source=SignupSource.WEB
    )
    assert not again.new_volunteer
    assert again.volunteer.id == first.volunteer.id
    assert again.volunteer.name == "Ana"  # a known name is never overwritten
    assert again.volunteer.postal_code == "60614"  # what we did not know is filled in
    assert (await Volunteer.get(id=first.volunteer.id)).postal_code == "60614"
    assert await Volunteer.all().count() == 1
    assert first.volunteer.organization_id == w["event"].organization_id  # the event's organization's record


@pytest.mark.usefixtures("one_statement_only")
async def test_full_shift_waitlists_and_cancelled_shift_is_closed() -> None:
    w = await make_world(capacity=1)
    shift = w["shift"]
    await signups.sign_up(shift.id, Contact(phone="+13125550101"), source=SignupSource.WEB)
    second = await signups.sign_up(shift.id, Contact(phone="+13125550102"), source=SignupSource.WEB)
    assert second.signup.status == SignupStatus.WAITLISTED
    assert await seats(shift.id) == 1
    await Shift.filter(id=shift.id).update(status=ShiftStatus.CANCELLED)
    with pytest.raises(ShiftClosed):
        await signups.sign_up(shift.id, Contact(phone="+13125550103"), source=SignupSource.WEB)


@pytest.mark.usefixtures("one_statement_only")
async def test_already_signed_up_records_nothing() -> None:
    w = await make_world(capacity=5)
    shift = w["shift"]
    first = await signups.sign_up(shift.id, Contact(name="Ana", phone="+13125550101"), source=SignupSource.WEB)
    with pytest.raises(AlreadySignedUp) as caught:
        await signups.sign_up(shift.id, Contact(name="Ana", phone="+13125550101"), source=SignupSource.SMS)
    assert caught.value.fields["signup"] == str(first.signup.id)
    assert await seats(shift.id) == 1
    assert await Signup.filter(shift_id=shift.id).count() == 1
    # after cancelling, the same person may sign up again (and takes a seat again)
    await signups.cancel_signup(first.signup.id)
    back = await signups.sign_up(shift.id, Contact(phone="+13125550101"), source=SignupSource.WEB)
    assert back.signup.status == SignupStatus.SIGNED_UP and back.volunteer.id == first.volunteer.id
    assert await seats(shift.id) == 1


async def test_person_known_by_email_gets_their_phone_added_by_an_organizer() -> None:
    w = await make_world()
    known = await signups.sign_up(w["shift"].id, Contact(name="Ana", email="ana@example.org"), source=SignupSource.WEB)
    other = await make_shift(w["event"])
    contact = Contact(name="Ana", phone="+13125550101", email="ana@example.org")
    # from a public form the phone is not attached: nothing proves the typist is Ana
    third = await make_shift(w["event"])
    result = await signups.sign_up(third.id, contact, source=SignupSource.WEB)
    assert (await Volunteer.get(id=known.volunteer.id)).phone is None
    # an organizer (trusted) completes the record
    result = await signups.sign_up(other.id, contact, source=SignupSource.API, trusted=True)
    assert not result.new_volunteer and result.volunteer.id == known.volunteer.id
    assert (await Volunteer.get(id=known.volunteer.id)).phone == "+13125550101"
    assert await Volunteer.all().count() == 1


async def test_sms_consent_is_recorded_with_the_signup() -> None:
    w = await make_world()
    consent = ConsentContext(source="web", words="Texts about this shift. Reply STOP to opt out.", ip="203.0.113.9")
    result = await signups.sign_up(
        w["shift"].id, Contact(name="Ana", phone="+13125550101"), source=SignupSource.WEB, sms_consent=consent
    )
    assert result.volunteer.sms_status == SmsStatus.OPTED_IN
    assert (await Volunteer.get(id=result.volunteer.id)).sms_status == SmsStatus.OPTED_IN
    record = await ConsentRecord.get(volunteer_id=result.volunteer.id)
    assert record.words == consent.words and record.ip == "203.0.113.9"


def test_hand_written_inserts_name_every_column() -> None:
    """The one-statement path writes its INSERTs by hand: a column added to a model must be added there."""
    for model, columns in [
        (Volunteer, postgres.VOLUNTEER_COLUMNS),
        (Signup, postgres.SIGNUP_COLUMNS),
    ]:
        assert sorted(columns) == sorted(set(model._meta.db_fields) - {"id"}), model.__name__
    sql, names = db.numbered("SELECT :a, CAST(:b AS integer), :a, x::text")
    assert (sql, names) == ("SELECT $1, CAST($2 AS integer), $1, x::text", ("a", "b"))


async def test_insert_row_is_what_the_orm_would_write() -> None:
    row = db.insert_row(SmsBlock(sender="shared", phone="+13125550101", words="STOP"))
    assert set(row) == set(SmsBlock._meta.db_fields) - {"id"}
    assert row["created_at"] is not None and row["words"] == "STOP"


async def test_a_collision_inside_a_transaction_is_a_savepoint() -> None:
    from contextlib import nullcontext

    from tortoise.transactions import in_transaction

    from mobilize.services.people import may_collide

    assert isinstance(may_collide(), nullcontext)  # a lone statement needs no BEGIN and COMMIT
    async with in_transaction():
        assert not isinstance(may_collide(), nullcontext)
