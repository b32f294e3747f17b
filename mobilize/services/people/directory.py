"""An organization's people as its organizers see and manage them: only its own records (hosts: the people of
their groups' events), searched and filtered by tag, created and edited by hand."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from mobilize.models import EmailStatus, SmsStatus, Volunteer, VolunteerTag
from mobilize.services import audit
from mobilize.services.access import MANAGER_ROLES, WRITER_ROLES, Actor
from mobilize.services.errors import Conflict, Forbidden, Invalid, NotFound
from mobilize.services.pagination import Page, paginate
from mobilize.services.people.consent import blocked_on_sender_of
from mobilize.services.people.records import Contact, may_collide, new_volunteer

TAG = re.compile(r"^[\w][\w .:/+-]{0,63}$")
MAX_TAGS = 50
MAX_NOTES = 10_000


def visible_people(actor: Actor) -> Any:
    """The organization's records of people this actor sees (a query)."""
    query = Volunteer.filter(organization_id=actor.organization_id)
    if actor.is_host:  # hosts see the people of their own groups' events
        query = query.filter(signups__shift__event__group_id__in=list(actor.group_ids)).distinct()
    return query


def may_act_for_volunteers(actor: Actor) -> bool:
    """Owners, admins and organizers act for a person (their manage link, edits); hosts and viewers do not."""
    return actor.role in MANAGER_ROLES


def _require_editor(actor: Actor) -> None:
    # Writers (hosts too, within the people of their groups' events); viewers read only.
    if actor.role not in WRITER_ROLES:
        raise Forbidden(f"the {actor.role.value} role cannot edit people's records", code="role_not_allowed")


async def list_volunteers(
    actor: Actor, cursor: str | None, limit: int, search: str | None = None, tag: str | None = None
) -> Page[Volunteer]:
    query = visible_people(actor)
    if search:
        term = search.strip()
        query = query.filter(Q(name__icontains=term) | Q(email__icontains=term.lower()) | Q(phone__contains=term))
    if tag is not None:
        query = query.filter(tags__name=clean_tag(tag)).distinct()
    return await paginate(query, cursor, limit)


async def get_volunteer(actor: Actor, volunteer_id: int) -> Volunteer:
    volunteer = await visible_people(actor).get_or_none(id=volunteer_id)
    if volunteer is None:
        raise NotFound(f"volunteer {volunteer_id} not found")
    return volunteer


async def tags_of(volunteer_ids: list[int]) -> dict[int, list[str]]:
    """Each record's tags, sorted (one query for a page of records)."""
    found: dict[int, list[str]] = {v: [] for v in volunteer_ids}
    if volunteer_ids:
        rows = (
            await VolunteerTag.filter(volunteer_id__in=volunteer_ids)
            .order_by("name")
            .values_list("volunteer_id", "name")
        )
        for volunteer_id, name in rows:
            found[volunteer_id].append(name)
    return found


def clean_tag(raw: object) -> str:
    if not isinstance(raw, str) or not TAG.match(raw.strip()):
        raise Invalid.field("tags", "each tag: 1 to 64 letters, digits, spaces or . : / + - _")
    return raw.strip().lower()


@dataclass(frozen=True)
class Changes:
    """What an organizer sets on a record (None: leave as is). Contact fields come normalized."""

    name: str | None = None
    phone: str | None = None
    email: str | None = None
    postal_code: str | None = None
    notes: str | None = None
    member_id: str | None = None
    tags: list[str] | None = None
    clear: frozenset[str] = frozenset()  # nullable fields set to null (phone, email, member_id)


async def _set_tags(volunteer_id: int, tags: list[str]) -> None:
    wanted = sorted({clean_tag(t) for t in tags})
    if len(wanted) > MAX_TAGS:
        raise Invalid.field("tags", f"at most {MAX_TAGS}")
    await VolunteerTag.filter(volunteer_id=volunteer_id, name__not_in=wanted).delete()
    have = set(await VolunteerTag.filter(volunteer_id=volunteer_id).values_list("name", flat=True))
    new = [VolunteerTag(volunteer_id=volunteer_id, name=t) for t in wanted if t not in have]
    if new:
        await VolunteerTag.bulk_create(new)


