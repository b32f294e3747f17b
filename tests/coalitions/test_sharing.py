"""Signing up for a partner's event: the host gets the sign-up; the convener (and a recruiting partner that is
another organization) gets the person's details only when the person ticks the box, with a consent record of
the exact words shown; `recruited_by` and `?ref=` credit the partner that brought them. Tenancy holds: an
organization that knew the phone before learns nothing new from another's sign-up, and gives nothing away."""

from __future__ import annotations

from typing import Any

import httpx

from mobilize.models import ConsentRecord, Organization, Signup, Volunteer
from mobilize.services.people import share_words
from tests.coalitions.helpers import API, coalition, partner_event
from tests.factories import make_organizer, make_person
from tests.web.test_pages import csrf_from

PERSON = {"name": "Rosa Parks", "phone": "3125550142", "email": "rosa@example.org"}


async def _org(slug: str) -> Organization:
    return await Organization.get(slug=slug)


async def _signup(client: httpx.AsyncClient, event: dict[str, Any], **extra: Any) -> httpx.Response:
    url = event["shifts"][0]["id"]
    return await client.post(f"{API}/public/shifts/{url}/signups", json={"volunteer": PERSON, **extra})


async def test_without_sharing_the_convener_sees_counts_only(client: httpx.AsyncClient) -> None:
    w = await coalition(client)
    event = await partner_event(client, w)
    r = await _signup(client, event)
    assert r.status_code == 201, r.text
    nurses, teachers = await _org("nurses"), await _org("teachers")
    assert await Volunteer.filter(organization=nurses, phone="+13125550142").exists()
    assert not await Volunteer.filter(organization=teachers).exists()
    listed = (await client.get(f"{API}/volunteers", headers=w["convener"])).json()["data"]
    assert listed == []
    roster = f"{API}/shifts/{event['shifts'][0]['id']}/signups"
    assert (await client.get(roster, headers=w["convener"])).status_code == 404


async def test_with_sharing_the_convener_has_the_person_and_the_words(client: httpx.AsyncClient) -> None:
    w = await coalition(client)
    event = await partner_event(client, w)
    r = await _signup(client, event, share_with=["teachers"])
    assert r.status_code == 201, r.text
    teachers = await _org("teachers")
    shared = await Volunteer.get(organization=teachers, phone="+13125550142")
    assert shared.name == "Rosa Parks" and shared.email == "rosa@example.org"
    consent = await ConsentRecord.get(volunteer=shared)
    assert consent.channel == "sharing" and consent.action == "granted" and consent.organization_id == teachers.id
    assert consent.words == share_words("Teachers") == "Also share my name and contact with Teachers"
    listed = (await client.get(f"{API}/volunteers", headers=w["convener"])).json()["data"]
    assert [v["name"] for v in listed] == ["Rosa Parks"]
    # the host's record got no sharing consent: it always gets the sign-up
    host = await Volunteer.get(organization=await _org("nurses"), phone="+13125550142")
    assert not await ConsentRecord.filter(volunteer=host, channel="sharing").exists()


async def test_share_with_only_what_the_page_names(client: httpx.AsyncClient) -> None:
    w = await coalition(client)
    event = await partner_event(client, w)
    await make_organizer("tenants")
    cases: list[tuple[dict[str, Any], str]] = [
        ({"share_with": ["tenants"]}, "share_with"),
        ({"share_with": ["nurses"]}, "share_with"),
        ({"share_with": ["Bad Slug"]}, "share_with.0"),
        ({"recruited_by": "tenants"}, "recruited_by"),
    ]
    for extra, field in cases:
        r = await _signup(client, event, **extra)
        assert r.status_code == 422 and field in r.json()["error"]["fields"], (extra, r.text)
    assert not await Signup.exists() and not await Volunteer.exists()
    # the convener's own event offers nothing to share (the convener is the host)
    own = await client.post(f"{API}/public/shifts/{w['shift'].id}/signups",
                            json={"volunteer": PERSON, "share_with": ["teachers"]})  # fmt: skip
    assert own.status_code == 422 and "share_with" in own.json()["error"]["fields"]


