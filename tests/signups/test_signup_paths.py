"""What a sign-up records, on each path: PostgreSQL's one statement (services.fastpath) and its fallback,
and SQLite's transaction. Same outcomes everywhere: one volunteer per person, their relationship with the
organization, a seat or the waitlist, consent, and nothing at all when they are already signed up."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from tortoise.transactions import in_transaction

from mobilize import db, links
from mobilize.models import (
    ConsentRecord,
    Event,
    Message,
    Organization,
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
from mobilize.services.outbox import after_commit, notifications
from mobilize.services.people import ConsentContext, Contact
from mobilize.services.signups import postgres as fastpath
from mobilize.services.signups import seats as seats_rule
from tests.clock import CHICAGO, MIDDAY
from tests.conftest import BACKEND, PUBLIC
from tests.delivery.test_delivery_faults import wait_until
from tests.factories import make_person, make_shift, make_world

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
        (Volunteer, fastpath.VOLUNTEER_COLUMNS),
        (Signup, fastpath.SIGNUP_COLUMNS),
        (Message, tuple(fastpath.MESSAGE_VALUES)),
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

    from mobilize.services.people import may_collide

    assert isinstance(may_collide(), nullcontext)  # a lone statement needs no BEGIN and COMMIT
    async with in_transaction():
        assert not isinstance(may_collide(), nullcontext)


# ---- both paths, the same cases --------------------------------------------------------------------------
# On PostgreSQL each case runs twice, in two organizations alike: through the statements (services.fastpath)
# and through the ORM, as SQLite signs up (fastpath.general_path_only). Both must leave the same people, seats,
# sign-ups, consent and outbox rows, every column of them alike but the ids and the private links' tokens.

ANA = Contact(name="Ana", phone="+13125550101", email="ana@example.org")
CONSENT = ConsentContext(source="web", words="Texts about this shift. Reply STOP to opt out.", ip="203.0.113.9")
NIGHT = datetime(2026, 6, 10, 23, 30, tzinfo=CHICAGO)  # in the default quiet hours (21:00-08:00)
SHIFT_STARTS = datetime(2026, 6, 12, 10, 0, tzinfo=CHICAGO)  # both reminders to come, from MIDDAY
NEXT_AFTERNOON = datetime(2026, 6, 11, 14, 0, tzinfo=CHICAGO)  # from NIGHT: the morning leaves time to tell
WITHIN_THE_HOUR = datetime(2026, 6, 11, 0, 15, tzinfo=CHICAGO)  # from NIGHT: urgent, and both reminders late


async def sign_up_ana(w: dict[str, Any], contact: Contact = ANA, **options: Any) -> signups.SignupResult:
    options = {"source": SignupSource.WEB, "sms_consent": CONSENT} | options
    return await signups.sign_up(w["shift"].id, contact, **options)


async def known_ana(w: dict[str, Any], **fields: Any) -> Volunteer:
    """The organization's record of Ana (her phone), made before the case signs her up."""
    values = {"name": "Ana", "phone": ANA.phone, "manage_token_seen_at": MIDDAY, "feed_token_seen_at": MIDDAY}
    return await make_person(w["event"].organization_id, **(values | fields))


async def new_person_seated(w: dict[str, Any]) -> None:
    await sign_up_ana(w, referrer="flyer")


async def new_person_without_consent(w: dict[str, Any]) -> None:
    await sign_up_ana(w, sms_consent=None)  # email only; the one-statement sign-up


async def known_person_seated_with_consent(w: dict[str, Any]) -> None:
    await known_ana(w, manage_token_seen_at=MIDDAY - timedelta(days=400))  # her page link expired: a fresh one
    await sign_up_ana(w, Contact(name="Someone", phone=ANA.phone, postal_code="60614"), source=SignupSource.API)


async def known_person_without_consent(w: dict[str, Any]) -> None:
    await known_ana(w, sms_status=SmsStatus.OPTED_IN, email=ANA.email)
    await sign_up_ana(w, sms_consent=None, source=SignupSource.SMS)


async def waitlisted(w: dict[str, Any]) -> None:
    await Shift.filter(id=w["shift"].id).update(filled=w["shift"].capacity)
    await sign_up_ana(w)


async def opted_out(w: dict[str, Any]) -> None:
    await known_ana(w, sms_status=SmsStatus.OPTED_OUT, email=ANA.email)
    await sign_up_ana(w)  # consent on the form does not undo a STOP: email only


async def number_blocked_on_the_sender(w: dict[str, Any]) -> None:
    await SmsBlock.get_or_create(sender="shared", phone=ANA.phone, defaults={"words": "STOP"})
    await sign_up_ana(w)


