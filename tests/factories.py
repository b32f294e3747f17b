"""Factories: build rows the way the services do, with sensible defaults."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from mobilize.models import (
    ActionGroup,
    Campaign,
    Channel,
    Event,
    Membership,
    Message,
    MessageKind,
    Organization,
    Role,
    Shift,
    Signup,
    SignupSource,
    SignupStatus,
    SmsStatus,
    Volunteer,
)
from mobilize.services.accounts.organizers import actor_for_membership, create_organizer
from mobilize.services.events.shifts import new_shift_code

_counter = {"n": 0}


def _next() -> int:
    _counter["n"] += 1
    return _counter["n"]


async def make_organizer(
    org: str = "local-100", role: Role = Role.OWNER, groups: list[str] | None = None, email: str | None = None
) -> tuple[Membership, str]:
    """An organizer with a role in `org` (created if new); returns the membership and an API token."""
    return await create_organizer(
        email=email or f"organizer{_next()}@example.org",
        name="Test Organizer",
        org_slug=org,
        role=role,
        password="correct horse battery staple",
        group_slugs=groups,
    )


async def make_organization(slug: str | None = None) -> Organization:
    """An organization without organizers (a home for people made directly)."""
    slug = slug or f"org-{_next()}"
    org, _ = await Organization.get_or_create(slug=slug, defaults={"name": slug.replace("-", " ").title()})
    return org


async def make_person(organization: Organization | int | None = None, **fields: Any) -> Volunteer:
    """One organization's record of a person (a fresh organization's when none is given)."""
    if organization is None:
        organization = await make_organization()
    org_id = organization if isinstance(organization, int) else organization.id
    now = datetime.now(UTC)
    values: dict[str, Any] = {
        "manage_token": secrets.token_urlsafe(16),
        "feed_token": secrets.token_urlsafe(16),
        "manage_token_seen_at": now,
        "feed_token_seen_at": now,
    }
    values.update(fields)
    return await Volunteer.create(organization_id=org_id, **values)


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def make_group(membership: Membership, slug: str | None = None, postal_code: str = "60614") -> ActionGroup:
    from mobilize.services.events.groups import _geocode

    group = ActionGroup(
        organization_id=membership.organization_id,  # type: ignore[attr-defined]
        slug=slug or f"group-{_next()}",
        name="Test Group",
        postal_code=postal_code,
    )
    _geocode(group)
    await group.save()
    return group


async def make_campaign(membership: Membership, slug: str | None = None) -> Campaign:
    return await Campaign.create(
        organization_id=membership.organization_id,  # type: ignore[attr-defined]
        slug=slug or f"campaign-{_next()}",
        name="Day of Action",
    )


def soon(hours: float = 24) -> datetime:
    return (datetime.now(UTC) + timedelta(hours=hours)).replace(microsecond=0)


async def make_event(
    group: ActionGroup,
    *,
    campaign: Campaign | None = None,
    title: str = "Picket at the gate",
    visibility: str = "public",
    timezone: str = "America/Chicago",
    postal_code: str = "60614",
    lat: float | None = 41.9229,
    lon: float | None = -87.6483,
    **extra: Any,
) -> Event:
    return await Event.create(
        organization_id=group.organization_id,  # type: ignore[attr-defined]
        group=group,
        campaign=campaign,
        title=title,
        event_type=extra.pop("event_type", "picket"),
        timezone=timezone,
        visibility=visibility,
        postal_code=postal_code,
        lat=lat,
        lon=lon,
        city="Chicago",
        region="IL",
        **extra,
    )


async def make_shift(
    event: Event, capacity: int = 10, starts_at: datetime | None = None, hours: float = 3, target: int | None = None
) -> Shift:
    starts_at = starts_at or soon()
    return await Shift.create(
        event=event,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=hours),
        capacity=capacity,
        target=capacity if target is None else target,
        code=new_shift_code(),
    )


async def start_shift(shift: Shift, minutes_ago: float = 30) -> Shift:
    """Move a shift (keeping its length) so that it started `minutes_ago`: attendance can be recorded."""
    length = shift.ends_at - shift.starts_at
    shift.starts_at = (datetime.now(UTC) - timedelta(minutes=minutes_ago)).replace(microsecond=0)
    shift.ends_at = shift.starts_at + length
    await Shift.filter(id=shift.id).update(starts_at=shift.starts_at, ends_at=shift.ends_at)
    return shift


async def make_world(org: str = "local-100", capacity: int = 10) -> dict[str, Any]:
    """An organization with an owner token, a group, a campaign, a public event and one shift."""
    membership, token = await make_organizer(org)
    group = await make_group(membership)
    campaign = await make_campaign(membership)
    event = await make_event(group, campaign=campaign)
    shift = await make_shift(event, capacity=capacity)
    actor = await actor_for_membership(membership)
    return {
        "membership": membership,
        "token": token,
        "headers": auth(token),
        "group": group,
        "campaign": campaign,
        "event": event,
        "shift": shift,
        "actor": actor,
    }


async def seed_due_reminders(
    count: int, *, shifts: int = 10, due: datetime | None = None, org: str = "local-100"
) -> list[int]:
    """`count` people signed up (SMS opted in) across `shifts` shifts two days away, each with a "starts
    soon" SMS reminder due at `due` (now by default), written in bulk as planning would. Returns the
    reminder ids."""
    world = await make_world(org=org, capacity=count)
    event = world["event"]
    spots = [world["shift"]] + [await make_shift(event, capacity=count, starts_at=soon(48)) for _ in range(shifts - 1)]
    due = due or datetime.now(UTC)
    tag = _next()
    chunk = 5000
    ids: list[int] = []
    for first in range(0, count, chunk):
        numbers = range(first, min(count, first + chunk))
        await Volunteer.bulk_create(
            [
                Volunteer(
                    organization_id=event.organization_id,
                    name=f"Volunteer {i}",
                    phone=f"+1{312 + tag % 600}{2000000 + i:07d}",
                    sms_status=SmsStatus.OPTED_IN,
                    manage_token=secrets.token_urlsafe(24),
                    feed_token=secrets.token_urlsafe(24),
                )
                for i in numbers
            ]
        )
        people = await Volunteer.filter(phone__in=[f"+1{312 + tag % 600}{2000000 + i:07d}" for i in numbers]).order_by(
            "id"
        )
        await Signup.bulk_create(
            [
                Signup(
                    shift=spots[i % len(spots)],
                    volunteer=person,
                    holder=spots[i % len(spots)].id,
                    status=SignupStatus.SIGNED_UP,
                    source=SignupSource.API,
                )
                for i, person in zip(numbers, people, strict=True)
            ]
        )
        seats = await Signup.filter(volunteer_id__in=[p.id for p in people]).select_related("shift", "volunteer")
        await Message.bulk_create(
            [
                Message(
                    organization_id=event.organization_id,
                    volunteer_id=seat.volunteer_id,
                    signup_id=seat.id,
                    channel=Channel.SMS,
                    kind=MessageKind.REMINDER_SOON,
                    to_address=seat.volunteer.phone,
                    body="Local 100: Picket at the gate starts at 06:00 at the north gate. Reply STOP to opt out.",
                    due_at=due,
                    expires_at=seat.shift.starts_at,
                    dedupe_key=f"seed:{seat.id}:reminder_soon",
                )
                for seat in seats
            ]
        )
        ids += [int(i) for i in await Message.filter(signup_id__in=[s.id for s in seats]).values_list("id", flat=True)]
    return ids


def volunteer_body(n: int = 1, **extra: Any) -> dict[str, Any]:
    body = {"name": f"Volunteer {n}", "phone": f"+1312555{n:04d}", "email": f"v{n}@example.org"}
    body.update(extra)
    return {"volunteer": body}