def _unique_clash(field: str) -> Conflict:
    return Conflict(
        f"another of this organization's people already has this {field.replace('_', ' ')}",
        code="duplicate_volunteer",
        fields={field: "already another record's"},
    )


async def _check_unique(actor: Actor, changes: Changes, volunteer_id: int | None) -> None:
    mine = Volunteer.filter(organization_id=actor.organization_id)
    if volunteer_id is not None:
        mine = mine.exclude(id=volunteer_id)
    for field in ("phone", "email", "member_id"):
        value = getattr(changes, field)
        if value and await mine.filter(**{field: value}).exists():
            raise _unique_clash(field)


async def create_volunteer(actor: Actor, changes: Changes) -> Volunteer:
    """A record entered by hand (a person met at the door, a member list). Needs a phone or an email, unique
    within the organization. No consent is implied: texts need the person's own opt-in. Audited."""
    _require_editor(actor)
    if not changes.phone and not changes.email:
        raise Invalid("volunteer: a phone or an email is required", fields={"phone": "phone or email required"})
    await _check_unique(actor, changes, None)
    contact = Contact(
        name=changes.name or "", phone=changes.phone, email=changes.email, postal_code=changes.postal_code or ""
    )
    blocked = bool(changes.phone) and await blocked_on_sender_of(actor.organization_id, changes.phone or "")
    volunteer = new_volunteer(contact, actor.organization_id, source="api", sms_blocked=blocked)
    volunteer.notes = changes.notes or ""
    volunteer.member_id = changes.member_id or None
    try:
        async with in_transaction():
            await volunteer.save(force_create=True)
            await _set_tags(volunteer.id, changes.tags or [])
            await audit.record(actor, "volunteer.create", {"volunteer": volunteer.id})
    except IntegrityError as exc:  # created a moment ago by a concurrent request
        raise _unique_clash("phone" if changes.phone else "email") from exc
    return volunteer


async def update_volunteer(actor: Actor, volunteer_id: int, changes: Changes) -> Volunteer:
    """Change the organization's record of a person (name, contact, notes, tags, member id). A new phone
    starts without SMS consent (the old number's consent was not given for it). Audited with what changed."""
    _require_editor(actor)
    volunteer = await get_volunteer(actor, volunteer_id)
    await _check_unique(actor, changes, volunteer.id)
    updates: dict[str, Any] = {}
    for field in ("name", "postal_code", "notes", "member_id", "phone", "email"):
        value = getattr(changes, field)
        if value is not None and value != getattr(volunteer, field):
            updates[field] = value
    for field in changes.clear:
        if getattr(volunteer, field) is not None:
            updates[field] = None
    if "phone" in updates:
        updates["sms_status"] = SmsStatus.UNKNOWN
        updates["sms_blocked"] = bool(updates["phone"]) and await blocked_on_sender_of(
            actor.organization_id, updates["phone"]
        )
    if "email" in updates:
        updates["email_status"] = EmailStatus.OK if updates["email"] else EmailStatus.UNKNOWN
    if not (volunteer.phone if "phone" not in updates else updates["phone"]) and not (
        volunteer.email if "email" not in updates else updates["email"]
    ):
        raise Invalid("volunteer: a phone or an email is required", fields={"phone": "phone or email required"})
    tagged = {"tags"} if changes.tags is not None else set()
    try:
        async with in_transaction():
            if updates:
                async with may_collide():
                    await Volunteer.filter(id=volunteer.id).update(**updates)
            if changes.tags is not None:
                await _set_tags(volunteer.id, changes.tags)
            await audit.record(
                actor,
                "volunteer.update",
                {"volunteer": volunteer.id, "fields": sorted(set(updates) | tagged)},
            )
    except IntegrityError as exc:
        raise _unique_clash("phone") from exc
    await volunteer.refresh_from_db()
    return volunteer