async def email_only(w: dict[str, Any]) -> None:
    await sign_up_ana(w, Contact(name="Ana", email=ANA.email), sms_consent=None)


async def by_an_organizer_at_night(w: dict[str, Any]) -> None:
    await sign_up_ana(w, source=SignupSource.API)  # texts wait for the morning; the passed reminder is skipped


async def by_themselves_at_night(w: dict[str, Any]) -> None:
    await sign_up_ana(w)  # their own sign-up is answered at once


async def at_night_for_a_shift_within_the_hour(w: dict[str, Any]) -> None:
    await sign_up_ana(w, source=SignupSource.API)


async def already_signed_up(w: dict[str, Any]) -> None:
    await sign_up_ana(w)
    before = await outcome(w)
    with pytest.raises(AlreadySignedUp):
        await sign_up_ana(w, Contact(name="Ana", phone=ANA.phone, postal_code="60614"))
    assert await outcome(w) == before  # nothing written: no consent, no postal code, no rows


async def event_changed_after_the_copy_was_read(w: dict[str, Any]) -> None:
    copy = await signups.load_shift(w["shift"].id)  # as services.public caches it
    await Event.filter(id=w["event"].id).update(title="Picket at the north gate")
    await sign_up_ana(w, shift=copy)


async def own_number(w: dict[str, Any]) -> str:
    """The organization texts from a number of its own (one per world: the numbers are unique)."""
    number = f"+1773555{w['event'].organization_id % 10000:04d}"
    await Organization.filter(id=w["event"].organization_id).update(sms_from_number=number)
    return number


async def anas_record_is_blocked(w: dict[str, Any]) -> bool:
    return (await Volunteer.get(organization_id=w["event"].organization_id, phone=ANA.phone)).sms_blocked


# Without consent on the form, someone new is signed up by the one statement, which is given the sender the
# organization texts from as its copy read it (and checks the copy).
async def number_blocked_on_the_organizations_own_number(w: dict[str, Any]) -> None:
    await SmsBlock.get_or_create(sender=await own_number(w), phone=ANA.phone, defaults={"words": "STOP"})
    await sign_up_ana(w, sms_consent=None)
    assert await anas_record_is_blocked(w)
    # A second organization, on the shared sender, signing up the same phone: her STOP was not to its sender.
    other = await make_world(org=f"other-{w['event'].organization_id}")
    await signups.sign_up(other["shift"].id, ANA, source=SignupSource.WEB, sms_consent=None)
    assert not await anas_record_is_blocked(other)


async def blocked_only_on_the_shared_sender(w: dict[str, Any]) -> None:
    await own_number(w)
    await SmsBlock.get_or_create(sender="shared", phone=ANA.phone, defaults={"words": "STOP"})
    await sign_up_ana(w, sms_consent=None)  # a STOP to the shared sender does not stop the organization's own number
    assert not await anas_record_is_blocked(w)


async def sender_changed_after_the_copy_was_read(w: dict[str, Any]) -> None:
    copy = await signups.load_shift(w["shift"].id)  # read while the organization texted from the shared sender
    await SmsBlock.get_or_create(sender=await own_number(w), phone=ANA.phone, defaults={"words": "STOP"})
    await sign_up_ana(w, shift=copy, sms_consent=None)
    assert await anas_record_is_blocked(w)  # blocked on the sender the organization texts from now


async def shift_changed_after_the_copy_was_read(w: dict[str, Any], **options: Any) -> None:
    copy = await signups.load_shift(w["shift"].id)
    later = {"starts_at": copy.starts_at + timedelta(hours=2), "ends_at": copy.ends_at + timedelta(hours=2)}
    await Shift.filter(id=w["shift"].id).update(**later)
    await sign_up_ana(w, shift=copy, **options)  # the messages give the new time


async def shift_changed_after_the_copy_was_read_someone_new(w: dict[str, Any]) -> None:
    await shift_changed_after_the_copy_was_read(w, sms_consent=None)


@dataclass
class Case:
    run: Callable[[dict[str, Any]], Awaitable[None]]
    moment: datetime = MIDDAY
    starts_at: datetime = SHIFT_STARTS
    capacity: int = 5
    general: bool = False  # no phone: the statements cannot settle who this is, both take the general path
    stale: bool = False  # the copy of the shift is not the shift: the statements write the sign-up, the ORM its rows


