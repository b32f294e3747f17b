"""The public sign-up's copy of a shift: kept for minutes where the sign-up statement checks it (PostgreSQL),
a second elsewhere, and never the reason a sign-up lands on a shift whose event changed since."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from mobilize import db
from mobilize.models import Event, Message, Signup, Volunteer
from mobilize.services.events import public
from tests.factories import make_event, make_shift, make_world, soon, start_shift, volunteer_body


def age_cache(seconds: float) -> None:
    """Every cached copy as if read `seconds` earlier."""
    for key, (at, shift) in list(public._shift_cache.items()):
        public._shift_cache[key] = (at - seconds, shift)
        shift.loaded_at = at - seconds


def consenting(n: int) -> dict[str, Any]:
    body = volunteer_body(n)
    body["volunteer"]["sms_opt_in"] = True
    return body


async def sign_up(client: httpx.AsyncClient, shift_id: int, body: dict[str, Any]) -> httpx.Response:
    return await client.post(f"/api/v1/public/shifts/{shift_id}/signups", json=body)


async def test_a_copy_minutes_old_is_kept_only_where_the_statement_checks_it(client: httpx.AsyncClient) -> None:
    w = await make_world()
    first = await public.public_shift(w["shift"].id)
    age_cache(60)
    again = await public.public_shift(w["shift"].id)
    assert (again is first) == db.postgres_statements()  # SQLite reads it again after a second
    assert public.is_fresh(again) != db.postgres_statements()
    r = await sign_up(client, w["shift"].id, volunteer_body(1))
    assert r.status_code == 201, r.text


async def test_an_event_made_unlisted_after_its_shift_was_cached_takes_no_sign_up(
    client: httpx.AsyncClient,
) -> None:
    w = await make_world()
    assert (await sign_up(client, w["shift"].id, volunteer_body(1))).status_code == 201
    age_cache(60)
    await Event.filter(id=w["event"].id).update(visibility="unlisted")
    before = await Signup.all().count(), await Volunteer.all().count(), await Message.all().count()
    for body in (volunteer_body(2), consenting(3), volunteer_body(1) | {"share_with": []}):
        r = await sign_up(client, w["shift"].id, body)
        assert r.status_code == 404, r.text
        age_cache(60)
    assert (await Signup.all().count(), await Volunteer.all().count(), await Message.all().count()) == before


async def test_messages_name_the_event_as_it_is_not_as_it_was_cached(client: httpx.AsyncClient) -> None:
    w = await make_world()
    assert (await sign_up(client, w["shift"].id, volunteer_body(1))).status_code == 201
    age_cache(60)
    await Event.filter(id=w["event"].id).update(title="Picket moved to the north gate")
    for n, body in ((2, volunteer_body(2)), (3, consenting(3))):
        r = await sign_up(client, w["shift"].id, body)
        assert r.status_code == 201, r.text
        signup = await Signup.get(id=r.json()["id"])
        bodies = [m.body for m in await Message.filter(signup_id=signup.id)]
        assert bodies and all("north gate" in text for text in bodies), (n, bodies)
        age_cache(60)
    # The sign-up read it again: the next one needs no second try.
    assert (await public.public_shift(w["shift"].id)).event.title == "Picket moved to the north gate"


async def test_a_shift_cancelled_after_it_was_cached_takes_no_sign_up(client: httpx.AsyncClient) -> None:
    w = await make_world()
    assert (await sign_up(client, w["shift"].id, volunteer_body(1))).status_code == 201
    age_cache(60)
    from mobilize.models import Shift

    await Shift.filter(id=w["shift"].id).update(status="cancelled")
    r = await sign_up(client, w["shift"].id, volunteer_body(2))
    assert r.status_code in (409, 422), r.text
    assert await Signup.filter(shift_id=w["shift"].id).count() == 1


async def test_a_sign_up_the_statement_does_not_check_reads_an_old_copy_again(client: httpx.AsyncClient) -> None:
    w = await make_world()
    assert (await sign_up(client, w["shift"].id, volunteer_body(1))).status_code == 201
    age_cache(60)
    await Event.filter(id=w["event"].id).update(visibility="unlisted")
    # Crediting a recruiter takes the general path: the copy a minute old is not trusted there.
    body = volunteer_body(2) | {"recruited_by": w["membership"].organization.slug}
    r = await sign_up(client, w["shift"].id, body)
    assert r.status_code == 404, r.text
    assert await Signup.filter(shift_id=w["shift"].id).count() == 1


async def test_a_shift_is_read_with_the_open_shifts_of_its_event_and_each_copy_is_its_own(
    client: httpx.AsyncClient, monkeypatch: Any
) -> None:
    from mobilize.models import Shift
    from mobilize.services import signups
    from mobilize.services.signups import loading

    monkeypatch.setattr(loading, "BLOCK", 10**9)  # every id of this test in one block
    w = await make_world()
    event, first = w["event"], w["shift"]
    others = [await make_shift(event, starts_at=soon(30 + i)) for i in range(4)]
    cancelled, over = others[2], others[3]
    await Shift.filter(id=cancelled.id).update(status="cancelled")
    await start_shift(over, minutes_ago=240)  # a three-hour shift that ended an hour ago
    elsewhere = await make_shift(await make_event(w["group"], title="Another picket"))
    assert (await sign_up(client, first.id, volunteer_body(1))).status_code == 201
    kept = set(public._shift_cache)
    if not db.postgres_statements():  # a copy is kept a second there: the shift alone
        assert kept == {first.id}
        return
    assert kept == {first.id, others[0].id, others[1].id}
    assert elsewhere.id not in kept and cancelled.id not in kept and over.id not in kept
    # One copy of the event for all; each shift's own columns and digests, as read alone.
    copies = [public._shift_cache[shift_id][1] for shift_id in sorted(kept)]
    assert len({id(copy.event) for copy in copies}) == 1
    for copy in copies:
        alone = await signups.load_shift(copy.id)
        assert alone is not None
        assert copy.fingerprint == alone.fingerprint  # type: ignore[attr-defined]
        assert (copy.starts_at, copy.capacity, copy.event.title) == (alone.starts_at, alone.capacity, event.title)
    # A neighbour's sign-up reads nothing; its copy is checked as closely as one read alone.
    reads: list[int] = []
    read = loading.load_shift_and_neighbours

    async def counted(shift_id: int) -> Any:
        reads.append(shift_id)
        return await read(shift_id)

    monkeypatch.setattr(public, "load_shift_and_neighbours", counted)
    assert (await sign_up(client, others[0].id, volunteer_body(2))).status_code == 201
    assert reads == []
    await Shift.filter(id=others[1].id).update(status="cancelled")
    r = await sign_up(client, others[1].id, volunteer_body(3))
    assert r.status_code in (409, 422), r.text
    assert await Signup.filter(shift_id=others[1].id).count() == 0
    # Cold, reads of one block at the same moment share a query; one of another event, or not open, is its own.
    public.forget_shifts()
    got = await asyncio.gather(*(public.public_shift(s.id) for s in (first, others[0], elsewhere, first)))
    assert [s.id for s in got] == [first.id, others[0].id, elsewhere.id, first.id]
    assert reads == [first.id, elsewhere.id]
    assert got[1].event is got[0].event and got[2].event.title == "Another picket"
