"""Partnerships through the API and the dashboard: the invitation (and its email to the partner's owners and
admins), accept, decline, leave and removal, who may do each, and a partner's events joining the campaign only
once accepted (and leaving it with the partner)."""

from __future__ import annotations

from typing import Any

import httpx

from mobilize.models import Event, Message, MessageKind, MessageState, Partnership
from tests.coalitions.helpers import API, coalition, partner_event
from tests.factories import make_organizer
from tests.web.test_dashboard import login, post


async def test_invitation_flow(client: httpx.AsyncClient, app: Any) -> None:
    w = await coalition(client, accepted=False)
    pid = w["partnership_id"]
    await app.state.queue.drain()  # delivered after the commit, like every email
    sent = {m.to for m in app.state.queue.ctx["email"].sent}
    assert {"admin@nurses.example.org", "owner@nurses.example.org"} <= sent
    emails = await Message.filter(kind=MessageKind.PARTNER_INVITATION).order_by("to_address")
    assert {m.state for m in emails} == {MessageState.SENT}
    # the partner's owners and admins, not its organizers; with a link into their dashboard
    assert [m.to_address for m in emails] == ["admin@nurses.example.org", "owner@nurses.example.org"]
    assert "http://testserver/dashboard/partnerships" in emails[0].body and "Day of Action" in emails[0].subject
    invite = {"organization": "nurses"}
    again = await client.post(f"{API}/campaigns/may-day/partners", json=invite, headers=w["convener"])
    assert again.status_code == 200 and again.json()["id"] == pid  # a retry invites nobody twice
    assert await Message.filter(kind=MessageKind.PARTNER_INVITATION).count() == 2
    listed = (await client.get(f"{API}/campaigns/may-day/partners", headers=w["convener"])).json()["data"]
    assert [(p["organization"], p["status"]) for p in listed] == [({"slug": "nurses", "name": "Nurses"}, "invited")]
    mine = (await client.get(f"{API}/partnerships", headers=w["partner_organizer"])).json()["data"]
    assert mine[0]["campaign"] == {
        "slug": "may-day", "name": "Day of Action", "organization": {"slug": "teachers", "name": "Teachers"}
    }  # fmt: skip
    # organizers read, only owners and admins answer
    assert (await client.post(f"{API}/partnerships/{pid}/accept", headers=w["partner_organizer"])).status_code == 403
    # the convener cannot answer for the partner
    assert (await client.post(f"{API}/partnerships/{pid}/accept", headers=w["convener"])).status_code == 404
    r = await client.post(f"{API}/partnerships/{pid}/decline", headers=w["partner_admin"])
    assert r.status_code == 200 and r.json()["status"] == "declined"
    assert (await client.post(f"{API}/partnerships/{pid}/accept", headers=w["partner"])).status_code == 409
    # invited again after a decline: a fresh invitation, emailed again
    r = await client.post(f"{API}/campaigns/may-day/partners", json={"organization": "nurses"}, headers=w["convener"])
    assert r.status_code == 201 and r.json()["status"] == "invited" and r.json()["id"] == pid
    assert await Message.filter(kind=MessageKind.PARTNER_INVITATION).count() == 4
    r = await client.post(f"{API}/partnerships/{pid}/accept", headers=w["partner"])
    assert r.status_code == 200 and r.json()["status"] == "accepted"
    assert (await client.post(f"{API}/partnerships/{pid}/accept", headers=w["partner"])).status_code == 200
    assert (await client.post(f"{API}/partnerships/{pid}/decline", headers=w["partner"])).status_code == 409


async def test_bad_invitations_name_the_field(client: httpx.AsyncClient) -> None:
    w = await coalition(client, accepted=False)
    for body, field in (({"organization": "nobody"}, "organization"), ({"organization": "teachers"}, "organization"),
                        ({"organization": "Not A Slug"}, "organization"), ({}, "organization")):  # fmt: skip
        r = await client.post(f"{API}/campaigns/may-day/partners", json=body, headers=w["convener"])
        assert r.status_code == 422 and field in r.json()["error"]["fields"], (body, r.text)
    assert (await client.post(f"{API}/campaigns/nope/partners", json={"organization": "nurses"},
                              headers=w["convener"])).status_code == 404  # fmt: skip
    # an organizer of the convener may not invite
    _, token = await make_organizer("teachers", role="organizer")  # type: ignore[arg-type]
    r = await client.post(f"{API}/campaigns/may-day/partners", json={"organization": "nurses"},
                          headers={"Authorization": f"Bearer {token}"})  # fmt: skip
    assert r.status_code == 403
    assert await Partnership.all().count() == 1


