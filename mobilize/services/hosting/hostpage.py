"""The host's own page, behind their private link: their event only. They change its place and its shifts'
times (the people signed up are told, as for an organizer's change, and so are the moderators), see the roster
(first name and last initial; phone or email only of people who agreed to share them with the host), message
the people signed up through the outbox, check them in, and read the event's turnout.

The host acts through an `Actor` of role host limited to the event's group, which the event rules already
know; every id the host sends (a shift, a sign-up) is checked against their own event first, so the link never
reaches another event, even one of the same group."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tortoise.functions import Count
from tortoise.transactions import in_transaction

from mobilize.models import (
    ConsentAction,
    ConsentChannel,
    ConsentRecord,
    Event,
    EventStatus,
    HostedEvent,
    Role,
    Shift,
    Signup,
    SignupStatus,
    Volunteer,
)
from mobilize.schemas import BlastIn, EventPatch, ShiftPatch
from mobilize.services import events
from mobilize.services.access import Actor
from mobilize.services.errors import Invalid, NotFound
from mobilize.services.hosting import mail
from mobilize.services.hosting.links import HostLinks, rotate_page_token
from mobilize.services.hosting.policy import open_campaign
from mobilize.services.hosting.schemas import PlaceTimeIn
from mobilize.services.outbox import blasts
from mobilize.services.people import ConsentContext, normalize_email, record_consent
from mobilize.services.signups import attendance

SHARE_WORDS = "Share my phone number and email with the host of this event, so they can reach me about it."
OPEN_STATUSES = (EventStatus.PENDING, EventStatus.SCHEDULED)  # a host may still change the event


def host_actor(event: Event) -> Actor:
    """The host, acting on their own event (no organizer account: organizer_id 0)."""
    return Actor(
        organizer_id=0,
        organization_id=event.organization_id,
        organization_slug=event.organization.slug,
        role=Role.HOST,
        group_ids=frozenset({event.group_id}),
        timezone=event.organization.timezone,
    )


def short_name(name: str) -> str:
    """'Rosa Parks' -> 'Rosa P.': what a volunteer host sees of the people signed up."""
    parts = name.split()
    if not parts:
        return "(no name)"
    return parts[0] if len(parts) == 1 else f"{parts[0]} {parts[-1][0]}."


def share_source(event_id: int) -> str:
    return f"share_host:{event_id}"


async def record_share_consent(volunteer: Volunteer, event_id: int, ip: str = "", user_agent: str = "") -> None:
    """A person signing up for a hosted event ticked "share my contact with the host" (the exact words kept)."""
    await record_consent(
        volunteer, ConsentChannel.SHARE_WITH_HOST, ConsentAction.GRANTED,
        ConsentContext(source=share_source(event_id), words=SHARE_WORDS, ip=ip, user_agent=user_agent),
    )  # fmt: skip


async def sharing(event: Event, volunteer_ids: list[int]) -> set[int]:
    """The people (of the event's organization) whose latest word on sharing with this event's host is yes."""
    rows = await ConsentRecord.filter(
        organization_id=event.organization_id, volunteer_id__in=volunteer_ids,
        channel=ConsentChannel.SHARE_WITH_HOST, source=share_source(event.id),
    ).order_by("id").values("volunteer_id", "action")  # fmt: skip
    latest: dict[int, str] = {}
    for row in rows:
        latest[row["volunteer_id"]] = row["action"]
    return {vid for vid, action in latest.items() if action == ConsentAction.GRANTED}


@dataclass(frozen=True)
class RosterRow:
    signup_id: int
    shift_id: int
    name: str
    status: str
    phone: str | None
    email: str | None


async def host_view(hosted: HostedEvent) -> dict[str, Any]:
    """The event with its shifts, the roster as a host may see it, and the turnout."""
    event: Event = hosted.event
    await events.load_shifts([event])
    signups = await Signup.filter(shift__event_id=event.id).prefetch_related("volunteer").order_by("shift_id", "id")
    shared = await sharing(event, [s.volunteer_id for s in signups])
    roster = [
        RosterRow(
            signup_id=s.id,
            shift_id=s.shift_id,
            name=short_name(s.volunteer.name),
            status=str(s.status),
            phone=s.volunteer.phone if s.volunteer_id in shared else None,
            email=s.volunteer.email if s.volunteer_id in shared else None,
        )  # fmt: skip
        for s in signups
    ]
    return {"event": event, "hosted": hosted, "roster": roster, "turnout": await event_turnout(event.id)}


async def event_turnout(event_id: int) -> dict[str, Any]:
    rows = (
        await Signup.filter(shift__event_id=event_id)
        .annotate(n=Count("id"))
        .group_by("status")
        .values_list("status", "n")
    )
    by = {str(status): n for status, n in rows}
    held = sum(n for s, n in by.items() if s not in (SignupStatus.CANCELLED, SignupStatus.WAITLISTED))
    attended, no_show = by.get(SignupStatus.ATTENDED, 0), by.get(SignupStatus.NO_SHOW, 0)
    decided = attended + no_show
    return {
        "signups": held, "attended": attended, "no_show": no_show, "waitlisted": by.get(SignupStatus.WAITLISTED, 0),
        "show_rate": round(attended / decided, 4) if decided else None,
    }  # fmt: skip


async def edit_place_and_time(hosted: HostedEvent, data: PlaceTimeIn, links: HostLinks) -> list[int]:
    """Change the place and the shifts' times, all or nothing; returns the sign-ups told. The people signed
    up, and (for an approved event) the moderators, are told in the same transaction."""
    event: Event = hosted.event
    if event.status not in OPEN_STATUSES:
        raise Invalid.field("event", f"a {event.status} event cannot be changed")
    actor = host_actor(event)
    own = set(await Shift.filter(event_id=event.id).values_list("id", flat=True))
    for i, change in enumerate(data.shifts):
        if change.id not in own:
            raise Invalid.field(f"shifts.{i}.id", "not a shift of this event")
    patch = data.model_dump(exclude_unset=True, exclude={"shifts"})
    told: list[int] = []
    async with in_transaction():
        before = await Event.get(id=event.id)
        rows = await Shift.filter(event_id=event.id).values_list("id", "starts_at", "ends_at")
        times = {i: (a, b) for i, a, b in rows}
        if patch:
            _, tell = await events.update_event(actor, event.id, EventPatch.model_validate(patch))
            told += tell
        moved = False
        for change in data.shifts:
            shift_patch = ShiftPatch(starts_at=change.starts_at, ends_at=change.ends_at)
            _, shift_change = await events.update_shift(actor, change.id, shift_patch)
            told += shift_change.tell
            moved |= times[change.id] != (change.starts_at, change.ends_at)
        after = await Event.get(id=event.id)
        significant = after.sequence != before.sequence or moved
        if significant and event.status == EventStatus.SCHEDULED:
            await mail.tell_moderators(
                event, links, f"Host changed: {event.title}",
                f"{hosted.host_name}, who hosts this approved event, changed its time or place.",
                f"hosting:edited:{hosted.id}:{datetime.now(UTC).isoformat()}",
            )  # fmt: skip
        elif significant and hosted.decision == "changes_requested":
            await HostedEvent.filter(id=hosted.id).update(decision="changed")
            await mail.tell_moderators(
                event, links, f"Proposal changed: {event.title}",
                f"{hosted.host_name} changed the proposal you asked changes of.",
                f"hosting:changed:{hosted.id}:{datetime.now(UTC).isoformat()}",
            )  # fmt: skip
    return sorted(set(told))


async def message_signups(hosted: HostedEvent, data: BlastIn, idempotency_key: str | None = None) -> blasts.BlastResult:
    """The host's message to the people signed up, through the outbox: quiet hours, opt-outs and consent
    apply, and the organization's name and the STOP line are added, as for an organizer's message."""
    event: Event = hosted.event
    if event.status != EventStatus.SCHEDULED:
        raise Invalid.field("event", "only an approved event's people can be messaged")
    return await blasts.blast_event(host_actor(event), event.id, data, idempotency_key=idempotency_key)


async def mark_attendance(hosted: HostedEvent, signup_id: int, status: SignupStatus | None) -> Signup:
    """Attended or no-show for someone on the host's own event; any other sign-up is NotFound."""
    event: Event = hosted.event
    if event.status != EventStatus.SCHEDULED:
        raise Invalid.field("event", "only an approved event's people can be checked in")
    if not await Signup.exists(id=signup_id, shift__event_id=event.id):
        raise NotFound(f"signup {signup_id} not found")
    return await attendance.record_attendance(host_actor(event), signup_id, status)


async def renew_page_link(hosted: HostedEvent, links: HostLinks) -> None:
    """A new host page link, emailed to the host in the same transaction; the old one stops working."""
    async with in_transaction():
        token = await rotate_page_token(hosted)
        await mail.host_page(hosted, hosted.event, token, links, "Here is a new link to your host page.")


async def is_hosted(event_id: int) -> bool:
    """Whether a volunteer hosts this event (its sign-up form offers to share one's contact with the host)."""
    return await HostedEvent.exists(event_id=event_id)


async def resend_page_links(org_slug: str, campaign_slug: str, email: str, links: HostLinks) -> int:
    """A host lost (or let expire) their page link: each event they host in this campaign, under the email
    they proved, gets a new link emailed to that address. Returns how many (the caller says the same either
    way: a typed email proves nothing until the link is opened)."""
    campaign, _ = await open_campaign(org_slug, campaign_slug)
    try:
        address = normalize_email(email)
    except ValueError as exc:
        raise Invalid.field("email", str(exc)) from exc
    hosted = await HostedEvent.filter(
        campaign_id=campaign.id, host_email=address, verified_at__not_isnull=True
    ).prefetch_related("event__organization")
    for one in hosted:
        await renew_page_link(one, links)
    return len(hosted)
