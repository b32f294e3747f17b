"""Volunteers as an organization sees them: only people it has a relationship with."""

from __future__ import annotations

from typing import Any

from tortoise.expressions import Q

from mobilize.models import Volunteer
from mobilize.services.access import Actor
from mobilize.services.errors import NotFound
from mobilize.services.pagination import Page, paginate


def _visible(actor: Actor) -> Any:
    query = Volunteer.filter(relationships__organization_id=actor.organization_id)
    if actor.is_host:  # hosts see the people of their own groups' events
        query = query.filter(signups__shift__event__group_id__in=list(actor.group_ids)).distinct()
    return query


async def list_volunteers(actor: Actor, cursor: str | None, limit: int, search: str | None = None) -> Page[Volunteer]:
    query = _visible(actor)
    if search:
        term = search.strip()
        query = query.filter(Q(name__icontains=term) | Q(email__icontains=term.lower()) | Q(phone__contains=term))
    return await paginate(query, cursor, limit)


async def get_volunteer(actor: Actor, volunteer_id: int) -> Volunteer:
    volunteer = await _visible(actor).get_or_none(id=volunteer_id)
    if volunteer is None:
        raise NotFound(f"volunteer {volunteer_id} not found")
    return volunteer
