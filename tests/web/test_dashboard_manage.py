"""The dashboard's management pages, for every role (viewer, host, organizer, admin, owner) and for another
organization's rows (404): a volunteer's edit and tags, groups and campaigns, messaging a group with its
counts first, the team page (roles, removal, a new invitation) and the audit log."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from mobilize.models import (
    ActionGroup,
    AuditLog,
    Campaign,
    Membership,
    Message,
    MessageKind,
    Organization,
    OrganizerInvitation,
    Role,
    Shift,
    ShiftStatus,
    Volunteer,
    VolunteerTag,
)
from mobilize.services.accounts import onboarding
from mobilize.services.accounts.organizers import actor_for_membership
from mobilize.services.people import ConsentContext
from tests.clock import CHICAGO, MIDDAY, at
from tests.factories import make_event, make_group, make_organizer, make_shift, make_world
from tests.web.test_dashboard import a_signup, login, post

ROLES = (Role.VIEWER, Role.HOST, Role.ORGANIZER, Role.ADMIN, Role.OWNER)


async def _as(client: httpx.AsyncClient, role: Role) -> dict[str, Any]:
    """A world (an owner, a group with an event and a shift, one person signed up), a second organization
    that knows the same phone, and the browser logged in with `role` (a host runs the world's group)."""
    world = await make_world()
    person = (await a_signup(world["shift"], 1, sms_consent=ConsentContext(source="test", words="yes"))).volunteer
    membership = world["membership"]
    if role != Role.OWNER:
        groups = [world["group"].slug] if role == Role.HOST else None
        membership, _ = await make_organizer(role=role, groups=groups)
    await membership.fetch_related("organizer")
    assert (await login(client, membership.organizer.email)).status_code == 303
    other, _ = await make_organizer("other-org")
    their_group = await make_group(other, slug="their-group")
    their_shift = await make_shift(await make_event(their_group))
    stranger = (await a_signup(their_shift, 1)).volunteer  # the same phone, another organization's record
    their_campaign = await Campaign.create(organization_id=other.organization_id, slug="their-campaign", name="X")
    return world | {
        "me": membership,
        "person": person,
        "stranger": stranger,
        "other": other,
        "their_group": their_group,
        "their_campaign": their_campaign,
    }


def _expect(role: Role, allowed: set[Role], ok: int = 200) -> int:
    return ok if role in allowed else 403


WRITERS = {Role.HOST, Role.ORGANIZER, Role.ADMIN, Role.OWNER}
MANAGERS = {Role.ORGANIZER, Role.ADMIN, Role.OWNER}
TEAM = {Role.ADMIN, Role.OWNER}


@pytest.mark.parametrize("role", ROLES)
async def test_editing_a_volunteer_and_tagging_them(client: httpx.AsyncClient, role: Role) -> None:
    w = await _as(client, role)
    person, edit = w["person"], f"/dashboard/volunteers/{w['person'].id}/edit"
    assert (await client.get(edit)).status_code == _expect(role, WRITERS)
    form = {
        "name": "Rosa Parks", "phone": "(312) 555-0001", "email": "rosa@example.org", "postal_code": "60616",
        "member_id": "L100-42", "notes": "Steward on nights", "tags": "Steward, spanish,, steward",
    }  # fmt: skip
    r = await post(client, edit, form)
    assert r.status_code == _expect(role, WRITERS, 303)
    fresh = await Volunteer.get(id=person.id)
    if role in WRITERS:
        assert (fresh.name, fresh.member_id, fresh.notes) == ("Rosa Parks", "L100-42", "Steward on nights")
        tags = await VolunteerTag.filter(volunteer_id=person.id).order_by("name").values_list("name", flat=True)
        assert tags == ["spanish", "steward"]
        page = (await client.get(f"/dashboard/volunteers/{person.id}")).text
        assert "steward" in page and "L100-42" in page
        listed = (await client.get("/dashboard/volunteers?tag=steward")).text
        assert "Rosa Parks" in listed
        bad = await post(client, edit, form | {"phone": "12", "tags": "!!"})
        assert bad.status_code == 422 and "phone" in bad.text
    else:
        assert fresh.name == person.name
    # the other organization's record of the same phone: not found, untouched
    theirs = f"/dashboard/volunteers/{w['stranger'].id}/edit"
    assert (await client.get(theirs)).status_code == 404
    assert (await post(client, theirs, form)).status_code == 404
    assert (await Volunteer.get(id=w["stranger"].id)).name == w["stranger"].name


@pytest.mark.parametrize("role", ROLES)
async def test_groups_and_campaigns_are_created_and_edited_by_managers(client: httpx.AsyncClient, role: Role) -> None:
    w = await _as(client, role)
    assert (await client.get("/dashboard/groups")).status_code == 200
    assert (await client.get("/dashboard/groups/new")).status_code == _expect(role, MANAGERS)
    r = await post(client, "/dashboard/groups/new", {"slug": "east-side", "name": "East Side", "postal_code": ""})
    assert r.status_code == _expect(role, MANAGERS, 303)
    assert await ActionGroup.exists(slug="east-side") == (role in MANAGERS)
    campaign = {"slug": "may-day", "name": "May Day", "starts_on": "2026-05-01"}
    r = await post(client, "/dashboard/campaigns/new", campaign)
    assert r.status_code == _expect(role, MANAGERS, 303)
    slug = w["group"].slug
    r = await post(client, f"/dashboard/groups/{slug}/edit", {"name": "Renamed", "postal_code": "60612"})
    assert r.status_code == _expect(role, MANAGERS, 303)
    assert ((await ActionGroup.get(id=w["group"].id)).name == "Renamed") == (role in MANAGERS)
    r = await post(client, f"/dashboard/campaigns/{w['campaign'].slug}/edit", {"name": "Renamed too"})
    assert r.status_code == _expect(role, MANAGERS, 303)
    if role in MANAGERS:
        taken = await post(client, "/dashboard/groups/new", {"slug": "east-side", "name": "Again"})
        assert taken.status_code == 422 and "Taken" in taken.text
        bad = await post(client, "/dashboard/campaigns/new", {"slug": "Bad Slug!", "name": ""})
        assert bad.status_code == 422 and "slug" in bad.text
    assert (await client.get("/dashboard/groups/their-group/edit")).status_code == 404
    assert (await post(client, "/dashboard/groups/their-group/edit", {"name": "Mine"})).status_code == 404
    assert (await post(client, "/dashboard/campaigns/their-campaign/edit", {"name": "Mine"})).status_code == 404
    assert (await ActionGroup.get(id=w["their_group"].id)).name != "Mine"


@pytest.mark.parametrize("role", ROLES)
async def test_messaging_a_group_counts_first_then_sends_once(client: httpx.AsyncClient, role: Role) -> None:
    w = await _as(client, role)
    await a_signup(w["shift"], 2)  # no SMS consent, no email: left out
    page = f"/dashboard/groups/{w['group'].slug}/message"
    assert (await client.get(page)).status_code == _expect(role, WRITERS)
    form = {"channels": ["sms"], "body": "Picket moved to the north gate", "key": "k1"}
    counted = await post(client, page, form)
    assert counted.status_code == _expect(role, WRITERS)
    assert await Message.filter(kind=MessageKind.BLAST).count() == 0  # counting sends nothing
    if role in WRITERS:
        assert "1 person will receive it" in counted.text and "1 without consent" in counted.text
        for _ in range(2):  # a double submit sends once
            sent = await post(client, page, form | {"send": "1"})
            assert sent.status_code == 303
        blasts = await Message.filter(kind=MessageKind.BLAST)
        assert [m.volunteer_id for m in blasts] == [w["person"].id]
        empty = await post(client, page, {"channels": ["sms"], "body": ""})
        assert empty.status_code == 422
    assert (await client.get("/dashboard/groups/their-group/message")).status_code == 404
    assert (await post(client, "/dashboard/groups/their-group/message", form | {"send": "1"})).status_code == 404
    assert not await Message.filter(kind=MessageKind.BLAST, volunteer_id=w["stranger"].id).exists()


@pytest.mark.parametrize("role", ROLES)
async def test_the_team_page_roles_removal_and_a_new_invitation(client: httpx.AsyncClient, role: Role) -> None:
    w = await _as(client, role)
    colleague, _ = await make_organizer(role=Role.ORGANIZER, email="colleague@example.org")
    page = await client.get("/dashboard/team")
    assert page.status_code == 200 and "colleague@example.org" in page.text
    owner_actor = await actor_for_membership(w["membership"])
    invitation, _ = await onboarding.invite(owner_actor, "new@example.org", Role.VIEWER, [], False, "x/{token}")

    r = await post(client, f"/dashboard/team/{colleague.id}/role", {"role": "viewer"}, "/dashboard/team")
    assert r.status_code == _expect(role, TEAM, 303)
    assert (await Membership.get(id=colleague.id)).role == (Role.VIEWER if role in TEAM else Role.ORGANIZER)
    r = await post(client, f"/dashboard/invitations/{invitation.id}/resend", {}, "/dashboard/team")
    assert r.status_code == _expect(role, TEAM, 303)
    assert await OrganizerInvitation.filter(email="new@example.org").count() == (2 if role in TEAM else 1)
    r = await post(client, f"/dashboard/team/{colleague.id}/remove", {}, "/dashboard/team")
    assert r.status_code == _expect(role, TEAM, 303)
    assert await Membership.exists(id=colleague.id) == (role not in TEAM)
    if role == Role.ADMIN:  # an admin never touches an owner
        owner = w["membership"].id
        assert (await post(client, f"/dashboard/team/{owner}/remove", {}, "/dashboard/team")).status_code == 403
    if role == Role.OWNER:  # the last owner stays
        r = await post(client, f"/dashboard/team/{w['me'].id}/remove", {}, "/dashboard/team")
        assert r.status_code == 303 and await Membership.exists(id=w["me"].id)
        assert await AuditLog.filter(action="team.remove").count() == 1
    # another organization's member or invitation: not found (a role that manages no team: refused first)
    theirs = 404 if role in TEAM else 403
    assert (await post(client, f"/dashboard/team/{w['other'].id}/remove", {}, "/dashboard/team")).status_code == theirs
    r = await post(client, f"/dashboard/team/{w['other'].id}/role", {"role": "viewer"}, "/dashboard/team")
    assert r.status_code == theirs
    assert await Membership.exists(id=w["other"].id, role=Role.OWNER)
    their_invitation, _ = await onboarding.invite(
        await actor_for_membership(w["other"]), "theirs@example.org", Role.VIEWER, [], False, "x/{token}"
    )
    r = await post(client, f"/dashboard/invitations/{their_invitation.id}/resend", {}, "/dashboard/team")
    assert r.status_code == theirs
    assert await OrganizerInvitation.filter(email="theirs@example.org").count() == 1


@pytest.mark.parametrize("role", ROLES)
async def test_the_audit_log_is_for_owners_and_admins(client: httpx.AsyncClient, role: Role) -> None:
    w = await _as(client, role)
    other_actor = await actor_for_membership(w["other"])
    await AuditLog.create(organization_id=other_actor.organization_id, action="export.secret", detail={})
    await AuditLog.create(organization_id=w["group"].organization_id, action="export.roster", detail={"shift": 1})
    r = await client.get("/dashboard/audit")
    assert r.status_code == _expect(role, TEAM)
    if role in TEAM:
        assert "export.roster" in r.text and "export.secret" not in r.text


@pytest.mark.parametrize("role", ROLES)
async def test_a_shifts_edit_and_cancel(client: httpx.AsyncClient, role: Role) -> None:
    w = await _as(client, role)
    shift = w["shift"]
    edit = f"/dashboard/shifts/{shift.id}/edit"
    assert (await client.get(edit)).status_code == _expect(role, WRITERS)
    form = {"date": "2031-03-04", "starts": "07:00", "ends": "11:00", "one_capacity": "20", "one_target": "9"}
    r = await post(client, edit, form)
    assert r.status_code == _expect(role, WRITERS, 303)
    fresh = await Shift.get(id=shift.id)
    if role in WRITERS:
        assert (fresh.capacity, fresh.target) == (20, 9)
        assert fresh.starts_at.astimezone(CHICAGO).isoformat() == "2031-03-04T07:00:00-06:00"
        bad = await post(client, edit, form | {"one_capacity": "lots"})
        assert bad.status_code == 422 and "whole number" in bad.text
    else:
        assert fresh.capacity == shift.capacity
    r = await post(client, f"/dashboard/shifts/{shift.id}/cancel", {})
    assert r.status_code == _expect(role, WRITERS, 303)
    assert ((await Shift.get(id=shift.id)).status == ShiftStatus.CANCELLED) == (role in WRITERS)
    their = await Shift.filter(event__group_id=w["their_group"].id).first()
    assert their is not None
    assert (await client.get(f"/dashboard/shifts/{their.id}/edit")).status_code == 404
    assert (await post(client, f"/dashboard/shifts/{their.id}/edit", form)).status_code == 404
    assert (await post(client, f"/dashboard/shifts/{their.id}/cancel", {})).status_code == 404
    assert (await Shift.get(id=their.id)).status == ShiftStatus.SCHEDULED


@pytest.mark.parametrize("role", ROLES)
async def test_the_organizations_display_name(client: httpx.AsyncClient, role: Role) -> None:
    w = await _as(client, role)
    assert (await client.get("/dashboard/settings")).status_code == _expect(role, TEAM)
    r = await post(client, "/dashboard/settings", {"name": "  Nurses   Local 100 "})
    assert r.status_code == _expect(role, TEAM, 303)
    org = await Organization.get(id=w["group"].organization_id)
    assert (org.name == "Nurses Local 100") == (role in TEAM)
    other = await Organization.get(id=w["other"].organization_id)
    assert other.name != "Nurses Local 100"
    if role in TEAM:
        assert (await post(client, "/dashboard/settings", {"name": "x"})).status_code == 422
        assert await AuditLog.filter(action="organization.rename").count() == 1


@at(MIDDAY)
@pytest.mark.parametrize("role", ROLES)
async def test_the_organizations_time_zone(client: httpx.AsyncClient, role: Role) -> None:
    """Owners and admins set a real IANA zone (never the server's `localtime`); records, the inbox and the audit
    log then show their times in it, named; event pages keep the event's own zone."""
    w = await _as(client, role)
    org_id = w["group"].organization_id
    for zone in ("localtime", "Mars/Olympus", ""):
        r = await post(client, "/dashboard/settings", {"name": "Local 100", "timezone": zone})
        assert r.status_code == (422 if role in TEAM else 403)
        if role in TEAM:
            assert "timezone" in r.text and "IANA" in r.text
        assert (await Organization.get(id=org_id)).timezone == "America/Chicago"  # nothing written
    r = await post(client, "/dashboard/settings", {"name": "Local 100", "timezone": "Europe/Paris"})
    assert r.status_code == _expect(role, TEAM, 303)
    assert ((await Organization.get(id=org_id)).timezone == "Europe/Paris") == (role in TEAM)
    assert (await Organization.get(id=w["other"].organization_id)).timezone == "America/Chicago"
    record = (await client.get(f"/dashboard/volunteers/{w['person'].id}")).text
    # the consent given at 12:30 in Chicago: 19:30 in Paris, with the zone named; the shift keeps Chicago's zone
    assert ("Wed, Jun 10, 7:30 PM CEST" in record) == (role in TEAM)
    assert ("Wed, Jun 10, 12:30 PM CDT" in record) == (role not in TEAM)
    if role in TEAM:
        assert "CDT" in record  # the sign-up's shift, in its event's zone
        log = (await client.get("/dashboard/audit")).text
        assert "organization.timezone" in log and "CEST" in log
        event = (await client.get(f"/dashboard/events/{w['event'].id}")).text
        assert "Times in America/Chicago" in event and "CEST" not in event
