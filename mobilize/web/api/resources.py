"""The shapes of API answers, for the OpenAPI document.

The serializers build plain dicts (fast, no second validation); these models only describe them. The test suite
checks real answers against the schemas generated from here, so the two cannot drift apart unnoticed. Extra keys
are allowed: adding a field to an answer is not a breaking change for clients.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from mobilize.models import (
    EmailStatus,
    EventStatus,
    EventType,
    GapAnswer,
    ShiftStatus,
    SignupSource,
    SignupStatus,
    SmsStatus,
    Visibility,
)
from mobilize.web.api import coalition_resources, hosting_resources, strike_resources
from mobilize.web.api.coalition_resources import CampaignRef, OrganizationRef


class Group(BaseModel):
    """An action group: a local group of an organization that hosts events."""

    id: int
    slug: str
    name: str
    organization: str = Field(description="the organization's slug")
    description: str
    postal_code: str
    created_at: datetime | None = None


class Campaign(BaseModel):
    """A frame around many events (a day of action, strike support)."""

    id: int
    slug: str
    name: str
    description: str
    organization: str = Field(description="the organization's slug")
    starts_on: date | None
    ends_on: date | None
    created_at: datetime | None = None


class Location(BaseModel):
    venue: str
    address: str
    city: str
    region: str
    postal_code: str
    country: str = Field(description="ISO 3166-1 alpha-2")
    lat: float | None
    lon: float | None


class ShiftCounts(BaseModel):
    """Sign-ups on the shift, per status."""

    signed_up: int
    confirmed: int
    waitlisted: int
    cancelled: int
    attended: int
    no_show: int


class Shift(BaseModel):
    """A time slot of an event, with a cap (capacity) and how many people it needs (target)."""

    id: int
    event: int
    starts_at: datetime = Field(description="in the event's time zone")
    ends_at: datetime = Field(description="in the event's time zone")
    capacity: int
    target: int
    code: str = Field(description="short code for JOIN <code> by SMS")
    status: ShiftStatus
    counts: ShiftCounts | None


class Reminder(BaseModel):
    kind: Literal["day_before", "soon"] = Field(
        description="day_before asks YES/NO; soon gives the time, place and instructions"
    )
    minutes_before: int = Field(description="before the shift starts (15 to 20160); texts avoid quiet hours")


class Event(BaseModel):
    id: int
    title: str
    description: str
    instructions: str = Field(description="shown to people signed up, never on public pages")
    event_type: EventType
    group: str = Field(description="the group's slug")
    organization: OrganizationRef = Field(description="the host: the organization whose event this is")
    campaign: CampaignRef | None
    timezone: str = Field(description="IANA time zone; every time of the event is given in it")
    location: Location
    virtual_url: str
    address_after_signup: bool = Field(description="street address shown to people signed up only")
    reminders: list[Reminder] | None = Field(
        description="the reminder timeline before each shift; null: the default (1440 and 120 minutes before)"
    )
    visibility: Visibility
    status: EventStatus
    strike: int | None = Field(default=None, description="the strike this picket event is a line of")
    shifts: list[Shift]
    url: str = Field(description="the public event page")
    ics_url: str = Field(description="the event's iCalendar feed")
    created_at: datetime
    updated_at: datetime


class PublicShift(BaseModel):
    id: int
    event: int
    starts_at: datetime
    ends_at: datetime
    capacity: int
    target: int
    code: str
    status: ShiftStatus
    seats_left: int
    signup_url: str = Field(description="POST a sign-up here, without a token")


class PublicEvent(BaseModel):
    """An event as anyone may see it: no instructions, no per-status counts."""

    id: int
    title: str
    description: str
    event_type: EventType
    group: str
    organization: OrganizationRef = Field(description="the host organization")
    campaign: CampaignRef | None
    timezone: str
    location: Location
    virtual_url: str
    visibility: Visibility
    status: EventStatus
    shifts: list[PublicShift]
    url: str
    ics_url: str
    distance_km: float | None = Field(description="from the `near` postal code, when given")


class Volunteer(BaseModel):
    """This organization's own record of a person (contact details are left out of public answers).
    `sms_status` is `opted_out` also when the number stopped the sender the organization texts from."""

    id: int
    name: str
    phone: str | None = Field(default=None, description="E.164")
    email: str | None = None
    postal_code: str | None = None
    sms_status: SmsStatus | None = None
    email_status: EmailStatus | None = None
    notes: str | None = None
    member_id: str | None = Field(default=None, description="union card or badge number, unique in the organization")
    tags: list[str] | None = None
    manage_url: str | None = Field(
        default=None, description="the volunteer's own page; only for owners, admins and organizers"
    )
    created_at: datetime | None = None


class Signup(BaseModel):
    id: int
    shift: int
    volunteer: Volunteer
    status: SignupStatus
    source: SignupSource
    referrer: str
    created_at: datetime
    manage_url: str | None = Field(
        description="the volunteer's own page to see, confirm or drop their shifts; only for owners, admins and "
        "organizers (never in public answers: it goes to the phone or email on file)"
    )


class StandbyEntry(BaseModel):
    """A volunteer on a group's standby list: asked by SMS (if opted in) when a shift of the group needs people."""

    volunteer: Volunteer
    added_at: datetime


