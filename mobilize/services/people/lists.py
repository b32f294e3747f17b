"""Saved lists: named filters of one organization's people (tags, a group's sign-ups, postal codes, sign-up
history), worked out again each time they are read or messaged, so a list holds whoever fits it today.
Owners, admins and organizers create, change and delete them (audited); every role that sees the
organization's people reads them (hosts: only the people of their groups' events, as everywhere)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q, Subquery
from tortoise.transactions import in_transaction

from mobilize.models import (
    SEAT_STATUSES,
    ActionGroup,
    ListHistory,
    SavedList,
    Signup,
    SignupStatus,
    TagMatch,
    VolunteerTag,
)
from mobilize.schemas import MAX_YEAR, MIN_YEAR
from mobilize.services import audit
from mobilize.services.access import MANAGER_ROLES, Actor
from mobilize.services.errors import Forbidden, Invalid, NotFound
from mobilize.services.pagination import Page, paginate
from mobilize.services.people.directory import MAX_TAGS, clean_tag, visible_people
from mobilize.times import zone

MAX_LISTS = 500
MAX_POSTAL_CODES = 50
POSTAL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 -]{0,15}$")
FIELDS = ("name", "description", "tags", "tag_match", "postal_codes", "group", "history", "since")


@dataclass(frozen=True)
class ListRules:
    """A list's name and conditions, checked (parse_rules)."""

    name: str
    description: str = ""
    tags: tuple[str, ...] = ()
    tag_match: TagMatch = TagMatch.ANY
    postal_codes: tuple[str, ...] = ()
    group_id: int | None = None
    history: ListHistory = ListHistory.ANY
    since: date | None = None


def require_list_writer(actor: Actor) -> None:
    """Creating, changing, deleting and messaging a list: owners, admins and organizers. A list spans the whole
    organization, beyond the groups a host runs."""
    if actor.role not in MANAGER_ROLES:
        raise Forbidden(f"the {actor.role.value} role cannot change or message saved lists", code="role_not_allowed")


def _split(raw: str) -> list[str]:
    return [part.strip() for part in re.split(r"[,\n]", raw) if part.strip()]


async def parse_rules(actor: Actor, values: Mapping[str, str]) -> ListRules:
    """A list's fields as a form sends them (text), checked together: Invalid names every field that is wrong."""
    errors: dict[str, str] = {}
    name = " ".join(values.get("name", "").split())
    if not 1 <= len(name) <= 200:
        errors["name"] = "give the list a name (at most 200 characters)"
    description = values.get("description", "").strip()
    if len(description) > 2000:
        errors["description"] = "at most 2,000 characters"
    tags: list[str] = []
    try:
        tags = sorted({clean_tag(t) for t in _split(values.get("tags", ""))})
        if len(tags) > MAX_TAGS:
            errors["tags"] = f"at most {MAX_TAGS} tags"
    except Invalid as exc:
        errors |= exc.fields
    match = values.get("tag_match") or TagMatch.ANY.value
    if match not in {m.value for m in TagMatch}:
        errors["tag_match"] = "any or all of the tags"
    codes = [" ".join(c.upper().split()) for c in _split(values.get("postal_codes", ""))]
    if any(not POSTAL.match(c) for c in codes):
        errors["postal_codes"] = "postal codes (or their first digits) of letters, digits, spaces and dashes"
    elif len(codes) > MAX_POSTAL_CODES:
        errors["postal_codes"] = f"at most {MAX_POSTAL_CODES} postal codes"
    group_id = None
    if slug := values.get("group", "").strip():
        group = await ActionGroup.get_or_none(organization_id=actor.organization_id, slug=slug[:64])
        if group is None:
            errors["group"] = "choose one of this organization's groups"
        else:
            group_id = group.id
    history = values.get("history") or ListHistory.ANY.value
    if history not in {h.value for h in ListHistory}:
        errors["history"] = "choose a sign-up history from the list"
    since = None
    if raw := values.get("since", "").strip():
        try:
            since = date.fromisoformat(raw)
            if not MIN_YEAR <= since.year <= MAX_YEAR:
                raise ValueError(raw)
        except ValueError:
            errors["since"] = "give a date (YYYY-MM-DD)"
    if errors:
        first = next(iter(errors))
        raise Invalid(f"{first}: {errors[first]}", fields=errors)
    return ListRules(
        name=name,
        description=description,
        tags=tuple(tags),
        tag_match=TagMatch(match),
        postal_codes=tuple(dict.fromkeys(codes)),
        group_id=group_id,
        history=ListHistory(history),
        since=since,
    )


def values_of(saved: SavedList, group_slug: str = "") -> dict[str, str]:
    """A list's fields as the form shows them."""
    return {
        "name": saved.name,
        "description": saved.description,
        "tags": ", ".join(saved.tags),
        "tag_match": str(saved.tag_match),
        "postal_codes": ", ".join(saved.postal_codes),
        "group": group_slug,
        "history": str(saved.history),
        "since": saved.since.isoformat() if saved.since else "",
    }


async def saved_lists(actor: Actor) -> list[SavedList]:
    """The organization's lists, by name, with their group loaded."""
    return (
        await SavedList.filter(organization_id=actor.organization_id)
        .order_by("name", "id")
        .limit(MAX_LISTS)
        .prefetch_related("group")
    )


