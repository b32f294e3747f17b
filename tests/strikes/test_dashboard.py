"""The strike's dashboard pages: the week (ledger, per-hour chart, next 48 hours with staffing lights,
disputes), the badge sheet, and the captain's page with its scans (an offline queue replayed twice books once)."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from mobilize.models import AuditLog, Duty, Role, StrikeDispute
from tests.clock import at
from tests.factories import make_organizer, make_shift
from tests.strikes.helpers import MONDAY, duty, local, local_100, member, shift_at, supporter
from tests.web.test_dashboard import PASSWORD, login
from tests.web.test_pages import csrf_from

pytestmark = pytest.mark.usefixtures("migrated")
NOON = local(MONDAY + timedelta(days=2), 12)


async def owner_logged_in(client: httpx.AsyncClient, **rules: object) -> dict[str, object]:
    world = await local_100(client, **rules)
    await world["membership"].fetch_related("organizer")
    assert (await login(client, world["membership"].organizer.email, PASSWORD)).status_code == 303
    return world


@at(NOON)
async def test_the_strike_page_shows_the_week(client: httpx.AsyncClient) -> None:
    world = await owner_logged_in(client, hours_per_week=4)
    person = await member(world, "A1", name="Rosa Parks")
    await duty(client, world, person, local(MONDAY, 6), 5)
    await duty(client, world, await supporter(world), local(MONDAY, 6), 2)
    await make_shift(world["line"], starts_at=NOON + timedelta(hours=3), hours=4, capacity=10, target=4)
    await StrikeDispute.create(strike=world["strike"], volunteer=person, day=MONDAY, raised_by="member", note="more")
    strike_id = world["strike"].id
    r = await client.get(f"/dashboard/strikes/{strike_id}?week=2026-06-01")
    assert r.status_code == 200, r.text
    assert 'data-member="A1"' in r.text and "Rosa Parks" in r.text and ">5.0<" in r.text
    assert "1 supporters on the line" in r.text
    assert "<svg" in r.text and "People on the line, per hour" in r.text
    assert "light-red" in r.text  # tomorrow's shift with nobody signed up
    assert "Open disputes" in r.text
    r = await client.get(f"/dashboard/strikes/{strike_id}/ledger.csv?week=2026-06-01")
    assert r.status_code == 200 and r.text.startswith("member_id,name")
    assert await AuditLog.filter(action="strike.ledger_exported").count() == 1
    dispute = await StrikeDispute.get(volunteer_id=person.id)
    token = await csrf_from(client, f"/dashboard/strikes/{strike_id}")
    r = await client.post(
        f"/dashboard/strikes/{strike_id}/disputes/{dispute.id}/resolve",
        data={"resolution": "checked", "csrf_token": token},
    )
    assert r.status_code == 303
    assert (await StrikeDispute.get(id=dispute.id)).status == "resolved"
    r = await client.post(
        f"/dashboard/strikes/{strike_id}/disputes",
        data={
            "member_id": "A1",
            "day": "2026-06-02",
            "raised_by": "captain",
            "note": "left early?",
            "csrf_token": token,
        },
    )
    assert r.status_code == 303 and await StrikeDispute.filter(day="2026-06-02", raised_by="captain").count() == 1
    r = await client.post(
        f"/dashboard/strikes/{strike_id}/disputes",
        data={"member_id": "nobody", "day": "2026-06-02", "raised_by": "captain", "csrf_token": token},
    )
    assert r.status_code == 303 and await StrikeDispute.all().count() == 2
    assert await AuditLog.filter(action="strike.dispute_raised").count() == 1
    r = await client.get(f"/dashboard/strikes/{strike_id}/badges")
    assert r.status_code == 200 and r.text.count('class="badge-card"') == 1 and "<svg" in r.text
    assert (await client.get("/dashboard/strikes")).status_code == 200


@at(NOON)
async def test_the_captains_page_books_a_replayed_queue_once(client: httpx.AsyncClient) -> None:
    world = await owner_logged_in(client)
    await member(world, "A1")
    await shift_at(world["line"], NOON - timedelta(hours=2), 6)
    page = f"/dashboard/strikes/{world['strike'].id}/lines/{world['line'].id}"
    r = await client.get(page)
    assert r.status_code == 200 and "Shift under way" in r.text
    token = await csrf_from(client, page)
    queue = [
        {
            "scan_id": "phone-scan-1",
            "member_id": "A1",
            "action": "in",
            "at": (NOON - timedelta(minutes=50)).isoformat(),
        },
        {
            "scan_id": "phone-scan-2",
            "member_id": "A1",
            "action": "out",
            "at": (NOON - timedelta(minutes=5)).isoformat(),
        },
    ]
    answers = []
    for _ in range(2):
        for scan in queue:
            r = await client.post(f"{page}/scans", data={**scan, "csrf_token": token})
            assert r.status_code == 200, r.text
            answers.append(r.json()["outcome"])
    assert answers == ["signed_in", "signed_out", "replayed", "replayed"]
    assert await Duty.all().count() == 1
    r = await client.post(
        f"{page}/scans", data={**queue[0], "scan_id": "phone-scan-3", "member_id": "nobody", "csrf_token": token}
    )
    assert r.status_code == 422 and "member_id" in r.json()["error"]["fields"]
    r = await client.post(f"{page}/scans", data={**queue[0], "scan_id": "phone-scan-4"})  # no CSRF token
    assert r.status_code == 403
    assert (await client.get(f"{page}/on-line")).json() == {"people": []}


async def test_a_captain_of_another_strike_cannot_open_the_page(client: httpx.AsyncClient) -> None:
    world = await local_100(client)
    membership, _ = await make_organizer("local-100", role=Role.CAPTAIN, email="cap2@example.org")
    assert (await login(client, "cap2@example.org", PASSWORD)).status_code == 303
    r = await client.get(f"/dashboard/strikes/{world['strike'].id}/lines/{world['line'].id}")
    assert r.status_code == 403