class StandbyList(BaseModel):
    data: list[StandbyEntry]


class GapRequest(BaseModel):
    """A standby volunteer asked to fill a shift below target, and their answer."""

    id: int
    shift: int
    volunteer: Volunteer
    asked_at: datetime
    answer: GapAnswer = Field(description="expired: the shift started before they answered")
    answered_at: datetime | None
    signup: int | None = Field(description="the sign-up their YES made")


class GapRequestList(BaseModel):
    data: list[GapRequest]


class PublicSignup(BaseModel):
    """A sign-up through the public endpoint: it says nothing the caller did not just type."""

    id: int
    shift: int
    volunteer: dict[str, str] = Field(description="only the name that was sent")
    status: SignupStatus
    source: SignupSource
    referrer: str
    created_at: datetime
    manage_url: str | None = Field(description="only for a person met for the first time; others get it by SMS")


class TurnoutFigures(BaseModel):
    signups: int = Field(description="people who held a seat, whatever happened next")
    confirmed: int
    attended: int
    no_show: int
    waitlisted: int
    cancelled: int
    show_rate: float | None = Field(description="attended / (attended + no_show); null before any check-in")


class GroupTurnout(TurnoutFigures):
    group: str


class EventTurnout(TurnoutFigures):
    event: int
    title: str
    group: str
    status: EventStatus


class Turnout(BaseModel):
    """Turnout within one group or one campaign, per group and per event."""

    group: str | None = None
    campaign: str | None = None
    totals: TurnoutFigures
    groups: list[GroupTurnout]
    events: list[EventTurnout]


class BlastSkipped(BaseModel):
    """(person, channel) pairs left out."""

    no_consent: int = Field(description="SMS to people who never opted in; email to people without a usable address")
    opted_out: int = Field(description="SMS to people who texted STOP")


class BlastQueued(BaseModel):
    """An organizer's message, queued: one outbox row per person and channel."""

    recipients: int = Field(description="people who get it by at least one channel")
    messages: int = Field(description="SMS and emails queued")
    skipped: BlastSkipped


class MessageStateCounts(BaseModel):
    """Messages per delivery state ("pending" includes those being handed to the provider)."""

    pending: int
    sent: int
    delivered: int
    failed: int
    undelivered: int
    skipped: int
    cancelled: int


class MessageStats(BaseModel):
    """An event's messages (through their sign-ups), per kind and in total."""

    event: int
    by_kind: dict[str, MessageStateCounts] = Field(description="keyed by kind: confirmation, reminder_soon, blast...")
    totals: MessageStateCounts


class InboxVolunteer(BaseModel):
    id: int
    name: str
    phone: str | None
    sms_status: SmsStatus


class InboxThread(BaseModel):
    """An organization's conversation with one volunteer, opened by what they text that is not a keyword."""

    id: int
    volunteer: InboxVolunteer
    status: Literal["open", "handled"]
    last_message_at: datetime
    last_preview: str = Field(description="the start of the latest message that opened the thread")
    handled_at: datetime | None
    url: str


class InboxEntry(BaseModel):
    """One SMS of a thread: `in` from the volunteer, `out` to them."""

    direction: Literal["in", "out"]
    at: datetime
    body: str
    kind: str = Field(description="out: the message kind (reminder_day_before, reply, inbox_reply...); in: its effect")
    state: str = Field(description="out: the delivery state; in: empty")
    num_media: int = 0


class InboxThreadDetail(InboxThread):
    """A thread with its messages, oldest first (the last 30 days)."""

    messages: list[InboxEntry]


class InboxReplyQueued(BaseModel):
    """An organizer's answer, in the outbox."""

    id: int
    state: str = Field(description="pending until it is sent; it waits out quiet hours")
    due_at: datetime
    body: str


class ErrorDetail(BaseModel):
    code: str = Field(description="stable, machine-readable")
    message: str = Field(description="for people")
    fields: dict[str, str] = Field(description="the offending fields (dotted paths into the body) and what is wrong")


class Error(BaseModel):
    """Every error answer of the API."""

    error: ErrorDetail


# The resources that also come as a list page ({"data": [...], "next": url or null}).
LISTED: tuple[type[BaseModel], ...] = (
    Group,
    Campaign,
    Event,
    PublicEvent,
    Shift,
    Signup,
    PublicSignup,
    Volunteer,
    InboxThread,
) + coalition_resources.LISTED
ANSWERS: tuple[type[BaseModel], ...] = (
    Group,
    Campaign,
    Event,
    PublicEvent,
    Shift,
    Signup,
    PublicSignup,
    Volunteer,
    StandbyEntry,
    StandbyList,
    GapRequestList,
    Turnout,
    BlastQueued,
    MessageStats,
    InboxThread,
    InboxThreadDetail,
    InboxReplyQueued,
    *hosting_resources.ANSWERS,
    Error,
    *strike_resources.ANSWERS,
    *coalition_resources.ANSWERS,
)
