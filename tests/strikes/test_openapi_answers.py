"""The strikes API's real answers match the OpenAPI document (every strike route, success and an error)."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from tests.clock import at
from tests.strikes.helpers import API, MONDAY, duty, local, local_100, member, shift_at, supporter
from tests.web.test_openapi import check_answer, fetch_document

pytestmark = pytest.mark.usefixtures("migrated")


@at(local(MONDAY, 12))
async def test_strike_answers_match_the_document(client: httpx.AsyncClient) -> None:
    document = await fetch_document(client)
    world = await local_100(client, hours_per_day=4, days_per_week=1, classes=[{"name": "part-time", "factor": 0.5}])
    h, s = world["headers"], f"{API}/strikes/{world['strike'].id}"
    person = await member(world, "A1", email="a1@example.org")
    entry = await duty(client, world, person, local(MONDAY, 6), 4)
    await duty(client, world, await supporter(world), local(MONDAY, 6), 2)
    await shift_at(world["line"], local(MONDAY, 11), 4)
    created = await client.post(
        f"{API}/strikes", headers=h, json={"name": "Second", "starts_on": "2026-07-01", "ends_on": "2026-08-01"}
    )
    check_answer(document, "strikes-create", created)
    answers = {
        "strikes": await client.get(f"{API}/strikes", headers=h),
        "strike": await client.get(s, headers=h),
        "strike-update": await client.patch(s, headers=h, json={"name": "Contract fight 2026"}),
        "strike-duty-create": await client.post(
            f"{s}/duty",
            headers=h,
            json={"shift": entry["shift"], "member_id": "A1", "signed_in_at": local(MONDAY, 11).isoformat()},
        ),
        "strike-duty-update": await client.patch(
            f"{s}/duty/{entry['id']}", headers=h, json={"signed_in_at": local(MONDAY, 5).isoformat(), "reason": "early"}
        ),
        "strike-scans-create": await client.post(
            f"{s}/scans",
            headers=h,
            json={
                "scan_id": "scan-abcdefgh",
                "event": world["line"].id,
                "member_id": "A1",
                "action": "out",
                "at": local(
                    MONDAY,
                    11,
                ).isoformat(),
            },  # fmt: skip
        ),
        "strike-disputes-create": await client.post(
            f"{s}/disputes", headers=h, json={"volunteer": person.id, "day": "2026-06-01", "raised_by": "captain"}
        ),
        "strike-disputes": await client.get(f"{s}/disputes", headers=h),
        "strike-ledger": await client.get(f"{s}/ledger?week=2026-06-03", headers=h),
        "strike-week-close": await client.post(f"{s}/weeks/close?week=2026-06-03", headers=h),
    }
    dispute = answers["strike-disputes"].json()["data"][0]
    answers["strike-dispute-update"] = await client.patch(
        f"{s}/disputes/{dispute['id']}", headers=h, json={"resolution": "ok"}
    )
    for name, response in answers.items():
        assert response.status_code < 300, (name, response.text)
        check_answer(document, name, response)
    errors = {
        "strike": await client.get(f"{API}/strikes/999999", headers=h),
        "strike-duty-create": await client.post(f"{s}/duty", headers=h, json={"shift": 1}),
        "strike-ledger": await client.get(f"{s}/ledger", headers=h),
        "strike-scans-create": await client.post(
            f"{s}/scans",
            headers=h,
            json={
                "scan_id": "scan-ijklmnop",
                "event": world["line"].id,
                "member_id": "A1",
                "action": "in",
                "at": (local(MONDAY, 12) - timedelta(days=30)).isoformat(),
            },  # fmt: skip
        ),
    }
    for name, response in errors.items():
        assert response.status_code >= 400, (name, response.text)
        check_answer(document, name, response)
