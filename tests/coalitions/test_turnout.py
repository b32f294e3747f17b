"""Coalition turnout: per organization, crediting attendance and who recruited whom; the convener sees every
row, a partner only its own; the dashboard page with its chart, and the CSV (audited)."""

from __future__ import annotations

from typing import Any

import httpx

from mobilize.models import AuditLog, Signup, SignupStatus
from tests.coalitions.helpers import API, coalition, partner_event
from tests.web.test_dashboard import login


async def _sign(client: httpx.AsyncClient, shift_id: int, n: int, **extra: Any) -> int:
    person = {"name": f"P{n}", "phone": f"312555{n:04d}"}
    r = await client.post(f"{API}/public/shifts/{shift_id}/signups", json={"volunteer": person, **extra})
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


async def _seed(client: httpx.AsyncClient) -> dict[str, Any]:
    w = await coalition(client)
    nurses = await partner_event(client, w)
    nurse_shift = nurses["shifts"][0]["id"]
    came = [await _sign(client, nurse_shift, i, recruited_by="nurses") for i in (1, 2)]
    missed = await _sign(client, nurse_shift, 3)
    brought = await _sign(client, w["shift"].id, 4, recruited_by="nurses")  # to the convener's event
    await _sign(client, w["shift"].id, 5)
    await Signup.filter(id__in=[*came, brought]).update(status=SignupStatus.ATTENDED)
    await Signup.filter(id=missed).update(status=SignupStatus.NO_SHOW)
    return w


async def test_turnout_credits_attendance_and_recruiting(client: httpx.AsyncClient) -> None:
    w = await _seed(client)
    r = await client.get(f"{API}/campaigns/may-day/turnout", headers=w["convener"])
    assert r.status_code == 200, r.text
    rows = {row["organization"]["slug"]: row for row in r.json()["organizations"]}
    assert rows["nurses"] | {"organization": None} == {
        "organization": None, "events": 1, "signups": 3, "attended": 2, "no_show": 1, "show_rate": 0.6667,
        "recruited": 3, "recruited_attended": 3,
    }  # fmt: skip
    assert rows["teachers"]["signups"] == 2 and rows["teachers"]["attended"] == 1 and rows["teachers"]["recruited"] == 0
    assert r.json()["total"]["signups"] == 5 and r.json()["total"]["recruited_attended"] == 3
    assert "P1" not in r.text and "5550001" not in r.text  # counts only


async def test_a_partner_sees_only_its_own_row(client: httpx.AsyncClient) -> None:
    w = await _seed(client)
    r = await client.get(f"{API}/campaigns/may-day/turnout", headers=w["partner_organizer"])
    assert r.status_code == 200, r.text
    assert [row["organization"]["slug"] for row in r.json()["organizations"]] == ["nurses"]
    assert r.json()["total"]["signups"] == 3  # its own, not the campaign's
    r = await client.get(f"{API}/campaigns/may-day/turnout", params={"convener": "teachers"}, headers=w["partner"])
    assert [row["organization"]["slug"] for row in r.json()["organizations"]] == ["nurses"]
    await client.post(f"{API}/partnerships/{w['partnership_id']}/leave", headers=w["partner"])
    assert (await client.get(f"{API}/campaigns/may-day/turnout", headers=w["partner"])).status_code == 404


async def test_dashboard_turnout_page_and_audited_csv(client: httpx.AsyncClient) -> None:
    w = await _seed(client)
    assert (await login(client, "owner@teachers.example.org")).status_code == 303
    page = await client.get("/dashboard/turnout/coalitions/may-day")
    assert page.status_code == 200 and "<svg" in page.text and 'data-organization="nurses"' in page.text
    csv = await client.get("/dashboard/turnout/coalitions/may-day.csv")
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    lines = csv.text.strip().splitlines()
    assert (
        lines[0]
        == "row,organization,group,day,name,events,signups,attended,no_show,recruited,recruited_attended,show_rate"
    )
    assert lines[1].startswith("organization,nurses,,,Nurses,1,3,2,1,3,3,")
    assert lines[-1].startswith("total,,,,Day of Action,2,5,")
    assert await AuditLog.filter(action="export.coalition_turnout").count() == 1
    assert w["campaign"].slug == "may-day"
