"""Unlisted events: found only at addresses carrying their share token, never by walking numeric ids."""

from __future__ import annotations

import re
from typing import Any

import httpx

from mobilize.models import Event, Message, MessageKind, Role, Signup
from mobilize.services.inbound import join
from tests.factories import auth, make_event, make_organizer, make_shift, make_world, soon, volunteer_body
from tests.web.test_dashboard import logged_in
from tests.web.test_pages import BROWSER, csrf_from, signup_form

HIDDEN = ("Quiet house meeting", "Closed caucus")


async def hidden_world() -> dict[str, Any]:
    """make_world's public event and shift, plus an unlisted and a private event with a shift each."""
    w = await make_world()
    w["unlisted"] = await make_event(w["group"], campaign=w["campaign"], visibility="unlisted", title=HIDDEN[0])
    w["private"] = await make_event(w["group"], campaign=w["campaign"], visibility="private", title=HIDDEN[1])
    w["unlisted_shift"] = await make_shift(w["unlisted"])
    w["private_shift"] = await make_shift(w["private"])
    return w


def shows_nothing_hidden(r: httpx.Response) -> bool:
    return not any(title in r.text for title in HIDDEN)


def tokened(event: Event) -> str:
    return f"/events/{event.id}-{event.share_token}"


async def test_walking_ids_finds_no_unlisted_event_on_any_public_route(client: httpx.AsyncClient) -> None:
    w = await hidden_world()
    public_id, hidden_ids = w["event"].id, {w["unlisted"].id, w["private"].id}
    csrf = await csrf_from(client, f"/events/{public_id}")
    for event_id in range(1, max(hidden_ids) + 3):
        # An unlisted or private event answers its numeric addresses exactly as an id nobody has.
        expected = 200 if event_id == public_id else 404
        for path in (f"/events/{event_id}", f"/feeds/events/{event_id}.ics"):
            r = await client.get(path)
            assert r.status_code == expected and shows_nothing_hidden(r), (path, r.status_code)
        r = await client.get(f"/events/{event_id}/signed-up")  # no sign-up in this session: back to the page
        assert r.status_code == 303 and r.headers["location"] == f"/events/{event_id}"
        form = signup_form(w["unlisted_shift"].id, csrf, phone="", email=f"walker{event_id}@example.org")
        r = await client.post(f"/events/{event_id}/signup", data=form, headers=BROWSER)
        # On the public event's form another event's shift is not a choice; elsewhere there is no form at all.
        assert r.status_code == (422 if event_id == public_id else 404) and shows_nothing_hidden(r)
        joinable = await join.find_code(f"E{event_id}", soon(0))  # what `JOIN E<id>` by SMS would find
        assert (joinable is not None) == (event_id == public_id), event_id
    for shift_id in range(1, w["private_shift"].id + 3):
        r = await client.post(f"/api/v1/public/shifts/{shift_id}/signups", json=volunteer_body(shift_id))
        assert r.status_code == (201 if shift_id == w["shift"].id else 404), (shift_id, r.text)
        assert shows_nothing_hidden(r)
    for path in (
        "/",
        "/api/v1/public/events",
        f"/api/v1/public/events?campaign={w['campaign'].slug}",
        f"/feeds/groups/{w['group'].slug}.ics",
        f"/feeds/campaigns/{w['campaign'].slug}.ics",
        "/feeds/organizations/local-100.ics",
    ):
        r = await client.get(path)
        assert r.status_code == 200 and shows_nothing_hidden(r), path
    assert not await Signup.filter(shift_id__in=[w["unlisted_shift"].id, w["private_shift"].id]).exists()


