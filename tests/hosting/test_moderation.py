"""Moderation: the queue, approve (and trust), reject with a reason, ask for changes, unpublish under open;
the host told by email each time; who may moderate, and another organization's moderators find nothing."""

from __future__ import annotations

import httpx

from mobilize.models import (
    Event,
    EventStatus,
    HostedEvent,
    Message,
    MessageKind,
    Role,
    SignupSource,
    TrustedHost,
)
from mobilize.services import signups
from mobilize.services.people import Contact
from tests.factories import auth, make_group, make_organizer, make_world
from tests.hosting.helpers import emails_to, hosting_world, propose_and_confirm


async def test_the_queue_lists_pending_proposals_and_approval_publishes(client: httpx.AsyncClient) -> None:
    world = await hosting_world(client, "review")
    event_id = await propose_and_confirm(client, world)
    r = await client.get("/api/v1/events?status=pending", headers=world["headers"])
    assert [e["id"] for e in r.json()["data"]] == [event_id]
    r = await client.post(f"/api/v1/events/{event_id}/approve", json={}, headers=world["headers"])
    assert r.status_code == 200 and r.json()["status"] == "scheduled"
    assert (await client.get(f"/events/{event_id}")).status_code == 200
    told = await emails_to("host@example.org")
    assert told[-1].subject.startswith("Your event is approved")
    hosted = await HostedEvent.get(event_id=event_id)
    assert hosted.decision == "approved" and hosted.approved_at is not None
    # Approving again changes nothing and tells nobody again.
    count = await Message.all().count()
    again = await client.post(f"/api/v1/events/{event_id}/approve", json={}, headers=world["headers"])
    assert again.status_code == 200 and await Message.all().count() == count
    assert not await TrustedHost.exists()


async def test_reject_with_a_reason_tells_the_host(client: httpx.AsyncClient) -> None:
    world = await hosting_world(client, "review")
    event_id = await propose_and_confirm(client, world)
    url = f"/api/v1/events/{event_id}/reject"
    r = await client.post(url, json={}, headers=world["headers"])
    assert r.status_code == 422 and "reason" in r.json()["error"]["fields"]
    r = await client.post(url, json={"reason": "We already have an event on that block."}, headers=world["headers"])
    assert r.status_code == 200 and r.json()["status"] == "rejected"
    last = (await emails_to("host@example.org"))[-1]
    assert "not approved" in last.subject and "We already have an event on that block." in last.body
    assert (await client.get(f"/events/{event_id}")).status_code == 404
    # A rejected event cannot be approved afterwards.
    r = await client.post(f"/api/v1/events/{event_id}/approve", json={}, headers=world["headers"])
    assert r.status_code == 409


async def test_ask_for_changes_keeps_it_pending_and_tells_the_host(client: httpx.AsyncClient) -> None:
    world = await hosting_world(client, "review")
    event_id = await propose_and_confirm(client, world)
    r = await client.post(
        f"/api/v1/events/{event_id}/request-changes", json={"reason": "Add a street address."}, headers=world["headers"]
    )
    assert r.status_code == 200 and r.json()["status"] == "pending"
    last = (await emails_to("host@example.org"))[-1]
    assert "Changes asked" in last.subject and "Add a street address." in last.body
    assert (await HostedEvent.get(event_id=event_id)).decision == "changes_requested"


async def test_a_trusted_hosts_next_proposal_publishes_at_once(client: httpx.AsyncClient) -> None:
    world = await hosting_world(client, "review")
    first = await propose_and_confirm(client, world)
    r = await client.post(f"/api/v1/events/{first}/approve", json={"trust_host": True}, headers=world["headers"])
    assert r.status_code == 200
    assert await TrustedHost.exists(email="host@example.org", organization_id=world["group"].organization_id)
    second = await propose_and_confirm(client, world, title="Second house meeting")
    assert (await Event.get(id=second)).status == EventStatus.SCHEDULED
    # Someone else's proposal still waits.
    third = await propose_and_confirm(client, world, title="Another", email="other@example.org")
    assert (await Event.get(id=third)).status == EventStatus.PENDING


async def test_unpublish_under_open_tells_the_people_signed_up(client: httpx.AsyncClient) -> None:
    world = await hosting_world(client, "open")
    event_id = await propose_and_confirm(client, world)
    event = await Event.get(id=event_id).prefetch_related("shifts")
    shift = event.shifts[0]  # type: ignore[index]
    result = await signups.sign_up(
        shift.id, Contact(name="Rosa Luxe", email="rosa@example.org"), source=SignupSource.WEB
    )
    r = await client.post(
        f"/api/v1/events/{event_id}/unpublish", json={"reason": "Off-message."}, headers=world["headers"]
    )
    assert r.status_code == 200 and r.json()["status"] == "rejected"
    cancelled = await Message.filter(signup_id=result.signup.id, kind=MessageKind.CANCELLED_SIGNUP)
    assert cancelled, "the person signed up is told, as for a cancellation"
    assert "unpublished" in (await emails_to("host@example.org"))[-1].subject
    assert (await client.get(f"/events/{event_id}")).status_code == 404
    count = await Message.all().count()
    again = await client.post(f"/api/v1/events/{event_id}/unpublish", json={"reason": "x"}, headers=world["headers"])
    assert again.status_code == 200 and await Message.all().count() == count


async def test_who_moderates(client: httpx.AsyncClient) -> None:
    world = await hosting_world(client, "review")
    other_group = await make_group(world["membership"], slug="elsewhere")
    _, viewer = await make_organizer(role=Role.VIEWER)
    _, outside_host = await make_organizer(role=Role.HOST, groups=[other_group.slug])
    _, group_host = await make_organizer(role=Role.HOST, groups=[world["group"].slug])
    event_id = await propose_and_confirm(client, world)
    url = f"/api/v1/events/{event_id}/request-changes"
    body = {"reason": "More detail please."}
    assert (await client.post(url, json=body, headers=auth(viewer))).status_code == 403
    assert (await client.post(url, json=body, headers=auth(outside_host))).status_code == 404
    assert (await client.post(url, json=body, headers=auth(group_host))).status_code == 200
    # The moderators told of the proposal: the organization's owner and the group's host, not the others.
    told = {m.to_address for m in await Message.filter(kind=MessageKind.HOSTING, subject__startswith="To approve")}
    await world["membership"].fetch_related("organizer")
    assert world["membership"].organizer.email in told and len(told) == 2


async def test_another_organizations_moderators_get_404(client: httpx.AsyncClient) -> None:
    world = await hosting_world(client, "review")
    event_id = await propose_and_confirm(client, world)
    other = await make_world("other-union")
    for path, body in (
        ("approve", {"trust_host": True}), ("reject", {"reason": "no"}),
        ("request-changes", {"reason": "no"}), ("unpublish", {"reason": "no"}),
    ):  # fmt: skip
        r = await client.post(f"/api/v1/events/{event_id}/{path}", json=body, headers=other["headers"])
        assert r.status_code == 404, (path, r.text)
    r = await client.get("/api/v1/events?status=pending", headers=other["headers"])
    assert r.json()["data"] == []
    assert (await Event.get(id=event_id)).status == EventStatus.PENDING
    assert not await TrustedHost.exists()
