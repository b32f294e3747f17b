"""The hosting endpoints' real answers, errors included, match what the OpenAPI document says of them."""

from __future__ import annotations

import httpx

from tests.factories import make_world
from tests.hosting.helpers import hosting_world, proposal, propose_and_confirm
from tests.web.test_openapi import API, check_answer, fetch_document


async def test_hosting_answers_match_the_document(client: httpx.AsyncClient) -> None:
    document = await fetch_document(client)
    closed = await make_world("closed-org")
    closed_url = f"{API}/public/campaigns/closed-org/{closed['campaign'].slug}/events"
    check_answer(document, "public-host-events", await client.post(closed_url, json=proposal()))
    check_answer(
        document,
        "campaign-hosting",
        await client.get(f"{API}/campaigns/{closed['campaign'].slug}/hosting", headers=closed["headers"]),
    )
    world = await hosting_world(client, "review")
    h = world["headers"]
    policy = f"{API}/campaigns/{world['campaign'].slug}/hosting"
    check_answer(document, "campaign-hosting", await client.get(policy, headers=h))
    put = await client.put(policy, json={"mode": "review", "event_types": ["meeting"], "terms": "Be kind."}, headers=h)
    assert put.status_code == 200, put.text
    check_answer(document, "campaign-hosting-update", put)
    check_answer(document, "campaign-hosting-update", await client.put(policy, json={"mode": "x"}, headers=h))
    accepted = await client.post(world["propose"], json=proposal(title="Unconfirmed", email="u@example.org"))
    assert accepted.status_code == 202
    check_answer(document, "public-host-events", accepted)
    check_answer(document, "public-host-events", await client.post(world["propose"], json={"title": ""}))
    first = await propose_and_confirm(client, world)
    second = await propose_and_confirm(client, world, title="Second")
    third = await propose_and_confirm(client, world, title="Third")
    ev = f"{API}/events"
    check_answer(document, "event-request-changes", await client.post(f"{ev}/{first}/request-changes",
                                                                      json={"reason": "More."}, headers=h))  # fmt: skip
    check_answer(document, "event-approve", await client.post(f"{ev}/{first}/approve", json={}, headers=h))
    check_answer(document, "event-reject", await client.post(f"{ev}/{first}/reject", json={"reason": "no"}, headers=h))
    check_answer(document, "event-reject", await client.post(f"{ev}/{second}/reject", json={"reason": "no"}, headers=h))
    check_answer(document, "event-unpublish", await client.post(f"{ev}/{first}/unpublish", json={"reason": "x"},
                                                                headers=h))  # fmt: skip
    check_answer(document, "event-approve", await client.post(f"{ev}/{third}/approve", json={"trust_host": 1},
                                                              headers=h))  # fmt: skip
    check_answer(document, "event-approve", await client.post(f"{ev}/999999/approve", json={}, headers=h))
    check_answer(document, "event-approve", await client.post(f"{ev}/{third}/approve", json={}))