async def test_the_tokened_page_form_and_feed_work(client: httpx.AsyncClient) -> None:
    w = await hidden_world()
    unlisted, shift = w["unlisted"], w["unlisted_shift"]
    r = await client.get(tokened(unlisted))
    assert r.status_code == 200 and HIDDEN[0] in r.text
    assert r.headers["cache-control"] == "no-store" and r.headers["x-robots-tag"] == "noindex"
    # Everything the page links to of its own carries the token too.
    assert f'action="{tokened(unlisted)}/signup"' in r.text
    assert f'href="/feeds/events/{unlisted.id}-{unlisted.share_token}.ics"' in r.text
    assert re.search(rf"/events/{unlisted.id}(?![-\d])", r.text) is None
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', r.text)
    assert csrf
    r = await client.post(f"{tokened(unlisted)}/signup", data=signup_form(shift.id, csrf.group(1)), headers=BROWSER)
    assert r.status_code == 303 and r.headers["location"] == f"{tokened(unlisted)}/signed-up"
    r = await client.get(r.headers["location"])
    assert r.status_code == 200 and "Rosa Parks" in r.text and HIDDEN[0] in r.text
    assert (await client.get(f"/events/{unlisted.id}/signed-up")).headers["location"] == f"/events/{unlisted.id}"
    # The confirmation email's event link is the tokened one (the plain one is a 404).
    signup = await Signup.get(shift_id=shift.id)
    email = await Message.get(signup_id=signup.id, channel="email", kind=MessageKind.CONFIRMATION)
    assert f"http://testserver{tokened(unlisted)}\n" in email.body

    feed = f"/feeds/events/{unlisted.id}-{unlisted.share_token}.ics"
    r = await client.get(feed)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/calendar")
    assert r.headers["cache-control"].startswith("private") and HIDDEN[0] in r.text
    assert f"URL:http://testserver{tokened(unlisted)}" in r.text.replace("\r\n ", "")
    r = await client.get(feed, headers={"If-None-Match": r.headers["etag"]})
    assert r.status_code == 304

    # A wrong token, another event's token, or the private event's own token: nothing.
    for path in (
        f"/events/{unlisted.id}-{'x' * 22}",
        f"/events/{unlisted.id}-{w['event'].share_token}",
        f"/events/{w['event'].id}-{unlisted.share_token}",
        tokened(w["private"]),
        f"/feeds/events/{unlisted.id}-{'x' * 22}.ics",
        f"/feeds/events/{w['private'].id}-{w['private'].share_token}.ics",
    ):
        r = await client.get(path)
        assert r.status_code == 404 and shows_nothing_hidden(r), path


async def test_the_public_sign_up_api_needs_the_event_token(client: httpx.AsyncClient) -> None:
    w = await hidden_world()
    unlisted, shift = w["unlisted"], w["unlisted_shift"]
    base = f"/api/v1/public/events/{unlisted.id}-{unlisted.share_token}/shifts"
    r = await client.post(f"/api/v1/public/shifts/{shift.id}/signups", json=volunteer_body(1))
    assert r.status_code == 404
    for wrong in (
        f"/api/v1/public/events/{unlisted.id}-{'x' * 22}/shifts/{shift.id}/signups",
        f"{base}/{w['shift'].id}/signups",  # the token of one event does not open another's shifts
        f"/api/v1/public/events/{w['private'].id}-{w['private'].share_token}/shifts/{w['private_shift'].id}/signups",
    ):
        r = await client.post(wrong, json=volunteer_body(1))
        assert r.status_code == 404, wrong
    assert not await Signup.all().exists()
    r = await client.post(f"{base}/{shift.id}/signups", json=volunteer_body(1))
    assert r.status_code == 201, r.text
    assert r.json()["shift"] == shift.id


async def test_public_events_keep_their_addresses(client: httpx.AsyncClient) -> None:
    w = await make_world()
    event, shift = w["event"], w["shift"]
    r = await client.get(f"/events/{event.id}")
    assert r.status_code == 200 and f'action="/events/{event.id}/signup"' in r.text
    assert "cache-control" not in r.headers  # a public page may be cached and shared as before
    assert (await client.get(f"/feeds/events/{event.id}.ics")).headers["cache-control"] == "public, max-age=300"
    r = await client.get(f"/api/v1/events/{event.id}", headers=w["headers"])
    assert r.json()["url"] == f"http://testserver/events/{event.id}"
    assert r.json()["ics_url"] == f"http://testserver/feeds/events/{event.id}.ics"
    listed = (await client.get("/api/v1/public/events")).json()["data"]
    assert listed[0]["shifts"][0]["signup_url"] == f"http://testserver/api/v1/public/shifts/{shift.id}/signups"
    assert (await client.post(listed[0]["shifts"][0]["signup_url"], json=volunteer_body(1))).status_code == 201


