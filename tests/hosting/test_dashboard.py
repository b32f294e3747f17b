"""The moderators' dashboard queue (approve with trust, ask for changes, reject, unpublish, all by plain forms)
and the host history on a volunteer's page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from mobilize.models import Event, EventStatus, Shift, Signup, SignupSource, TrustedHost, Volunteer
from mobilize.services import signups
from mobilize.services.people import Contact
from tests.hosting.helpers import csrf_of, emails_to, hosting_world, propose_and_confirm
from tests.web.test_dashboard import login


async def _logged_in(client: httpx.AsyncClient, mode: str = "review") -> dict[str, object]:
    world = await hosting_world(client, mode)
    await world["membership"].fetch_related("organizer")
    assert (await login(client, world["membership"].organizer.email)).status_code == 303
    return world


async def _decide(client: httpx.AsyncClient, path: str, **data: str) -> httpx.Response:
    token = await csrf_of(client, "/dashboard/hosting")
    return await client.post(path, data={**data, "csrf_token": token})


async def test_the_queue_approves_with_trust_and_refuses_a_decision_without_reason(client: httpx.AsyncClient) -> None:
    world = await _logged_in(client)
    event_id = await propose_and_confirm(client, world)
    queue = await client.get("/dashboard/hosting")
    assert queue.status_code == 200 and "House meeting on Elm St" in queue.text and "host@example.org" in queue.text
    r = await _decide(client, f"/dashboard/events/{event_id}/reject", reason="")
    assert r.status_code == 303
    assert (await Event.get(id=event_id)).status == EventStatus.PENDING
    r = await _decide(client, f"/dashboard/events/{event_id}/approve", trust_host="on")
    assert r.status_code == 303
    assert (await Event.get(id=event_id)).status == EventStatus.SCHEDULED
    assert await TrustedHost.exists(email="host@example.org")
    assert "Approved" in (await client.get("/dashboard/hosting")).text


async def test_ask_for_changes_reject_and_unpublish_from_the_dashboard(client: httpx.AsyncClient) -> None:
    world = await _logged_in(client)
    first = await propose_and_confirm(client, world)
    second = await propose_and_confirm(client, world, title="Second one")
    await _decide(client, f"/dashboard/events/{first}/request-changes", reason="Say where to park.")
    assert "Say where to park." in (await emails_to("host@example.org"))[-1].body
    await _decide(client, f"/dashboard/events/{second}/reject", reason="Duplicate of another event.")
    assert (await Event.get(id=second)).status == EventStatus.REJECTED
    await _decide(client, f"/dashboard/events/{first}/approve")
    await _decide(client, f"/dashboard/events/{first}/unpublish", reason="Venue fell through.")
    assert (await Event.get(id=first)).status == EventStatus.REJECTED


async def test_the_volunteer_page_shows_the_host_history(client: httpx.AsyncClient) -> None:
    world = await _logged_in(client, "open")
    event_id = await propose_and_confirm(client, world)
    await propose_and_confirm(client, world, title="Still pending? no: open publishes")
    shift = await Shift.get(event_id=event_id)
    result = await signups.sign_up(shift.id, Contact(name="Rosa L", email="r@example.org"), source=SignupSource.WEB)
    await Signup.filter(id=result.signup.id).update(status="attended")
    await Shift.filter(id=shift.id).update(
        starts_at=datetime.now(UTC) - timedelta(hours=3), ends_at=datetime.now(UTC) - timedelta(hours=1)
    )
    host = await Volunteer.get(email="host@example.org")
    page = await client.get(f"/dashboard/volunteers/{host.id}")
    assert page.status_code == 200
    assert "As a host" in page.text and "2 proposed · 2 approved · 1 held · 1 people attended" in page.text
