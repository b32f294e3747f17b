"""Reading sign-ups: a shift's roster page by page, one sign-up with its shift and person, and a volunteer's own
sign-ups (their page), soonest shift first."""

from __future__ import annotations

from typing import Any

from mobilize.models import (
    Signup,
    SignupStatus,
    Volunteer,
)
from mobilize.services.errors import Invalid, NotFound
from mobilize.services.pagination import Page, paginate


async def list_signups(shift_id: int, cursor: str | None, limit: int, status: str | None = None) -> Page[Signup]:
    query: Any = Signup.filter(shift_id=shift_id).prefetch_related("volunteer")
    if status:
        if status not in {s.value for s in SignupStatus}:
            raise Invalid.field("status", "not a sign-up status")
        query = query.filter(status=status)
    return await paginate(query, cursor, limit)


async def signup_with_shift(signup_id: int) -> Signup:
    signup = await Signup.get_or_none(id=signup_id).prefetch_related("shift__event", "volunteer")
    if signup is None:
        raise NotFound(f"signup {signup_id} not found")
    return signup


async def volunteer_signups(volunteer: Volunteer) -> list[Signup]:
    """Every sign-up of a volunteer (their own page), soonest shift first."""
    return (
        await Signup.filter(volunteer=volunteer)
        .prefetch_related("shift__event__group")
        .order_by("shift__starts_at", "id")
    )