async def test_partner_event_joins_only_once_accepted(client: httpx.AsyncClient) -> None:
    w = await coalition(client, accepted=False)
    body = {"title": "Too early", "group": "north-side", "campaign": "teachers/may-day", "timezone": "America/Chicago"}
    r = await client.post(f"{API}/events", json=body, headers=w["partner"])
    assert r.status_code == 422 and "campaign" in r.json()["error"]["fields"]
    r = await client.post(f"{API}/events", json={**body, "campaign": "teachers/nope"}, headers=w["partner"])
    assert r.status_code == 422 and "campaign" in r.json()["error"]["fields"]
    assert not await Event.filter(title="Too early").exists()
    plain = await client.post(f"{API}/events", json={**body, "campaign": None}, headers=w["partner"])
    patch = await client.patch(f"{API}/events/{plain.json()['id']}", json={"campaign": "teachers/may-day"},
                               headers=w["partner"])  # fmt: skip
    assert patch.status_code == 422 and "campaign" in patch.json()["error"]["fields"]
    await client.post(f"{API}/partnerships/{w['partnership_id']}/accept", headers=w["partner"])
    patch = await client.patch(f"{API}/events/{plain.json()['id']}", json={"campaign": "teachers/may-day"},
                               headers=w["partner"])  # fmt: skip
    assert patch.status_code == 200, patch.text
    event = patch.json()
    assert event["organization"] == {"slug": "nurses", "name": "Nurses"}
    assert event["campaign"] == {
        "slug": "may-day", "name": "Day of Action", "organization": {"slug": "teachers", "name": "Teachers"}
    }  # fmt: skip
    # it stays the partner's: the convener does not see it among its events
    assert (await client.get(f"{API}/events/{event['id']}", headers=w["convener"])).status_code == 404
    mine = (await client.get(f"{API}/events", params={"campaign": "teachers/may-day"}, headers=w["partner"])).json()
    assert [e["id"] for e in mine["data"]] == [event["id"]]


async def test_a_leaving_partner_takes_its_events_out(client: httpx.AsyncClient) -> None:
    w = await coalition(client)
    first = await partner_event(client, w)
    r = await client.post(f"{API}/partnerships/{w['partnership_id']}/leave", headers=w["partner"])
    assert r.status_code == 200 and r.json()["status"] == "left"
    left = await Event.get(id=first["id"])
    assert left.campaign_id is None and left.organization_id != w["event"].organization_id  # kept, out
    leave = f"{API}/partnerships/{w['partnership_id']}/leave"
    assert (await client.post(leave, headers=w["partner"])).status_code == 200
    r = await client.patch(f"{API}/events/{first['id']}", json={"campaign": "teachers/may-day"}, headers=w["partner"])
    assert r.status_code == 422 and "campaign" in r.json()["error"]["fields"]
    # the convener ends it from its side the same way
    await client.post(f"{API}/campaigns/may-day/partners", json={"organization": "nurses"}, headers=w["convener"])
    await client.post(f"{API}/partnerships/{w['partnership_id']}/accept", headers=w["partner"])
    second = await partner_event(client, w, title="Second")
    r = await client.delete(f"{API}/campaigns/may-day/partners/{w['partnership_id']}", headers=w["convener"])
    assert r.status_code == 200 and r.json()["status"] == "left"
    assert (await Event.get(id=second["id"])).campaign_id is None
    assert (await Event.get(id=w["event"].id)).campaign_id == w["campaign"].id  # the convener's own stay
    listed = (await client.get("/api/v1/public/events", params={"campaign": "teachers/may-day"})).json()["data"]
    assert [e["title"] for e in listed] == ["Teachers rally"]


async def test_dashboard_pages_for_both_sides(client: httpx.AsyncClient) -> None:
    w = await coalition(client, accepted=False)
    assert (await login(client, "owner@teachers.example.org")).status_code == 303
    page = await client.get("/dashboard/campaigns/may-day/partners")
    assert page.status_code == 200 and "Nurses" in page.text and "invited" in page.text
    await make_organizer("tenants", email="owner@tenants.example.org")
    r = await post(client, "/dashboard/campaigns/may-day/partners", {"organization": "tenants"},
                   "/dashboard/campaigns/may-day/partners")  # fmt: skip
    assert r.status_code == 303
    r = await post(client, "/dashboard/campaigns/may-day/partners", {"organization": "nobody"},
                   "/dashboard/campaigns/may-day/partners")  # fmt: skip
    assert r.status_code == 422 and "No organization" in r.text
    assert "<code>tenants</code>" in (await client.get("/dashboard/campaigns/may-day/partners")).text
    await client.post("/logout", data={"csrf_token": ""})
    client.cookies.clear()
    assert (await login(client, "owner@nurses.example.org")).status_code == 303
    page = await client.get("/dashboard/partnerships")
    assert page.status_code == 200 and "Day of Action" in page.text and "Accept" in page.text
    r = await post(client, f"/dashboard/partnerships/{w['partnership_id']}/accept", {}, "/dashboard/partnerships")
    assert r.status_code == 303
    assert (await Partnership.get(id=w["partnership_id"])).status == "accepted"
    assert "Leave" in (await client.get("/dashboard/partnerships")).text
