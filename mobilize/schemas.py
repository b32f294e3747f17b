"""Input shapes of the public interface (API bodies, forms), validated by pydantic.

They name fields exactly as the contract does; errors point at the field (`location.postal_code`).
Business checks that need the database (does this group exist?) live in services.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Literal, Self, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from mobilize.models import MAX_ID
from mobilize.models.events import EventType, Visibility

SLUG_PATTERN = r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$"
URL_PATTERN = r"^(https?://\S+)?$"
Slug = Annotated[str, Field(min_length=1, max_length=64, pattern=SLUG_PATTERN)]
_SLUG = SLUG_PATTERN.strip("^$")
CampaignRef = Annotated[
    str,
    Field(
        min_length=1,
        max_length=129,
        pattern=f"^(?:{_SLUG}/)?{_SLUG}$",
        description="a campaign of this organization (`SLUG`), or `CONVENER/SLUG`: a campaign whose invitation "
        "this organization accepted",
    ),
]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Text = Annotated[str, Field(max_length=20_000)]
# Every IANA zone the system knows, less the entries of a zoneinfo directory that name no place: `localtime`
# is this server's own zone (whatever the host says), `posixrules` a template, `Factory` "time unknown".
NOT_PLACES = frozenset({"localtime", "posixrules", "Factory"})
_ZONES = frozenset(z for z in available_timezones() - NOT_PLACES if not z.startswith(("posix/", "right/")))


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


MIN_YEAR, MAX_YEAR = 1900, 2999


When = TypeVar("When", bound=date)  # a date or a datetime


def _plausible(value: When) -> When:
    """Far-off years are typos; and near the year 9999, converting to UTC overflows (a 500, not a 422)."""
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ValueError(f"must be between the years {MIN_YEAR} and {MAX_YEAR}")
    return value


def _iso_text(value: object) -> object:
    """Dates and times come as ISO 8601 text: pydantic would also take a number as a Unix time (0: 1970)."""
    if not isinstance(value, str | date):
        raise ValueError("give ISO 8601 text, like 2027-05-01 or 2027-05-01T10:00:00-05:00")
    return value


def in_utc(value: datetime) -> datetime:
    """An aware moment as UTC: what the database stores, and what SQLite (which keeps datetimes as text, offset
    included) can compare with what it stores. Every moment parsed from outside passes here."""
    return value.astimezone(UTC)


Moment = Annotated[AwareDatetime, BeforeValidator(_iso_text), AfterValidator(_plausible), AfterValidator(in_utc)]
Day = Annotated[date, BeforeValidator(_iso_text), AfterValidator(_plausible)]


def blame(field: str, message: str) -> PydanticCustomError:
    """An error from a check across fields that names the one field to blame (in ctx), so an API answer points
    at `shifts.0.ends_at` rather than at the whole shift."""
    return PydanticCustomError("invalid_combination", message, {"blame": field})


def check_zone(value: str) -> str:
    if value not in _ZONES:
        raise ValueError("unknown IANA time zone")
    try:
        ZoneInfo(value)
    except ZoneInfoNotFoundError as exc:  # pragma: no cover - available_timezones said it exists
        raise ValueError("unknown IANA time zone") from exc
    return value


class GroupIn(Strict):
    slug: Slug
    name: Name
    description: Text = ""
    postal_code: Annotated[str, Field(max_length=16)] = ""


class GroupPatch(Strict):
    name: Name | None = None
    description: Text | None = None
    postal_code: Annotated[str, Field(max_length=16)] | None = None


class CampaignIn(Strict):
    slug: Slug
    name: Name
    description: Text = ""
    starts_on: Day | None = None
    ends_on: Day | None = None

    @model_validator(mode="after")
    def _order(self) -> Self:
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise blame("ends_on", "is before starts_on")
        return self


class CampaignPatch(Strict):
    name: Name | None = None
    description: Text | None = None
    starts_on: Day | None = None
    ends_on: Day | None = None


class PartnerIn(Strict):
    organization: Slug = Field(description="the slug of the organization to invite into the campaign")


class LocationIn(Strict):
    venue: Annotated[str, Field(max_length=200)] = ""
    address: Annotated[str, Field(max_length=300)] = ""
    city: Annotated[str, Field(max_length=100)] = ""
    region: Annotated[str, Field(max_length=100)] = ""
    postal_code: Annotated[str, Field(max_length=16)] = ""
    country: Annotated[str, Field(min_length=2, max_length=2)] = "US"
    lat: Annotated[float, Field(ge=-90, le=90)] | None = None
    lon: Annotated[float, Field(ge=-180, le=180)] | None = None

    @field_validator("country")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.upper()


class ShiftIn(Strict):
    starts_at: Moment
    ends_at: Moment
    capacity: Annotated[int, Field(ge=0, le=100_000)]
    target: Annotated[int, Field(ge=0, le=100_000)] | None = None

    @model_validator(mode="after")
    def _order(self) -> Self:
        if self.ends_at <= self.starts_at:
            raise blame("ends_at", "must be after starts_at")
        return self


class RecurrenceIn(Strict):
    rrule: Annotated[
        str,
        Field(
            min_length=1,
            max_length=500,
            description="one RRULE, e.g. FREQ=WEEKLY;BYDAY=MO,WE;COUNT=8: with COUNT or UNTIL (not both), "
            "FREQ=HOURLY or longer, INTERVAL 1 to 1000, at most 1000 occurrences, none more than 10 years after "
            "dtstart",
        ),
    ]
    dtstart: Annotated[datetime, BeforeValidator(_iso_text), AfterValidator(_plausible)] = Field(
        description="first start, wall time in the event's zone (an offset is converted)"
    )
    duration_minutes: Annotated[int, Field(gt=0, le=24 * 60)]


class ShiftsCreate(Strict):
    """One shift (`starts_at`, `ends_at`), or many from a recurrence rule."""

    starts_at: Moment | None = None
    ends_at: Moment | None = None
    recurrence: RecurrenceIn | None = None
    capacity: Annotated[int, Field(ge=0, le=100_000)]
    target: Annotated[int, Field(ge=0, le=100_000)] | None = None

    @model_validator(mode="after")
    def _one_form(self) -> Self:
        if self.recurrence is None:
            if self.starts_at is None:
                raise blame("starts_at", "give starts_at and ends_at, or a recurrence")
            if self.ends_at is None:
                raise blame("ends_at", "give starts_at and ends_at, or a recurrence")
            if self.ends_at <= self.starts_at:
                raise blame("ends_at", "must be after starts_at")
        elif self.starts_at is not None or self.ends_at is not None:
            raise blame("recurrence", "give either starts_at/ends_at or a recurrence, not both")
        return self


class ShiftPatch(Strict):
    starts_at: Moment | None = None
    ends_at: Moment | None = None
    capacity: Annotated[int, Field(ge=0, le=100_000)] | None = None
    target: Annotated[int, Field(ge=0, le=100_000)] | None = None


class ReminderIn(Strict):
    """One step of an event's reminder timeline: a reminder `minutes_before` the shift starts."""

    kind: Literal["day_before", "soon"]
    minutes_before: Annotated[int, Field(ge=15, le=20_160)]  # 15 minutes to two weeks


