"""The audit log of sensitive actions (exports of volunteer data): who, what, when, with which filters."""

from __future__ import annotations

from typing import Any

from mobilize.models import AuditLog
from mobilize.services.access import Actor
from mobilize.services.errors import Forbidden


def require_export(actor: Actor) -> None:
    """Bulk exports of volunteer data are their own permission (owners and admins have it by default)."""
    if not actor.can_export:
        raise Forbidden("exporting volunteer data needs the export permission", code="export_not_allowed")


async def record(actor: Actor, action: str, detail: dict[str, Any]) -> AuditLog:
    return await AuditLog.create(
        organization_id=actor.organization_id, organizer_id=actor.organizer_id, action=action, detail=detail
    )


async def entries(actor: Actor, limit: int = 100) -> list[AuditLog]:
    return (
        await AuditLog.filter(organization_id=actor.organization_id)
        .order_by("-id")
        .limit(limit)
        .prefetch_related("organizer")
    )
