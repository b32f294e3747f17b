"""The public side of a coalition campaign: the JSON list and the feed carry the convener's and the accepted
partners' public events, each with its host organization; campaign slugs are per organization, and a bare
slug keeps naming the campaign it named when another organization picks the same slug."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

import httpx
import pytest

from mobilize.web import campaigns
from tests.coalitions.helpers import API, coalition, partner_event
from tests.factories import make_campaign, make_event, make_group, make_organizer, make_shift

TEACHERS = {"slug": "teachers", "name": "Teachers"}
NURSES = {"slug": "nurses", "name": "Nurses"}
MAY_DAY = {"slug": "may-day", "name": "Day of Action", "organization": TEACHERS}


async def test_public_list_and_feed_carry_both_organizations_events(client: httpx.AsyncClient) -> None:
    w = await coalition(client)
    nurses = await partner_event(client, w)
    private = await partner_event(client, w, title="Nurses planning")
    await client.patch(f"{API}/events/{private['id']}", json={"visibility": "private"}, headers=w["partner"])
    r = await client.get(f"{API}/public/events", params={"campaign": "teachers/may-day"})
    assert r.status_code == 200, r.text
    rows = {e["title"]: e for e in r.json()["data"]}
    assert set(rows) == {"Teachers rally", "Nurses rally"}
    assert rows["Teachers rally"]["organization"] == TEACHERS and rows["Nurses rally"]["organization"] == NURSES
    assert rows["Nurses rally"]["campaign"] == rows["Teachers rally"]["campaign"] == MAY_DAY
    near = await client.get(f"{API}/public/events", params={"campaign": "teachers/may-day", "near": "60657",
                                                            "radius_km": 3})  # fmt: skip
    assert [e["title"] for e in near.json()["data"]][0] == "Nurses rally"
    feed = await client.get("/feeds/campaigns/teachers/may-day.ics")
    assert feed.status_code == 200
    text = feed.text.replace("\r\n ", "")
    assert "Teachers rally" in text and "Nurses rally" in text and "Nurses planning" not in text
    assert "Hosted by Nurses · Part of Day of Action\\, convened by Teachers" in text
    assert "Hosted by Teachers · Part of Day of Action\\, convened by Teachers" in text
    assert (await client.get("/feeds/campaigns/may-day.ics")).text == feed.text  # the old address
    assert nurses["id"] in [e["id"] for e in r.json()["data"]]


async def test_same_slug_campaigns_of_two_organizations_keep_their_links(client: httpx.AsyncClient) -> None:
    w = await coalition(client)
    before_feed = (await client.get("/feeds/campaigns/may-day.ics")).text
    before_list = (await client.get(f"{API}/public/events", params={"campaign": "may-day"})).json()["data"]
    other, _ = await make_organizer("tenants")
    group = await make_group(other, slug="east")
    campaign = await make_campaign(other, slug="may-day")
    await make_shift(await make_event(group, campaign=campaign, title="Tenants march"))
    assert (await client.get("/feeds/campaigns/may-day.ics")).text == before_feed
    after = (await client.get(f"{API}/public/events", params={"campaign": "may-day"})).json()["data"]
    assert [e["id"] for e in after] == [e["id"] for e in before_list] == [w["event"].id]
    theirs = (await client.get(f"{API}/public/events", params={"campaign": "tenants/may-day"})).json()["data"]
    assert [e["title"] for e in theirs] == ["Tenants march"]
    feed = (await client.get("/feeds/campaigns/tenants/may-day.ics")).text
    assert "Tenants march" in feed and "Teachers rally" not in feed
    assert (await client.get("/feeds/campaigns/nobody/may-day.ics")).status_code == 404


def markers_of(html: str) -> list[dict[str, Any]]:
    found = re.search(r'<script type="application/json" id="campaign-markers">(.*?)</script>', html, re.S)
    assert found, "no marker data in the page"
    data: list[dict[str, Any]] = json.loads(found.group(1))
    return data


async def test_campaign_page_lists_and_maps_both_organizations(client: httpx.AsyncClient) -> None:
    w = await coalition(client)
    before = await client.get("/campaigns/teachers/may-day")  # built, then kept for this version of the campaign
    assert [m["title"] for m in markers_of(before.text)] == ["Teachers rally"]
    again = await client.get("/campaigns/teachers/may-day", headers={"Accept-Encoding": "gzip"})
    assert again.text == before.text and again.headers["content-encoding"] == "gzip"  # kept compressed too
    plain = await client.get("/campaigns/teachers/may-day", headers={"Accept-Encoding": "identity"})
    assert plain.text == before.text and "content-encoding" not in plain.headers
    assert again.headers["vary"] == plain.headers["vary"] == "Accept-Encoding"
    nurses = await partner_event(client, w)
    page = await client.get("/campaigns/teachers/may-day")  # a new event is a new version: built again
    assert page.status_code == 200, page.text
    markers = {m["title"]: m for m in markers_of(page.text)}
    assert set(markers) == {"Teachers rally", "Nurses rally"}
    assert markers["Nurses rally"]["host"] == "Nurses" and markers["Nurses rally"]["lat"] is not None
    assert 'Hosted by <span class="host">Nurses</span>' in page.text
    assert "Part of Day of Action, convened by Teachers" in page.text
    assert "/static/leaflet/leaflet.js" in page.text and 'data-tiles="https://tile.openstreetmap.org/' in page.text
    near = await client.get("/campaigns/teachers/may-day", params={"postal_code": "60657", "radius_km": 5})
    assert [m["title"] for m in markers_of(near.text)][0] == "Nurses rally"
    hosted = await client.get("/campaigns/teachers/may-day", params={"host": "nurses"})
    assert [m["title"] for m in markers_of(hosted.text)] == ["Nurses rally"]
    typed = await client.get("/campaigns/teachers/may-day", params={"event_type": "picket"})
    assert [m["title"] for m in markers_of(typed.text)] == ["Teachers rally"]
    bad = await client.get("/campaigns/teachers/may-day", params={"event_type": "party", "postal_code": "00000x"})
    assert bad.status_code == 422
    # ?ref= is kept on the links to the events
    ref = await client.get("/campaigns/teachers/may-day", params={"ref": "nurses"})
    assert f"/events/{nurses['id']}?ref=nurses" in ref.text
    embed = await client.get("/campaigns/teachers/may-day/embed")
    assert embed.status_code == 200 and "Nurses rally" in embed.text and "frame-ancestors" in embed.headers[
        "content-security-policy"]  # fmt: skip
    assert "leaflet.js" not in embed.text
    assert (await client.get("/campaigns/teachers/nope")).status_code == 404
    event_page = await client.get(f"/events/{nurses['id']}")
    assert "convened by Teachers" in event_page.text and "/campaigns/teachers/may-day" in event_page.text
    assert (await client.get("/static/leaflet/leaflet.css")).status_code == 200


async def test_readers_of_a_cold_campaign_page_wait_for_one_build(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    await coalition(client)
    builds = 0
    real = campaigns._campaign_context

    async def counted(request: Any) -> Any:
        nonlocal builds
        builds += 1
        return await real(request)

    monkeypatch.setattr(campaigns, "_campaign_context", counted)
    pages = await asyncio.gather(*(client.get("/campaigns/teachers/may-day") for _ in range(6)))
    assert {r.status_code for r in pages} == {200} and len({r.text for r in pages}) == 1
    assert builds == 1