def _one_of_each(value: list[ReminderIn] | None) -> list[ReminderIn] | None:
    if value is not None and len({step.kind for step in value}) != len(value):
        raise ValueError("at most one reminder of each kind")
    return value


Reminders = Annotated[
    list[ReminderIn] | None,
    Field(
        max_length=2,
        description='reminders before each shift, e.g. [{"kind": "day_before", "minutes_before": 1440}]; '
        "null: the default timeline (day before, and 2 hours before)",
    ),
    AfterValidator(_one_of_each),
]


StrikeRef = Annotated[
    Annotated[int, Field(ge=1, le=MAX_ID)] | None, Field(description="a picket event: the strike it is a line of")
]


class EventIn(Strict):
    title: Name
    description: Text = ""
    instructions: Text = ""
    event_type: EventType = EventType.OTHER
    group: Slug
    campaign: CampaignRef | None = None
    timezone: str
    location: LocationIn | None = None
    virtual_url: Annotated[str, Field(max_length=500, pattern=URL_PATTERN)] = ""
    visibility: Visibility = Visibility.PUBLIC
    address_after_signup: bool = Field(
        default=False, description="show the street address only to people signed up (not on public pages and feeds)"
    )
    reminders: Reminders = None
    strike: StrikeRef = None
    shifts: Annotated[list[ShiftIn], Field(max_length=500)] = []

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        return check_zone(value)