async def test_going_unlisted_retires_the_numeric_address_and_rotation_retires_the_token(
    client: httpx.AsyncClient,
) -> None:
    w = await make_world()
    event, headers = w["event"], w["headers"]
    assert (await client.get(f"/events/{event.id}")).status_code == 200
    r = await client.patch(f"/api/v1/events/{event.id}", json={"visibility": "unlisted"}, headers=headers)
    assert r.status_code == 200, r.text
    first = r.json()
    token = (await Event.get(id=event.id)).share_token
    assert first["url"] == f"http://testserver/events/{event.id}-{token}"
    assert first["ics_url"] == f"http://testserver/feeds/events/{event.id}-{token}.ics"
    for path in (f"/events/{event.id}", f"/feeds/events/{event.id}.ics"):
        assert (await client.get(path)).status_code == 404, path
    assert (await client.get(first["url"])).status_code == 200
    assert (await client.get(first["ics_url"])).status_code == 200

    # A viewer may not rotate; an owner may, and the old token stops answering at once.
    _, viewer_token = await make_organizer("local-100", role=Role.VIEWER)
    r = await client.post(f"/api/v1/events/{event.id}/rotate-link", headers=auth(viewer_token))
    assert r.status_code == 403
    r = await client.post(f"/api/v1/events/{event.id}/rotate-link", headers=headers)
    assert r.status_code == 200, r.text
    rotated = r.json()
    assert rotated["url"] != first["url"] and rotated["ics_url"] != first["ics_url"]
    for gone in (first["url"], first["ics_url"]):
        assert (await client.get(gone)).status_code == 404, gone
    assert (await client.get(rotated["url"])).status_code == 200
    assert (await client.get(rotated["ics_url"])).status_code == 200
    other_org = await make_world("local-200")
    r = await client.post(f"/api/v1/events/{event.id}/rotate-link", headers=other_org["headers"])
    assert r.status_code == 404

    # Back to public: the plain address answers again, and the shared link keeps working.
    r = await client.patch(f"/api/v1/events/{event.id}", json={"visibility": "public"}, headers=headers)
    assert r.json()["url"] == f"http://testserver/events/{event.id}"
    assert (await client.get(f"/events/{event.id}")).status_code == 200
    assert (await client.get(rotated["url"])).status_code == 200
    # Private: no address at all.
    await client.patch(f"/api/v1/events/{event.id}", json={"visibility": "private"}, headers=headers)
    for path in (f"/events/{event.id}", rotated["url"], rotated["ics_url"]):
        assert (await client.get(path)).status_code == 404, path


async def test_duplicating_an_unlisted_event_gives_the_copy_its_own_token(client: httpx.AsyncClient) -> None:
    from mobilize.services.events.schedules import duplicate_event

    w = await hidden_world()
    copy = await duplicate_event(w["actor"], w["unlisted"].id, 7)
    assert copy.share_token != w["unlisted"].share_token
    assert (await client.get(tokened(copy))).status_code == 200


async def test_the_dashboard_links_an_unlisted_event_by_its_tokened_address(client: httpx.AsyncClient) -> None:
    w = await logged_in(client)
    unlisted = await make_event(w["group"], visibility="unlisted", title=HIDDEN[0])
    r = await client.get(f"/dashboard/events/{unlisted.id}")
    assert r.status_code == 200 and f'<a href="{tokened(unlisted)}">public page</a>' in r.text
    r = await client.get(f"/dashboard/events/{w['event'].id}")
    assert f'<a href="/events/{w["event"].id}">public page</a>' in r.text
