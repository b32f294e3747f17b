"""Saved lists: who a list holds (tags any or all, postal-code prefixes, a group's sign-ups, sign-up history,
a first day in the organization's zone), worked out again each time; only the organization's own records (a
host's: their groups' people); checked fields; and a message to a list through the blast rules (consent, STOP,
quiet hours in the organization's zone, once per key)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from mobilize.models import (
    Message,
    MessageKind,
    Organization,
    Role,
    SavedList,
    Signup,
    SignupSource,
    SignupStatus,
    SmsStatus,
    Volunteer,
    VolunteerTag,
)
from mobilize.schemas import BlastIn
from mobilize.services.access import Actor
from mobilize.services.accounts.organizers import actor_for_membership
from mobilize.services.errors import Forbidden, Invalid, NotFound
from mobilize.services.outbox import blasts
from mobilize.services.people import lists
from tests.clock import CHICAGO, at
from tests.factories import make_event, make_group, make_organizer, make_person, make_shift

pytestmark = pytest.mark.usefixtures("migrated")

NIGHT_IN_TOKYO = datetime(2026, 6, 10, 12, 30, tzinfo=CHICAGO)  # 02:30 on Jun 11 in Tokyo


async def _tagged(org_id: int, name: str, tags: list[str], **fields: Any) -> Volunteer:
    person = await make_person(org_id, name=name, **fields)
    for tag in tags:
        await VolunteerTag.create(volunteer_id=person.id, name=tag)
    return person


async def _signed(person: Volunteer, shift: Any, status: SignupStatus) -> None:
    holder = None if status == SignupStatus.CANCELLED else shift.id
    await Signup.create(shift=shift, volunteer=person, holder=holder, status=status, source=SignupSource.API)


async def _world() -> dict[str, Any]:
    owner, _ = await make_organizer("local-100")
    actor = await actor_for_membership(owner)
    org = actor.organization_id
    west, east = await make_group(owner, slug="west"), await make_group(owner, slug="east")
    old = await make_shift(await make_event(west), starts_at=datetime(2026, 3, 2, 15, 0, tzinfo=UTC))
    new = await make_shift(await make_event(west), starts_at=datetime(2026, 5, 4, 15, 0, tzinfo=UTC))
    east_shift = await make_shift(await make_event(east), starts_at=datetime(2026, 5, 4, 15, 0, tzinfo=UTC))
    people = {
        "rosa": await _tagged(org, "Rosa", ["steward", "spanish"], postal_code="60608", phone="+13125550101"),
        "marcus": await _tagged(org, "Marcus", ["steward"], postal_code="60615", phone="+13125550102"),
        "ana": await _tagged(org, "Ana", ["spanish"], postal_code="53703", email="ana@example.org"),
        "dev": await _tagged(org, "Dev", [], postal_code="sw1a 1aa", email="dev@example.org"),
    }
    await _signed(people["rosa"], old, SignupStatus.ATTENDED)
    await _signed(people["marcus"], new, SignupStatus.NO_SHOW)
    await _signed(people["ana"], east_shift, SignupStatus.SIGNED_UP)
    await _signed(people["dev"], new, SignupStatus.CANCELLED)  # a cancelled sign-up holds no seat
    # Another organization knows Rosa's phone and tags her too: never on this organization's lists.
    other, _ = await make_organizer("other-org")
    stranger = await _tagged(other.organization_id, "Rosa", ["steward"], phone="+13125550101")
    return {"owner": owner, "actor": actor, "west": west, "east": east, "stranger": stranger, "other": other} | people


async def _holds(actor: Actor, **values: str) -> list[str]:
    rules = await lists.parse_rules(actor, {"name": "x"} | values)
    saved = SavedList(organization_id=actor.organization_id, **lists.columns(rules))
    return sorted(v.name for v in await lists.members(actor, saved))


async def test_a_list_holds_whoever_fits_its_conditions_today() -> None:
    w = await _world()
    actor = w["actor"]
    assert await _holds(actor) == ["Ana", "Dev", "Marcus", "Rosa"]  # no condition: everyone, never the stranger
    assert await _holds(actor, tags="Steward") == ["Marcus", "Rosa"]
    assert await _holds(actor, tags="steward, spanish") == ["Ana", "Marcus", "Rosa"]
    assert await _holds(actor, tags="steward, spanish", tag_match="all") == ["Rosa"]
    assert await _holds(actor, postal_codes="606") == ["Marcus", "Rosa"]
    assert await _holds(actor, postal_codes="60608, 537") == ["Ana", "Rosa"]
    assert await _holds(actor, postal_codes="SW1A") == ["Dev"]
    assert await _holds(actor, group="west") == ["Marcus", "Rosa"]  # held a seat (a no-show too)
    assert await _holds(actor, group="east") == ["Ana"]
    assert await _holds(actor, history="attended") == ["Rosa"]
    assert await _holds(actor, history="never") == ["Dev"]
    assert await _holds(actor, history="never", group="west") == ["Ana", "Dev"]
    # "since" is a day in the organization's zone: the March shift does not count, the May ones do
    assert await _holds(actor, history="signed_up", since="2026-04-01") == ["Ana", "Marcus"]
    assert await _holds(actor, history="attended", since="2026-04-01") == []
    assert await _holds(actor, tags="steward", group="west", since="2026-04-01") == ["Marcus"]

    saved = await lists.create_list(actor, await lists.parse_rules(actor, {"name": "Stewards", "tags": "steward"}))
    assert await lists.count_members(actor, saved) == 2
    await VolunteerTag.create(volunteer_id=w["ana"].id, name="steward")  # tagged after the list was saved
    assert await lists.count_members(actor, saved) == 3
    assert lists.describe(saved) == ["Tagged steward"]


async def test_a_host_sees_only_the_people_of_their_groups_on_a_list_and_cannot_change_one() -> None:
    w = await _world()
    host, _ = await make_organizer("local-100", role=Role.HOST, groups=["east"])
    actor = await actor_for_membership(host)
    saved = await lists.create_list(w["actor"], await lists.parse_rules(w["actor"], {"name": "Everyone"}))
    assert [v.name for v in await lists.members(actor, await lists.get_list(actor, saved.id))] == ["Ana"]
    with pytest.raises(Forbidden):
        await lists.delete_list(actor, saved.id)
    with pytest.raises(Forbidden):
        await blasts.blast_list(actor, saved.id, BlastIn(channels=["sms"], body="hi"))
    other, _ = await make_organizer("other-org", email="boss@other.example.org")
    with pytest.raises(NotFound):  # another organization's list is not found
        await lists.get_list(await actor_for_membership(other), saved.id)


async def test_bad_fields_are_named_and_nothing_is_written() -> None:
    w = await _world()
    actor = w["actor"]
    bad = {"name": " ", "tags": "ok, !!", "tag_match": "most", "postal_codes": "60608, <b>", "group": "nowhere",
           "history": "often", "since": "2026-13-01"}  # fmt: skip
    with pytest.raises(Invalid) as caught:
        await lists.parse_rules(actor, bad)
    assert set(caught.value.fields) == set(bad)
    await lists.create_list(actor, await lists.parse_rules(actor, {"name": "Stewards"}))
    with pytest.raises(Invalid) as taken:
        await lists.create_list(actor, await lists.parse_rules(actor, {"name": " Stewards "}))
    assert "name" in taken.value.fields
    # another organization may use the same name
    other, _ = await make_organizer("other-org", email="boss@other.example.org")
    theirs = await actor_for_membership(other)
    await lists.create_list(theirs, await lists.parse_rules(theirs, {"name": "Stewards"}))
    assert await SavedList.filter(name="Stewards").count() == 2


@at(NIGHT_IN_TOKYO)
async def test_a_message_to_a_list_follows_the_blast_rules_in_the_organizations_zone() -> None:
    w = await _world()
    await Organization.filter(id=w["actor"].organization_id).update(timezone="Asia/Tokyo")
    actor = await actor_for_membership(w["owner"])
    await Volunteer.filter(id=w["rosa"].id).update(sms_status=SmsStatus.OPTED_IN)
    await Volunteer.filter(id=w["marcus"].id).update(sms_status=SmsStatus.OPTED_OUT)  # texted STOP
    await Volunteer.filter(id=w["stranger"].id).update(sms_status=SmsStatus.OPTED_IN)
    saved = await lists.create_list(actor, await lists.parse_rules(actor, {"name": "All", "tags": "steward, spanish"}))
    data = BlastIn(channels=["sms", "email"], body="Meeting moved to Thursday")
    preview = await blasts.blast_list(actor, saved.id, data, preview=True)
    assert await Message.filter(kind=MessageKind.BLAST).count() == 0  # counting writes nothing
    # Rosa: SMS (no email); Marcus: STOP and no email; Ana: email (no phone)
    assert (preview.people, preview.recipients, preview.texts, preview.emails) == (3, 2, 1, 1)
    assert (preview.unreached, preview.unreached_stop, preview.unreached_no_consent) == (1, 1, 0)
    assert (preview.opted_out, preview.no_sms, preview.no_email) == (1, 1, 2)
    for _ in range(2):  # the same key twice: one set of messages
        sent = await blasts.blast_list(actor, saved.id, data, idempotency_key="list-key-1")
    assert sent.messages == 2
    rows = await Message.filter(kind=MessageKind.BLAST).order_by("channel")
    assert [(m.volunteer_id, m.channel.value) for m in rows] == [(w["ana"].id, "email"), (w["rosa"].id, "sms")]
    text = next(m for m in rows if m.channel.value == "sms")
    assert text.body.startswith("local-100: Meeting moved") and text.body.endswith("Reply STOP to opt out.")
    assert text.signup_id is None and text.timezone == "Asia/Tokyo"
    # 02:30 in Tokyo is quiet: the text waits for 08:00 there; the email goes now
    assert text.due_at == datetime(2026, 6, 10, 23, 0, tzinfo=UTC)
    assert next(m for m in rows if m.channel.value == "email").due_at <= datetime.now(UTC) + timedelta(seconds=1)
    assert not await Message.filter(volunteer_id=w["stranger"].id).exists()
    # the organization that knows Rosa's phone neither finds the list nor messages through it
    stranger_org = await actor_for_membership(w["other"])
    for preview in (True, False):
        with pytest.raises(NotFound):
            await blasts.blast_list(stranger_org, saved.id, data, idempotency_key="list-key-2", preview=preview)
    assert await Message.filter(kind=MessageKind.BLAST).count() == 2