class EventPatch(Strict):
    title: Name | None = None
    description: Text | None = None
    instructions: Text | None = None
    event_type: EventType | None = None
    group: Slug | None = None
    campaign: CampaignRef | None = None
    timezone: str | None = None
    location: LocationIn | None = None
    virtual_url: Annotated[str, Field(max_length=500, pattern=URL_PATTERN)] | None = None
    visibility: Visibility | None = None
    address_after_signup: bool | None = None
    reminders: Reminders = None
    strike: StrikeRef = None

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        return None if value is None else check_zone(value)


class VolunteerIn(Strict):
    name: Annotated[str, Field(max_length=200)] = ""
    phone: Annotated[str, Field(max_length=40)] | None = None
    email: Annotated[str, Field(max_length=254)] | None = None
    postal_code: Annotated[str, Field(max_length=16)] = ""
    sms_opt_in: bool = False

    @model_validator(mode="after")
    def _reachable(self) -> Self:
        if not (self.phone or self.email):
            raise blame("phone", "a phone or an email is required")
        if self.sms_opt_in and not self.phone:
            raise blame("sms_opt_in", "sms_opt_in needs a phone")
        return self


class SignupIn(Strict):
    volunteer: VolunteerIn
    source: Literal["web", "sms", "api", "import", "walk_in"] = "api"
    referrer: Annotated[str, Field(max_length=200)] = ""
    status: Annotated[
        Literal["attended", "no_show"] | None,
        Field(description="for a shift that has started or ended: add the person with their attendance (no messages)"),
    ] = None


class PublicSignupIn(SignupIn):
    share_with: Annotated[
        list[Slug],
        Field(
            max_length=5,
            description="organizations (slugs) the person also shares their name and contact with: only those the "
            "event's page offers (a coalition campaign's convener, the recruiting partner); each is a consent record",
        ),
    ] = []
    recruited_by: Slug | None = Field(
        default=None, description="the organization of the event's campaign that brought the person (credited)"
    )
    share_with_host: bool = Field(
        default=False,
        description="for an event a volunteer hosts, the person agrees to the words its sign-up form shows: “Share "
        "my phone number and email with the host of this event, so they can reach me about it.” (the host's roster "
        "then shows them); kept as a consent record of those words, committed with the sign-up. 422 naming "
        "`share_with_host` for an event nobody hosts",
    )


class StandbyIn(Strict):
    volunteer: Annotated[int, Field(ge=1, le=MAX_ID, description="the id of a volunteer the organization knows")]


class SignupPatch(Strict):
    status: Literal["confirmed", "cancelled", "attended", "no_show"]


SMS_BODY_MAX = 1600  # Twilio's limit for one message (it splits it into segments)
BlastChannel = Literal["sms", "email"]
BlastStatus = Literal["signed_up", "confirmed", "waitlisted", "attended", "no_show"]


def _both_channels() -> list[BlastChannel]:
    return ["sms", "email"]


def _seated() -> list[BlastStatus]:
    return ["signed_up", "confirmed"]


class BlastIn(Strict):
    """An organizer's message to the people of a shift, an event or a group."""

    channels: Annotated[list[BlastChannel], Field(min_length=1)] = Field(default_factory=_both_channels)
    subject: Annotated[str, Field(max_length=200)] = Field(default="", description="email only")
    body: Annotated[str, Field(min_length=1, max_length=20_000)] = Field(
        description=f"at most {SMS_BODY_MAX} characters when sent by SMS"
    )
    statuses: Annotated[list[BlastStatus], Field(min_length=1)] = Field(
        default_factory=_seated, description="the sign-up statuses to reach"
    )

    @model_validator(mode="after")
    def _fits_an_sms(self) -> Self:
        if "sms" in self.channels and len(self.body) > SMS_BODY_MAX:
            raise blame("body", f"at most {SMS_BODY_MAX} characters for SMS")
        return self


class InboxReplyIn(Strict):
    """An organizer's SMS answer in an inbox thread."""

    body: Annotated[str, Field(min_length=1, max_length=1600)] = Field(
        description="the text; the organization's name and the opt-out line are added when missing"
    )


class InboxThreadPatch(Strict):
    """Mark a thread handled, or open it again."""

    status: Literal["open", "handled"]