CASES = [
    Case(new_person_seated),
    Case(new_person_without_consent),
    Case(known_person_seated_with_consent),
    Case(known_person_without_consent),
    Case(waitlisted, capacity=1),
    Case(opted_out),
    Case(number_blocked_on_the_sender),
    Case(email_only, general=True),
    Case(by_an_organizer_at_night, moment=NIGHT, starts_at=NEXT_AFTERNOON),
    Case(by_themselves_at_night, moment=NIGHT, starts_at=NEXT_AFTERNOON),
    Case(at_night_for_a_shift_within_the_hour, moment=NIGHT, starts_at=WITHIN_THE_HOUR),
    Case(already_signed_up),
    Case(event_changed_after_the_copy_was_read, stale=True),
    Case(number_blocked_on_the_organizations_own_number),
    Case(blocked_only_on_the_shared_sender),
    Case(sender_changed_after_the_copy_was_read, stale=True),
    Case(shift_changed_after_the_copy_was_read, stale=True),
    Case(shift_changed_after_the_copy_was_read_someone_new, stale=True),
]


async def outcome(w: dict[str, Any], due: list[int] | None = None) -> dict[str, Any]:
    """What the case left in its organization, ids and private-link tokens replaced by stable names."""
    organization_id, event = w["event"].organization_id, w["event"]
    people = await Volunteer.filter(organization_id=organization_id).order_by("id")
    rows = await Signup.filter(shift__event_id=event.id).order_by("id")
    person = {p.id: f"person {n}" for n, p in enumerate(people)}
    signup = {s.id: f"signup {n}" for n, s in enumerate(rows)}
    names = {p.manage_token: f"<page of {person[p.id]}>" for p in people}
    names[links.event_url(PUBLIC, event.id, event.address_token())] = "<event page>"

    def text(value: str) -> str:
        for raw, name in names.items():
            value = value.replace(raw, name)
        return value

    messages = []
    for m in await Message.filter(organization_id=organization_id).order_by("id"):
        key = m.dedupe_key.replace(f"signup:{m.signup_id}:", f"signup:<{signup[m.signup_id]}>:")
        values = {
            k: getattr(m, k) for k in Message._meta.db_fields if k not in {"id", "created_at", "updated_at", "uuid"}
        }
        assert values.pop("organization_id") == organization_id  # the event's organization's
        values |= {"volunteer_id": person[m.volunteer_id], "signup_id": signup[m.signup_id], "dedupe_key": key}
        values |= {"body": text(m.body), "subject": text(m.subject), "due now": m.id in (due or [])}
        messages.append(values)
    return {
        "people": [
            (p.name, p.phone, p.email, p.postal_code, p.source, p.sms_status, p.sms_blocked, p.email_status)
            for p in people
        ],
        "consent": await ConsentRecord.filter(organization_id=organization_id).values_list("words", "ip"),
        "signups": [(signup[s.id], person[s.volunteer_id], s.status, s.source, s.referrer, s.holder) for s in rows],
        "filled": (await Shift.get(id=w["shift"].id)).filled,
        "messages": sorted(messages, key=lambda m: m["dedupe_key"]),
    }


async def run_case(case: Case, path: str, monkeypatch: pytest.MonkeyPatch, clock: Any) -> dict[str, Any]:
    clock.move_to(case.moment, tick=True)
    w = await make_world(org=f"paths-{path}")
    await Organization.filter(id=w["event"].organization_id).update(name="Local 100")
    w["shift"] = await make_shift(w["event"], capacity=case.capacity, starts_at=case.starts_at)
    w["shift"] = await Shift.get(id=w["shift"].id)  # holder is the shift's id: the same name in both worlds
    plan = after_commit.Plan(base_url=PUBLIC, now=case.moment)
    with ExitStack() as stack:
        pending = stack.enter_context(after_commit.buffer(plan))
        if path == "orm":
            stack.enter_context(fastpath.general_path_only())
        elif not case.general:
            monkeypatch.setattr(seats_rule, "find_or_create_volunteer", _must_not_run)
        planned_by_the_orm = _count(monkeypatch, notifications, "new_signup_messages")
        await case.run(w)
        monkeypatch.undo()
    if path == "statements":  # the statements wrote the rows themselves, unless the case says why not
        assert bool(planned_by_the_orm) == (case.general or case.stale), planned_by_the_orm
    found = await outcome(w, pending.ids)
    for row in found["signups"]:
        assert row[5] in (w["shift"].id, None)
    found["signups"] = [row[:5] for row in found["signups"]]
    return found


def _count(monkeypatch: pytest.MonkeyPatch, module: Any, name: str) -> list[int]:
    """Count the calls of `module.name` (one item per call)."""
    calls: list[int] = []
    real = getattr(module, name)

    async def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return await real(*args, **kwargs)

    monkeypatch.setattr(module, name, counted)
    return calls