async def get_list(actor: Actor, list_id: int) -> SavedList:
    """One of the organization's lists; another organization's is not found."""
    saved = await SavedList.get_or_none(id=list_id, organization_id=actor.organization_id).prefetch_related("group")
    if saved is None:
        raise NotFound(f"saved list {list_id} not found")
    return saved


def _taken() -> Invalid:
    return Invalid("name: another list has this name", fields={"name": "another list already has this name"})


def columns(rules: ListRules) -> dict[str, Any]:
    return {
        "name": rules.name,
        "description": rules.description,
        "tags": list(rules.tags),
        "tag_match": rules.tag_match,
        "postal_codes": list(rules.postal_codes),
        "group_id": rules.group_id,
        "history": rules.history,
        "since": rules.since,
    }


async def create_list(actor: Actor, rules: ListRules) -> SavedList:
    """A new list (its name unique in the organization). Audited."""
    require_list_writer(actor)
    if await SavedList.exists(organization_id=actor.organization_id, name=rules.name):
        raise _taken()
    try:
        async with in_transaction():
            saved = await SavedList.create(
                organization_id=actor.organization_id, created_by_id=actor.organizer_id or None, **columns(rules)
            )
            await audit.record(actor, "list.create", {"list": saved.id, "name": saved.name})
    except IntegrityError as exc:  # the same name, created a moment ago
        raise _taken() from exc
    return saved


async def update_list(actor: Actor, list_id: int, rules: ListRules) -> SavedList:
    """New name or conditions for a list. Audited."""
    saved = await get_list(actor, list_id)
    require_list_writer(actor)
    if await SavedList.filter(organization_id=actor.organization_id, name=rules.name).exclude(id=saved.id).exists():
        raise _taken()
    try:
        async with in_transaction():
            await SavedList.filter(id=saved.id).update(**columns(rules), updated_at=datetime.now(UTC))
            await audit.record(actor, "list.update", {"list": saved.id, "name": rules.name})
    except IntegrityError as exc:
        raise _taken() from exc
    return await get_list(actor, saved.id)


async def delete_list(actor: Actor, list_id: int) -> SavedList:
    """Delete a list (its conditions only: nobody's record changes). Audited."""
    saved = await get_list(actor, list_id)
    require_list_writer(actor)
    async with in_transaction():
        await audit.record(actor, "list.delete", {"list": saved.id, "name": saved.name})
        await saved.delete()
    return saved


def members(actor: Actor, saved: SavedList) -> Any:
    """The people the list holds now: a query on the organization's own records (a host's: their groups')."""
    query = visible_people(actor)
    if saved.tags:
        if saved.tag_match == TagMatch.ALL:
            for tag in saved.tags:
                query = query.filter(id__in=Subquery(VolunteerTag.filter(name=tag).values("volunteer_id")))
        else:
            query = query.filter(id__in=Subquery(VolunteerTag.filter(name__in=list(saved.tags)).values("volunteer_id")))
    if saved.postal_codes:
        near = Q()
        for code in saved.postal_codes:
            near |= Q(postal_code__istartswith=code)
        query = query.filter(near)
    history = ListHistory(saved.history)
    if history == ListHistory.ANY and (saved.group_id or saved.since):
        history = ListHistory.SIGNED_UP  # "the people of this group": those who signed up for its events
    if history != ListHistory.ANY:
        counted = Signup.filter(shift__event__organization_id=actor.organization_id)
        if saved.group_id:
            counted = counted.filter(shift__event__group_id=saved.group_id)
        if saved.since:
            # The day in the organization's zone, compared in UTC (SQLite compares stored times as text).
            start = datetime.combine(saved.since, time(), zone(actor.timezone)).astimezone(UTC)
            counted = counted.filter(shift__starts_at__gte=start)
        wanted = [SignupStatus.ATTENDED] if history == ListHistory.ATTENDED else list(SEAT_STATUSES)
        held = Subquery(counted.filter(status__in=wanted).values("volunteer_id"))
        query = query.exclude(id__in=held) if history == ListHistory.NEVER else query.filter(id__in=held)
    return query


async def count_members(actor: Actor, saved: SavedList) -> int:
    return int(await members(actor, saved).count())


async def member_page(actor: Actor, saved: SavedList, cursor: str | None, limit: int) -> Page[Any]:
    return await paginate(members(actor, saved), cursor, limit)


def describe(saved: SavedList) -> list[str]:
    """The list's conditions in words, one per line ('Everyone' for a list without any)."""
    lines = []
    if saved.tags:
        joined = (" and " if saved.tag_match == TagMatch.ALL else " or ").join(saved.tags)
        lines.append(f"Tagged {joined}")
    if saved.postal_codes:
        lines.append("Postal code starting " + " or ".join(saved.postal_codes))
    history = ListHistory(saved.history)
    where = f" for {saved.group.name}'s events" if saved.group_id and saved.group else " for any event"
    since = f" since {saved.since:%b} {saved.since.day}, {saved.since.year}" if saved.since else ""
    if history == ListHistory.ATTENDED:
        lines.append(f"Came at least once{where}{since}")
    elif history == ListHistory.NEVER:
        lines.append(f"Never signed up{where}{since}")
    elif history == ListHistory.SIGNED_UP or saved.group_id or saved.since:
        lines.append(f"Signed up at least once{where}{since}")
    return lines or ["Everyone in the organization"]
