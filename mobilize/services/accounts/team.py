"""An organization's team: who has a role in it, changing a role, removing someone, and sending a pending
invitation again. Owners and admins manage the team; only an owner touches an owner; an organization always
keeps at least one owner. Every change is audited."""

from __future__ import annotations

from datetime import UTC, datetime

from tortoise.transactions import in_transaction

from mobilize.models import ActionGroup, Membership, Organization, OrganizerInvitation, Role
from mobilize.schemas import check_zone
from mobilize.services import audit
from mobilize.services.access import Actor
from mobilize.services.accounts.onboarding import INVITERS, invite
from mobilize.services.errors import Conflict, Forbidden, Invalid, NotFound


async def members(actor: Actor) -> list[Membership]:
    """Everyone with a role here, owners first, with their organizer and (hosts) groups loaded."""
    rows = await Membership.filter(organization_id=actor.organization_id).prefetch_related("organizer", "groups")
    order = list(Role)
    return sorted(rows, key=lambda m: (order.index(Role(m.role)), m.organizer.name.lower()))


def require_manager(actor: Actor) -> None:
    """Team changes, and reading the audit log: owners and admins."""
    if actor.role not in INVITERS:
        raise Forbidden("only owners and admins manage the team", code="role_not_allowed")


async def _member(actor: Actor, membership_id: int) -> Membership:
    require_manager(actor)
    membership = await Membership.get_or_none(id=membership_id, organization_id=actor.organization_id)
    if membership is None:
        raise NotFound(f"team member {membership_id} not found")
    if Role(membership.role) == Role.OWNER and actor.role != Role.OWNER:
        raise Forbidden("only an owner can change or remove an owner", code="role_not_allowed")
    return membership


async def _keeps_an_owner(actor: Actor, membership: Membership) -> None:
    if Role(membership.role) != Role.OWNER:
        return
    others = await Membership.filter(organization_id=actor.organization_id, role=Role.OWNER).exclude(id=membership.id)
    if not others:
        raise Conflict("the organization needs another owner first", code="last_owner")


async def set_role(actor: Actor, membership_id: int, role: Role) -> Membership:
    """A new role (a host keeps the groups they run; another role ignores them)."""
    membership = await _member(actor, membership_id)
    if role == Role.OWNER and actor.role != Role.OWNER:
        raise Forbidden("only an owner can make someone an owner", code="role_not_allowed")
    if role == Role.HOST and not await membership.groups.all().count():
        raise Invalid.field("role", "a host runs chosen groups: invite them again as a host to choose them")
    if role != Role(membership.role):
        await _keeps_an_owner(actor, membership)
        async with in_transaction():
            before = membership.role
            membership.role = role
            await membership.save(update_fields=["role"])
            await audit.record(actor, "team.role", {"membership": membership.id, "from": str(before), "to": role.value})
    return membership


async def remove(actor: Actor, membership_id: int) -> Membership:
    """Take someone off the team: their role, their API tokens and their sessions here end at once."""
    membership = await _member(actor, membership_id)
    await _keeps_an_owner(actor, membership)
    await membership.fetch_related("organizer")
    async with in_transaction():
        await audit.record(
            actor,
            "team.remove",
            {"membership": membership.id, "email": membership.organizer.email, "role": str(membership.role)},
        )
        await membership.delete()  # its API tokens go with it (cascade); a session naming it finds nothing
    return membership


async def resend_invitation(actor: Actor, invitation_id: int, link: str) -> tuple[OrganizerInvitation, int]:
    """A fresh invitation (new link, new expiry) with the same role and groups; the old link stops working."""
    require_manager(actor)
    old = await OrganizerInvitation.get_or_none(
        id=invitation_id, organization_id=actor.organization_id, accepted_at=None
    )
    if old is None:
        raise NotFound(f"invitation {invitation_id} not found")
    mine = ActionGroup.filter(organization_id=actor.organization_id, id__in=old.group_ids or [])
    slugs = await mine.values_list("slug", flat=True)
    async with in_transaction():
        await OrganizerInvitation.filter(id=old.id).update(expires_at=datetime.now(UTC))
        fresh, message_id = await invite(
            actor, old.email, Role(old.role), [str(s) for s in slugs], old.can_export, link
        )
        await audit.record(actor, "team.reinvite", {"invitation": fresh.id, "replaces": old.id})
    return fresh, message_id


async def organization(actor: Actor) -> Organization:
    return await Organization.get(id=actor.organization_id)


async def update_settings(actor: Actor, name: str, zone: str) -> Organization:
    """The organization's display name (what texts start with and emails are signed with) and its time zone
    (where its pages show times no event decides). Owners and admins; both checked before either is saved;
    audited with what changed."""
    require_manager(actor)
    name = " ".join(name.split())
    zone = zone.strip()
    problems: dict[str, str] = {}
    if not 2 <= len(name) <= 200:
        problems["name"] = "give a name of 2 to 200 characters"
    try:
        check_zone(zone)
    except ValueError:
        problems["timezone"] = "give an IANA time zone such as America/Chicago or Europe/Paris"
    if problems:
        raise Invalid(f"{next(iter(problems))}: {next(iter(problems.values()))}", fields=problems)
    org = await organization(actor)
    async with in_transaction():
        if name != org.name:
            await audit.record(actor, "organization.rename", {"from": org.name, "to": name})
        if zone != org.timezone:
            await audit.record(actor, "organization.timezone", {"from": org.timezone, "to": zone})
        if (name, zone) != (org.name, org.timezone):
            org.name, org.timezone = name, zone
            await org.save(update_fields=["name", "timezone"])
    return org