async def _must_not_run(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("the statements should have settled this sign-up")


@pytest.mark.postgres
@pytest.mark.parametrize("case", CASES, ids=[case.run.__name__ for case in CASES])
async def test_both_paths_write_the_same_rows(case: Case, monkeypatch: pytest.MonkeyPatch, time_machine: Any) -> None:
    statements = await run_case(case, "statements", monkeypatch, time_machine)
    orm = await run_case(case, "orm", monkeypatch, time_machine)
    assert statements == orm
    assert statements["signups"], "the case signs someone up"


@pytest.mark.postgres
async def test_a_sign_up_waiting_for_someones_record_does_not_hold_the_shift() -> None:
    """Every path writes the person's record before it locks the shift: one waiting at the record (someone
    else is inserting the same phone) holds no lock on the shift, and two such sign-ups cannot deadlock."""
    w = await make_world()
    inserted, go_on = asyncio.Event(), asyncio.Event()

    async def someone_inserting_ana() -> Volunteer:
        async with in_transaction():
            ana = await known_ana(w)
            inserted.set()
            await go_on.wait()
        return ana

    async def blocked() -> bool:
        return bool(await db.fetch_all("SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock'"))

    holder = asyncio.create_task(someone_inserting_ana())
    await inserted.wait()
    waiting = asyncio.create_task(sign_up_ana(w, sms_consent=None))
    try:
        await wait_until(blocked, 10, lambda: "the sign-up never waited for the record")
        async with in_transaction():  # the shift is free to lock meanwhile
            await db.fetch_all("SELECT id FROM shift WHERE id = ? FOR UPDATE NOWAIT", w["shift"].id)
    finally:
        go_on.set()
    ana, result = await holder, await waiting
    assert result.volunteer.id == ana.id and result.signup.status == SignupStatus.SIGNED_UP


async def _while_the_statement_waits_for_the_shift(w: dict[str, Any], change: str) -> signups.SignupResult:
    """Sign up someone new while another transaction holds the shift's row with `change` (SQL after SET),
    committed once the one statement waits for the lock: by then it read the shift as it was before."""
    copy = await signups.load_shift(w["shift"].id)  # as the public sign-up keeps it: the shift before
    held, go_on = asyncio.Event(), asyncio.Event()

    async def organizers_changing_the_shift() -> None:
        async with in_transaction() as connection:
            await connection.execute_query(f"UPDATE shift SET {change} WHERE id = $1", [w["shift"].id])
            held.set()
            await go_on.wait()

    async def blocked() -> bool:
        return bool(await db.fetch_all("SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock'"))

    holder = asyncio.create_task(organizers_changing_the_shift())
    await held.wait()
    waiting = asyncio.create_task(sign_up_ana(w, shift=copy, sms_consent=None, cached=False))
    try:
        await wait_until(blocked, 10, lambda: "the sign-up never waited for the shift")
    finally:
        go_on.set()
    await holder
    return await waiting


@pytest.mark.postgres
async def test_a_shift_moved_while_the_statement_waits_gets_messages_of_the_new_time(time_machine: Any) -> None:
    """The statement looks at the shift before it locks it; locked, it reads the shift as the last change
    left it, and a shift changed in between gets the sign-up composed anew, with the new time."""
    time_machine.move_to(MIDDAY, tick=True)
    w = await make_world()
    w["shift"] = await make_shift(w["event"], starts_at=SHIFT_STARTS)
    result = await _while_the_statement_waits_for_the_shift(
        w, "starts_at = starts_at + interval '2 hours', ends_at = ends_at + interval '2 hours'"
    )
    assert result.signup.status == SignupStatus.SIGNED_UP and await seats(w["shift"].id) == 1
    reminders = await Message.filter(signup_id=result.signup.id, kind__startswith="reminder").order_by("due_at")
    moved = SHIFT_STARTS + timedelta(hours=2)
    assert reminders and all(m.due_at < moved for m in reminders)
    bodies = await Message.filter(signup_id=result.signup.id).values_list("body", flat=True)
    assert any("12:00" in body for body in bodies) and not any("10:00" in body for body in bodies)  # + 2 h


@pytest.mark.postgres
async def test_a_shift_cancelled_while_the_statement_waits_takes_no_sign_up(time_machine: Any) -> None:
    time_machine.move_to(MIDDAY, tick=True)
    w = await make_world()
    w["shift"] = await make_shift(w["event"], starts_at=SHIFT_STARTS)
    with pytest.raises(ShiftClosed):
        await _while_the_statement_waits_for_the_shift(w, f"status = '{ShiftStatus.CANCELLED.value}'")
    assert await Signup.filter(shift_id=w["shift"].id).count() == 0 and await seats(w["shift"].id) == 0
