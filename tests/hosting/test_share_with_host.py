"""Sharing one's contact with a volunteer host: the consent is written in the sign-up's transaction (a crash
between the two leaves neither), from the form and from the public API (`share_with_host`), which refuses it
for an event nobody hosts and writes nothing then."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from mobilize.models import ConsentChannel, ConsentRecord, Message, Shift, Signup, Volunteer
from mobilize.services import hosting
from mobilize.services.hosting import hostpage
from tests.factories import make_event, make_shift
from tests.hosting.helpers import csrf_of
from tests.hosting.test_host_page import _published

API = "/api/v1"


def _person(email: str, phone: str | None = None) -> dict[str, Any]:
    return {"name": "Rosa Luxemburg", "email": email} | ({"phone": phone} if phone else {})


async def _shared(volunteer_email: str) -> list[ConsentRecord]:
    return await ConsentRecord.filter(
        channel=ConsentChannel.SHARE_WITH_HOST, volunteer__email=volunteer_email
    ).order_by("id")


@pytest.mark.parametrize("phone", [None, "+13125550177"])  # email only: the general path; a phone: PostgreSQL's own
async def test_the_api_takes_share_with_host(client: httpx.AsyncClient, phone: str | None) -> None:
    world = await _published(client)
    url = f"{API}/public/shifts/{world['shift'].id}/signups"
    body = {"volunteer": _person("rosa@example.org", phone), "share_with_host": True}
    r = await client.post(url, json=body, headers={"user-agent": "test-agent"})
    assert r.status_code == 201, r.text
    [consent] = await _shared("rosa@example.org")
    assert consent.words == hosting.SHARE_WORDS and consent.source == f"share_host:{world['event_id']}"
    assert consent.user_agent == "test-agent"
    page = await client.get(world["page"])
    assert "Rosa L." in page.text and "rosa@example.org" in page.text
    r = await client.post(url, json={"volunteer": _person("karl@example.org"), "share_with_host": False})
    assert r.status_code == 201, r.text
    assert await _shared("karl@example.org") == []
    assert "karl@example.org" not in (await client.get(world["page"])).text
    again = await client.post(url, json=body)  # already signed up: nothing more recorded
    assert again.status_code == 409, again.text
    assert len(await _shared("rosa@example.org")) == 1


async def test_the_api_refuses_share_with_host_where_nobody_hosts(client: httpx.AsyncClient) -> None:
    world = await _published(client)
    plain = await make_shift(await make_event(world["group"], title="An organizer's rally"))
    r = await client.post(
        f"{API}/public/shifts/{plain.id}/signups",
        json={"volunteer": _person("rosa@example.org"), "share_with_host": True},
    )
    assert r.status_code == 422, r.text
    assert "share_with_host" in r.json()["error"]["fields"]
    assert not await Signup.filter(shift_id=plain.id).exists()
    assert not await Volunteer.filter(email="rosa@example.org").exists()


async def test_the_event_api_takes_share_with_host_and_refuses_it_where_nobody_hosts(
    client: httpx.AsyncClient,
) -> None:
    world = await _published(client)
    body = {"volunteer": _person("rosa@example.org"), "share_with_host": True, "shifts": [world["shift"].id]}
    r = await client.post(f"{API}/public/events/{world['event_id']}/signups", json=body)
    assert r.status_code == 201, r.text
    [consent] = await _shared("rosa@example.org")
    assert consent.words == hosting.SHARE_WORDS and consent.source == f"share_host:{world['event_id']}"
    plain = await make_shift(await make_event(world["group"], title="An organizer's rally"))
    body = {"volunteer": _person("karl@example.org"), "share_with_host": True, "shifts": [plain.id]}
    r = await client.post(f"{API}/public/events/{plain.event_id}/signups", json=body)
    assert r.status_code == 422, r.text
    assert "share_with_host" in r.json()["error"]["fields"]
    assert not await Volunteer.filter(email="karl@example.org").exists()


async def test_the_openapi_document_shows_the_words(client: httpx.AsyncClient) -> None:
    document = (await client.get(f"{API}/openapi.json")).json()
    field = document["components"]["schemas"]["PublicSignupIn"]["properties"]["share_with_host"]
    assert field["type"] == "boolean" and hosting.SHARE_WORDS in field["description"]


async def _crash(*_: Any, **__: Any) -> None:
    raise RuntimeError("the process died between the sign-up and the consent")


@pytest.mark.parametrize("via", ["form", "api", "event_api"])
@pytest.mark.parametrize("phone", [None, "+13125550177"])
async def test_a_crash_before_the_consent_leaves_no_sign_up(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, via: str, phone: str | None
) -> None:
    world = await _published(client)
    shift_id, event_id = world["shift"].id, world["event_id"]
    token = await csrf_of(client, f"/events/{event_id}")
    monkeypatch.setattr(hostpage, "record_consent", _crash)
    with pytest.raises(RuntimeError):  # the app answers 500 and re-raises to the test transport
        if via == "form":
            form = {"csrf_token": token, "shift": str(shift_id), "name": "Rosa Luxemburg", "email": "rosa@example.org",
                    "phone": phone or "", "share_with_host": "yes"}  # fmt: skip
            await client.post(f"/events/{event_id}/signup", data=form)
        elif via == "api":
            body = {"volunteer": _person("rosa@example.org", phone), "share_with_host": True}
            await client.post(f"{API}/public/shifts/{shift_id}/signups", json=body)
        else:
            body = {"volunteer": _person("rosa@example.org", phone), "share_with_host": True, "shifts": [shift_id]}
            await client.post(f"{API}/public/events/{event_id}/signups", json=body)
    assert not await Signup.filter(shift_id=shift_id).exists()
    assert not await Volunteer.filter(email="rosa@example.org").exists()
    assert not await Message.filter(to_address="rosa@example.org").exists()
    assert (await Shift.get(id=shift_id)).filled == 0
    monkeypatch.undo()
    form = {"csrf_token": token, "shift": str(shift_id), "name": "Rosa Luxemburg", "email": "rosa@example.org",
            "phone": phone or "", "share_with_host": "yes"}  # fmt: skip
    r = await client.post(f"/events/{event_id}/signup", data=form)
    assert r.status_code == 303, r.text
    assert len(await _shared("rosa@example.org")) == 1 and await Signup.filter(shift_id=shift_id).count() == 1


async def test_the_form_keeps_the_box_ticked_after_an_error(client: httpx.AsyncClient) -> None:
    world = await _published(client)
    token = await csrf_of(client, f"/events/{world['event_id']}")
    form = {"csrf_token": token, "shift": str(world["shift"].id), "name": "Rosa", "email": "not an email",
            "share_with_host": "yes"}  # fmt: skip
    r = await client.post(f"/events/{world['event_id']}/signup", data=form)
    assert r.status_code == 422
    assert 'name="share_with_host" value="yes" checked' in r.text
    assert not await ConsentRecord.filter(channel=ConsentChannel.SHARE_WITH_HOST).exists()
