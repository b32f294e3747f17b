"""Idempotency-Key on creating an event or shifts: a retry gets the first answer and creates nothing more;
the same key for another request is refused; a failed request frees its key; keys are per organization."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from mobilize.models import Event, IdempotentRequest, Shift
from tests.factories import make_world

API = "/api/v1"


def event_body(group: str, title: str = "Rally at the gate") -> dict[str, Any]:
    return {"title": title, "group": group, "timezone": "America/Chicago"}


async def test_a_retried_event_creation_creates_one_event(client: httpx.AsyncClient) -> None:
    w = await make_world()
    headers = {**w["headers"], "Idempotency-Key": "create-rally-1"}
    first = await client.post(f"{API}/events", json=event_body(w["group"].slug), headers=headers)
    assert first.status_code == 201, first.text
    again = await client.post(f"{API}/events", json=event_body(w["group"].slug), headers=headers)
    assert again.status_code == 201 and again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true" and "idempotent-replayed" not in first.headers
    assert await Event.filter(title="Rally at the gate").count() == 1
    # without a key, each request is its own
    await client.post(f"{API}/events", json=event_body(w["group"].slug), headers=w["headers"])
    assert await Event.filter(title="Rally at the gate").count() == 2


async def test_the_same_key_for_another_request_is_refused_and_a_failure_frees_it(client: httpx.AsyncClient) -> None:
    w = await make_world()
    headers = {**w["headers"], "Idempotency-Key": "k-2"}
    bad = await client.post(f"{API}/events", json={"title": "", "group": w["group"].slug}, headers=headers)
    assert bad.status_code == 422
    assert await IdempotentRequest.all().count() == 0  # the failure freed the key
    good = await client.post(f"{API}/events", json=event_body(w["group"].slug), headers=headers)
    assert good.status_code == 201
    other = await client.post(f"{API}/events", json=event_body(w["group"].slug, "Another"), headers=headers)
    assert other.status_code == 422 and "Idempotency-Key" in other.json()["error"]["fields"], other.text
    for key in ("", " ", "x" * 101, "tab\there"):
        r = await client.post(
            f"{API}/events", json=event_body(w["group"].slug), headers={**w["headers"], "Idempotency-Key": key}
        )
        assert r.status_code == 422 and "Idempotency-Key" in r.json()["error"]["fields"], (key, r.text)


async def test_retried_shift_creation_and_concurrent_retries(client: httpx.AsyncClient) -> None:
    w = await make_world()
    event = w["event"]
    start = (datetime.now(UTC) + timedelta(days=3)).replace(microsecond=0)
    body = {
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=2)).isoformat(),
        "capacity": 10,
    }
    headers = {**w["headers"], "Idempotency-Key": "shift-a"}
    before = await Shift.filter(event_id=event.id).count()
    answers = await asyncio.gather(
        *(client.post(f"{API}/events/{event.id}/shifts", json=body, headers=headers) for _ in range(5))
    )
    statuses = sorted(r.status_code for r in answers)
    assert set(statuses) <= {201, 409} and 201 in statuses, [r.text for r in answers]
    assert await Shift.filter(event_id=event.id).count() == before + 1
    created = {r.json()["id"] for r in answers if r.status_code == 201}
    assert len(created) == 1  # every 201 names the same shift
    late = await client.post(f"{API}/events/{event.id}/shifts", json=body, headers=headers)
    assert late.status_code == 201 and late.json()["id"] in created


async def test_keys_are_per_organization(client: httpx.AsyncClient) -> None:
    a = await make_world()
    b = await make_world(org="local-200")
    for w in (a, b):
        r = await client.post(
            f"{API}/events", json=event_body(w["group"].slug), headers={**w["headers"], "Idempotency-Key": "same"}
        )
        assert r.status_code == 201, r.text
    assert await Event.filter(title="Rally at the gate").count() == 2


async def test_a_key_left_running_by_a_dead_process_is_taken_over(client: httpx.AsyncClient) -> None:
    w = await make_world()
    org_id = w["event"].organization_id
    stuck = await IdempotentRequest.create(organization_id=org_id, key="stuck", fingerprint="x" * 64)
    headers = {**w["headers"], "Idempotency-Key": "stuck"}
    r = await client.post(f"{API}/events", json=event_body(w["group"].slug), headers=headers)
    assert r.status_code == 422  # a different request's key (its fingerprint differs)
    await IdempotentRequest.filter(id=stuck.id).delete()
    running = await client.post(f"{API}/events", json=event_body(w["group"].slug), headers=headers)
    assert running.status_code == 201
    await IdempotentRequest.filter(key="stuck").update(status=0)  # as if still running
    busy = await client.post(f"{API}/events", json=event_body(w["group"].slug), headers=headers)
    assert busy.status_code == 409 and busy.json()["error"]["code"] == "idempotency_in_progress"
    await IdempotentRequest.filter(key="stuck").update(created_at=datetime.now(UTC) - timedelta(minutes=5))
    taken = await client.post(f"{API}/events", json=event_body(w["group"].slug), headers=headers)
    assert taken.status_code == 201  # the dead process's claim was taken over


async def test_answers_older_than_a_day_are_forgotten(client: httpx.AsyncClient) -> None:
    from workers.housekeeping import forget_idempotency_keys

    w = await make_world()
    headers = {**w["headers"], "Idempotency-Key": "old"}
    assert (await client.post(f"{API}/events", json=event_body(w["group"].slug), headers=headers)).status_code == 201
    assert await forget_idempotency_keys({}) == 0  # fresh: kept
    await IdempotentRequest.filter(key="old").update(created_at=datetime.now(UTC) - timedelta(days=1, minutes=1))
    assert await forget_idempotency_keys({}) == 1
    again = await client.post(f"{API}/events", json=event_body(w["group"].slug), headers=headers)
    assert again.status_code == 201 and "idempotent-replayed" not in again.headers  # a new request by then
