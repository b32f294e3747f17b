"""The public side of a coalition campaign: the JSON list and the feed carry the convener's and the accepted
partners' public events, each with its host organization; campaign slugs are per organization, and a bare
slug keeps naming the campaign it named when another organization picks the same slug."""

from __future__ import annotations

import httpx

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
