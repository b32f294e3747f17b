"""The host's private page: change the time and place (people signed up and moderators told), the roster with
first name and last initial and contact only with consent, messages through the outbox, check-in, turnout;
a host link never reaches another event; the link renews and expires unused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from mobilize.models import (
    ConsentChannel,
    ConsentRecord,
    Event,
    HostedEvent,
    Message,
    MessageKind,
    Shift,
    Signup,
    SignupStatus,
)
from tests.clock import daytime
from tests.factories import start_shift
from tests.hosting.helpers import csrf_of, hosting_world, link_in_email, propose_and_confirm


async def _published(client: httpx.AsyncClient, **kw: Any) -> dict[str, Any]:
    world = await hosting_world(client, "open")
    event_id = await propose_and_confirm(client, world, **kw)
    email = kw.get("email", "host@example.org")
    world |= {"event_id": event_id, "page": await link_in_email(email, "events")}
    world["shift"] = await Shift.get(event_id=event_id)
    return world


async def _sign_up(
    client: httpx.AsyncClient, event_id: int, shift_id: int, name: str, email: str, share: bool, phone: str = ""
) -> None:
    token = await csrf_of(client, f"/events/{event_id}")
    form = {"csrf_token": token, "shift": str(shift_id), "name": name, "email": email, "phone": phone}
    if phone:
        form["sms_opt_in"] = "yes"
    if share:
        form["share_with_host"] = "yes"
    r = await client.post(f"/events/{event_id}/signup", data=form)
    assert r.status_code == 303, r.text


async def _post(client: httpx.AsyncClient, page: str, path: str, data: dict[str, Any]) -> httpx.Response:
    token = await csrf_of(client, page)
    return await client.post(page + path, data={**data, "csrf_token": token})


async def test_roster_shows_first_name_and_initial_and_contact_only_with_consent(client: httpx.AsyncClient) -> None:
    world = await _published(client)
    await _sign_up(client, world["event_id"], world["shift"].id, "Rosa Luxemburg", "rosa@example.org", share=True)
    await _sign_up(client, world["event_id"], world["shift"].id, "Karl Liebknecht", "karl@example.org", share=False)
    [consent] = await ConsentRecord.filter(channel=ConsentChannel.SHARE_WITH_HOST)
    assert consent.source == f"share_host:{world['event_id']}" and "Share my phone number" in consent.words
    page = await client.get(world["page"])
    assert page.status_code == 200 and page.headers["x-robots-tag"] == "noindex"
    assert "Rosa L." in page.text and "rosa@example.org" in page.text
    assert "Karl L." in page.text and "karl@example.org" not in page.text
    assert "Luxemburg" not in page.text and "Liebknecht" not in page.text


async def test_edit_time_and_place_tells_the_people_signed_up_and_the_moderators(client: httpx.AsyncClient) -> None:
    world = await _published(client)
    await _sign_up(client, world["event_id"], world["shift"].id, "Rosa Luxemburg", "rosa@example.org", share=False)
    shift = world["shift"]
    new_start = (shift.starts_at + timedelta(days=1)).astimezone(UTC)
    local = "%Y-%m-%dT%H:%M"
    from zoneinfo import ZoneInfo

    zone = ZoneInfo("America/Chicago")
    form = {
        "venue": "The union hall", "address": "1 Labor Way", "city": "Chicago", "region": "IL", "postal_code": "60614",
        "virtual_url": "", "shift_ids": str(shift.id),
        f"start_{shift.id}": new_start.astimezone(zone).strftime(local),
        f"end_{shift.id}": (new_start + timedelta(hours=3)).astimezone(zone).strftime(local),
    }  # fmt: skip
    r = await _post(client, world["page"], "/edit", form)
    assert r.status_code == 303, r.text
    event = await Event.get(id=world["event_id"])
    await shift.refresh_from_db()
    assert event.venue == "The union hall" and shift.starts_at == new_start
    signup = await Signup.get(shift_id=shift.id)
    assert await Message.filter(signup_id=signup.id, kind=MessageKind.CHANGED).exists()
    await world["membership"].fetch_related("organizer")
    told = await Message.filter(to_address=world["membership"].organizer.email, subject__startswith="Host changed")
    assert len(told) == 1
    # Bad input is named and changes nothing.
    bad = dict(form, **{f"end_{shift.id}": form[f"start_{shift.id}"]})
    r = await _post(client, world["page"], "/edit", bad)
    assert r.status_code == 422 and "shifts.0.ends_at" in r.text


@daytime
async def test_message_the_people_signed_up_through_the_outbox(client: httpx.AsyncClient) -> None:
    world = await _published(client)
    await _sign_up(client, world["event_id"], world["shift"].id, "Rosa Luxemburg", "rosa@example.org", share=False,
                   phone="+13125550177")  # fmt: skip
    r = await _post(client, world["page"], "/messages", {"subject": "Bring chairs", "body": "Bring a chair!",
                                                         "channel_email": "on", "channel_sms": "on"})  # fmt: skip
    assert r.status_code == 303
    blasts = {m.channel: m for m in await Message.filter(kind=MessageKind.BLAST)}
    email, sms = blasts["email"], blasts["sms"]
    assert email.to_address == "rosa@example.org" and email.sent_by_id is None
    assert "Bring a chair!" in email.body and "local-100" in email.body  # the organization's name
    assert sms.to_address == "+13125550177" and sms.body.startswith("local-100: ") and "STOP" in sms.body


async def test_check_in_and_turnout(client: httpx.AsyncClient) -> None:
    world = await _published(client)
    await _sign_up(client, world["event_id"], world["shift"].id, "Rosa Luxemburg", "rosa@example.org", share=False)
    signup = await Signup.get(shift_id=world["shift"].id)
    r = await _post(client, world["page"], f"/attendance/{signup.id}", {"mark": "attended"})
    assert r.status_code == 422 and "shift has not started" in r.text  # a day ahead: not yet
    await signup.refresh_from_db()
    assert signup.status != SignupStatus.ATTENDED
    await start_shift(world["shift"])
    r = await _post(client, world["page"], f"/attendance/{signup.id}", {"mark": "attended"})
    assert r.status_code == 303
    await signup.refresh_from_db()
    assert signup.status == SignupStatus.ATTENDED
    page = await client.get(world["page"])
    assert "1 attended" in page.text and "show rate 100%" in page.text
    assert "/checkin/" in page.text  # the QR self check-in link of each shift


async def test_a_host_link_never_reaches_another_event(client: httpx.AsyncClient) -> None:
    mine = await _published(client)
    other_id = await propose_and_confirm(client, mine, title="Someone else's", email="other@example.org")
    other_shift = await Shift.get(event_id=other_id)
    await _sign_up(client, other_id, other_shift.id, "Clara Zetkin", "clara@example.org", share=True)
    theirs = await Signup.get(shift_id=other_shift.id)
    page = await client.get(mine["page"])
    assert "Clara" not in page.text and "clara@example.org" not in page.text
    r = await _post(client, mine["page"], f"/attendance/{theirs.id}", {"mark": "attended"})
    assert r.status_code == 404
    await theirs.refresh_from_db()
    assert theirs.status != SignupStatus.ATTENDED
    form = {"city": "Chicago", "postal_code": "60614", "shift_ids": str(other_shift.id),
            f"start_{other_shift.id}": "2030-01-01T10:00", f"end_{other_shift.id}": "2030-01-01T12:00"}  # fmt: skip
    r = await _post(client, mine["page"], "/edit", form)
    assert r.status_code == 422 and "shifts.0.id" in r.text
    before = other_shift.starts_at
    await other_shift.refresh_from_db()
    assert other_shift.starts_at == before
    assert (await client.get("/host/events/not-a-real-token")).status_code == 404


async def test_the_link_renews_and_expires_unused(client: httpx.AsyncClient) -> None:
    world = await _published(client)
    old = world["page"]
    r = await _post(client, old, "/renew", {})
    assert r.status_code == 200
    assert (await client.get(old)).status_code == 404
    new = await link_in_email("host@example.org", "events")
    assert new != old and (await client.get(new)).status_code == 200
    await HostedEvent.filter(event_id=world["event_id"]).update(
        page_token_seen_at=datetime.now(UTC) - timedelta(days=181)
    )
    expired = await client.get(new)
    assert expired.status_code == 404 and "expired" in expired.text


async def test_a_host_who_lost_their_link_gets_new_ones_by_email(client: httpx.AsyncClient) -> None:
    world = await _published(client)
    old = world["page"]
    token = await csrf_of(client, world["host_form"])
    r = await client.post(world["host_form"] + "/links", data={"email": "Host@Example.org", "csrf_token": token})
    assert r.status_code == 200 and "on its way" in r.text
    assert (await client.get(old)).status_code == 404
    new = await link_in_email("host@example.org", "events")
    assert new != old and (await client.get(new)).status_code == 200
    # An email that hosts nothing gets the same answer, and nothing is sent.
    count = await Message.all().count()
    r = await client.post(world["host_form"] + "/links", data={"email": "nobody@example.org", "csrf_token": token})
    assert r.status_code == 200 and "on its way" in r.text and await Message.all().count() == count


async def test_a_host_answers_a_request_for_changes_on_their_page(client: httpx.AsyncClient) -> None:
    world = await hosting_world(client, "review")
    event_id = await propose_and_confirm(client, world)
    page = await link_in_email("host@example.org", "events")
    r = await client.post(
        f"/api/v1/events/{event_id}/request-changes", json={"reason": "Which entrance?"}, headers=world["headers"]
    )
    assert r.status_code == 200
    view = await client.get(page)
    assert "changes asked for: Which entrance?" in view.text and "Who signed up" in view.text
    shift = await Shift.get(event_id=event_id)
    form = {"venue": "Side entrance", "city": "Chicago", "postal_code": "60614", "shift_ids": str(shift.id)}
    zone = "America/Chicago"
    from zoneinfo import ZoneInfo

    local = shift.starts_at.astimezone(ZoneInfo(zone))
    form |= {f"start_{shift.id}": local.strftime("%Y-%m-%dT%H:%M"),
             f"end_{shift.id}": (local + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")}  # fmt: skip
    r = await _post(client, page, "/edit", form)
    assert r.status_code == 303, r.text
    assert (await HostedEvent.get(event_id=event_id)).decision == "changed"
    await world["membership"].fetch_related("organizer")
    told = await Message.filter(to_address=world["membership"].organizer.email, subject__startswith="Proposal changed")
    assert len(told) == 1
    # Nobody is checked in on an event not yet approved.
    r = await _post(client, page, "/attendance/1", {"mark": "attended"})
    assert r.status_code == 422