async def test_recruited_by_credits_the_partner_and_offers_it(client: httpx.AsyncClient) -> None:
    w = await coalition(client)
    tenants, tenants_token = await make_organizer("tenants", email="owner@tenants.example.org")
    r = await client.post(f"{API}/campaigns/may-day/partners", json={"organization": "tenants"}, headers=w["convener"])
    tenants_auth = {"Authorization": f"Bearer {tenants_token}"}
    await client.post(f"{API}/partnerships/{r.json()['id']}/accept", headers=tenants_auth)
    event = await partner_event(client, w)
    r = await _signup(client, event, recruited_by="tenants", share_with=["tenants", "teachers"])
    assert r.status_code == 201, r.text
    signup = await Signup.get(id=r.json()["id"])
    assert signup.recruited_by_id == tenants.organization_id  # type: ignore[attr-defined]
    for slug in ("tenants", "teachers"):
        assert await Volunteer.filter(organization=await _org(slug), phone="+13125550142").exists()
    # the page: ?ref= is kept into the form, which offers the recruiting partner too, and credits it
    page = await client.get(f"/events/{event['id']}", params={"ref": "tenants"})
    assert 'name="recruited_by" value="tenants"' in page.text
    assert "Also share my name and contact with Teachers" in page.text
    assert "Also share my name and contact with tenants" in page.text
    assert "You sign up with <strong>Nurses</strong>" in page.text


async def test_the_form_shares_with_the_words_shown(client: httpx.AsyncClient) -> None:
    w = await coalition(client)
    event = await partner_event(client, w)
    page = await client.get(f"/events/{event['id']}")
    words = share_words("Teachers")
    assert f'<label for="f-share-teachers">{words}</label>' in page.text
    assert 'name="share_with" value="teachers">' in page.text  # unticked
    token = await csrf_from(client, f"/events/{event['id']}")
    form = {"csrf_token": token, "shift": str(event["shifts"][0]["id"]), "name": "Ana", "phone": "3125550177",
            "share_with": "teachers", "recruited_by": ""}  # fmt: skip
    r = await client.post(f"/events/{event['id']}/signup", data=form)
    assert r.status_code == 303, r.text
    shared = await Volunteer.get(organization=await _org("teachers"), phone="+13125550177")
    assert (await ConsentRecord.get(volunteer=shared)).words == words
    # a box the page did not offer is refused, naming it, and nothing is written
    form |= {"phone": "3125550188", "share_with": "nobody"}
    r = await client.post(f"/events/{event['id']}/signup", data=form)
    assert r.status_code == 422 and "is not offered here" in r.text
    assert not await Volunteer.filter(phone="+13125550188").exists()


async def test_tenancy_a_second_organization_knowing_the_phone(client: httpx.AsyncClient) -> None:
    w = await coalition(client)
    event = await partner_event(client, w)
    teachers = await _org("teachers")
    known = await make_person(teachers, name="R. Parks (member)", phone="+13125550142", email="rp@union.example.org",
                              notes="steward", member_id="T-1")  # fmt: skip
    r = await _signup(client, event, share_with=["teachers"])
    assert r.status_code == 201
    for secret in ("R. Parks", "rp@union", "steward", "T-1"):
        assert secret not in r.text
    await known.refresh_from_db()
    # matched, not overwritten: the public form never changes a known contact
    assert known.email == "rp@union.example.org" and known.name == "R. Parks (member)"
    assert await Volunteer.filter(organization=teachers).count() == 1
    host = (await client.get(f"{API}/volunteers", headers=w["partner"])).json()["data"]
    assert [(v["name"], v["email"]) for v in host] == [("Rosa Parks", "rosa@example.org")]
    assert "steward" not in str(host) and "T-1" not in str(host)


async def test_several_shifts_share_once_and_credit_each_sign_up(client: httpx.AsyncClient) -> None:
    w = await coalition(client)
    event = await partner_event(client, w)
    second = {"starts_at": "2030-05-01T13:00:00-05:00", "ends_at": "2030-05-01T15:00:00-05:00", "capacity": 20}
    r = await client.post(f"{API}/events/{event['id']}/shifts", json=second, headers=w["partner"])
    assert r.status_code == 201, r.text
    shifts = [event["shifts"][0]["id"], r.json()["id"]]
    body = {"volunteer": PERSON, "shifts": shifts, "share_with": ["teachers"], "recruited_by": "teachers"}
    r = await client.post(f"{API}/public/events/{event['id']}/signups", json=body)
    assert r.status_code == 201, r.text
    teachers = await _org("teachers")
    recruited = await Signup.filter(id__in=[e["id"] for e in r.json()["data"]]).values_list(
        "recruited_by_id", flat=True
    )
    assert list(recruited) == [teachers.id, teachers.id]
    shared = await Volunteer.get(organization=teachers, phone="+13125550142")
    assert await ConsentRecord.filter(volunteer=shared, channel="sharing").count() == 1
    assert not await Signup.filter(volunteer=shared).exists()  # the convener gets the contact, not the sign-ups
    # only what the page offers, and nothing written when refused
    before = await Signup.all().count()
    r = await client.post(f"{API}/public/events/{event['id']}/signups", json=body | {"share_with": ["nobody"]})
    assert r.status_code == 422 and "share_with" in r.json()["error"]["fields"]
    assert await Signup.all().count() == before
