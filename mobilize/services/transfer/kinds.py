"""What the archive holds: one declaration per kind of row an organization owns (its model, how it is scoped to
the organization, its columns and its references to other kinds), read by both the export and the import.

Adding a kind (a table another part of mobilize owns) is one `Kind(...)` in KINDS, after the kinds it refers
to: its model must carry `uuid = stable_id()` (and migration gives existing rows one); `scope` says how to
find the organization's rows; `org_column` names the column set to the importing organization; each `Col`
is copied as is and each `Ref` is written as the UUID of the row it points to. Columns that only make sense on
one instance (tokens, claims, caches) stay out; `fresh` gives them a new value on import.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tortoise.expressions import Q
from tortoise.models import Model

from mobilize.models import (
    ActionGroup,
    AuditLog,
    Campaign,
    ConsentRecord,
    Event,
    GapRequest,
    InboundMessage,
    InboxThread,
    Membership,
    Message,
    Organization,
    Organizer,
    SavedList,
    Shift,
    Signup,
    SignupStatus,
    Standby,
    Volunteer,
    VolunteerTag,
)
from mobilize.models.events import new_share_token
from mobilize.services.people.records import new_token

FORMAT_VERSION = 1


@dataclass(frozen=True)
class Col:
    """A column copied as it is."""

    name: str
    meaning: str


@dataclass(frozen=True)
class Ref:
    """A reference (`<name>_id` in the table), written as the UUID of the row of `kind` it points to."""

    name: str
    kind: str
    meaning: str
    optional: bool = False

    @property
    def column(self) -> str:
        return f"{self.name}_id"


@dataclass(frozen=True)
class Kind:
    name: str  # the file's name: <name>.jsonl and <name>.csv
    model: type[Model]
    scope: Callable[[int], Q]  # the organization's rows of this kind
    fields: tuple[Col | Ref, ...]
    meaning: str
    org_column: str | None = "organization_id"  # set to the importing organization
    # Columns not in the archive, given on import: name -> a function of the imported row.
    fresh: dict[str, Callable[[dict[str, Any]], Any]] = field(default_factory=dict)
    match_on: str | None = None  # a column that finds the same row already on the instance (organizers: email)
    many: tuple[tuple[str, str], ...] = ()  # (name, kind): a many-to-many relation, as a list of UUIDs

    def columns(self) -> list[str]:
        """The archive's columns, in the order of the files."""
        return ["uuid", *(f.name for f in self.fields), *(name for name, _ in self.many)]


def _org(path: str) -> Callable[[int], Q]:
    return lambda org_id: Q(**{path: org_id})  # type: ignore[arg-type]


WHEN = "when it was created (UTC, ISO 8601)"

KINDS: tuple[Kind, ...] = (
    Kind(
        "organization", Organization, _org("id"), org_column=None, meaning="the organization itself (one row)",
        fields=(
            Col("slug", "its short name in addresses"), Col("name", "its name"),
            Col("timezone", "IANA time zone its pages show times in where no event decides"), Col("created_at", WHEN),
        ),
    ),
    Kind(
        "organizers", Organizer, _org("memberships__organization_id"), org_column=None, match_on="email",
        meaning="organizer accounts with a role in the organization (no passwords: each gets a link to set one)",
        fields=(Col("email", "login email"), Col("name", "name"), Col("created_at", WHEN)),
    ),
    Kind(
        "groups", ActionGroup, _org("organization_id"), meaning="action groups (local groups)",
        fields=(
            Col("slug", "short name, unique in the organization"), Col("name", "name"),
            Col("description", "description"), Col("postal_code", "postal code"), Col("lat", "latitude"),
            Col("lon", "longitude"), Col("created_at", WHEN),
        ),
    ),
    Kind(
        "memberships", Membership, _org("organization_id"), meaning="organizers' roles in the organization",
        fields=(
            Ref("organizer", "organizers", "the organizer"),
            Col("role", "owner, admin, organizer, host or viewer"),
            Col("can_export", "may export volunteer data in bulk"), Col("created_at", WHEN),
        ),
        many=(("groups", "groups"),),
    ),
    Kind(
        "campaigns", Campaign, _org("organization_id"), meaning="campaigns (frames around many events)",
        fields=(
            Col("slug", "short name, unique in the organization"), Col("name", "name"),
            Col("description", "description"), Col("starts_on", "first day (ISO date)"),
            Col("ends_on", "last day (ISO date)"), Col("created_at", WHEN),
        ),
    ),
    Kind(
        "events", Event, _org("organization_id"), meaning="events (actions at a place and time zone)",
        fresh={"share_token": lambda row: new_share_token()},
        fields=(
            Ref("group", "groups", "the hosting group"), Ref("campaign", "campaigns", "its campaign", optional=True),
            Col("title", "title"), Col("description", "public description"),
            Col("instructions", "instructions for people signed up"),
            Col("event_type", "rally, picket, canvass, phone_bank, training, meeting or other"),
            Col("timezone", "IANA time zone"), Col("venue", "venue"), Col("address", "street address"),
            Col("city", "city"), Col("region", "state or region"), Col("postal_code", "postal code"),
            Col("country", "ISO country code"), Col("lat", "latitude"), Col("lon", "longitude"),
            Col("address_after_signup", "street address shown only to people signed up"),
            Col("virtual_url", "address of an online event"), Col("visibility", "public, unlisted or private"),
            Col("status", "scheduled or cancelled"), Col("sequence", "revision number of its time and place"),
            Col("reminders", "reminder timeline (null: the default)"), Col("created_at", WHEN),
            Col("updated_at", "last change (UTC)"),
        ),
    ),
    Kind(
        "shifts", Shift, _org("event__organization_id"), org_column=None, meaning="shifts (time slots of events)",
        fields=(
            Ref("event", "events", "its event"), Col("starts_at", "start (UTC)"), Col("ends_at", "end (UTC)"),
            Col("capacity", "most people it seats"), Col("target", "how many people it needs"),
            Col("filled", "seats held"), Col("code", "the code people text to JOIN it"),
            Col("status", "scheduled or cancelled"), Col("sequence", "revision number of its time"),
            Col("created_at", WHEN), Col("updated_at", "last change (UTC)"),
        ),
    ),
    Kind(
        "people", Volunteer, _org("organization_id"), meaning="the organization's records of people",
        fresh={"manage_token": lambda row: new_token(), "feed_token": lambda row: new_token()},
        fields=(
            Col("name", "name"), Col("phone", "phone (E.164)"), Col("email", "email"),
            Col("postal_code", "postal code"), Col("notes", "organizers' notes"), Col("member_id", "member id"),
            Col("source", "how the organization first knew them"),
            Col("sms_status", "SMS consent: opted_in, opted_out or unknown"),
            Col("sms_blocked", "the number asked the sending number to stop (STOP): never texted"),
            Col("email_status", "ok, unsubscribed, bounced or unknown"), Col("created_at", WHEN),
            Col("updated_at", "last change (UTC)"),
        ),
    ),
    Kind(
        "tags", VolunteerTag, _org("volunteer__organization_id"), org_column=None, meaning="labels on people",
        fields=(Ref("volunteer", "people", "the person"), Col("name", "the label"), Col("created_at", WHEN)),
    ),
    Kind(
        "saved_lists", SavedList, _org("organization_id"),
        meaning="saved lists: named filters of the organization's people, worked out again when read",
        fields=(
            Col("name", "name"), Col("description", "description"), Col("tags", "tags (a JSON list)"),
            Col("tag_match", "any or all of the tags"), Col("postal_codes", "postal code prefixes (a JSON list)"),
            Ref("group", "groups", "people who signed up for this group's events", optional=True),
            Col("history", "any, signed_up, attended or never"),
            Col("since", "sign-ups for shifts from this day on (ISO date, the organization's zone)"),
            Ref("created_by", "organizers", "who made it", optional=True), Col("created_at", WHEN),
            Col("updated_at", "last change (UTC)"),
        ),
    ),
    Kind(
        "consent_records", ConsentRecord, _org("volunteer__organization_id"),
        meaning="every grant and revocation of consent, with the exact words",
        fields=(
            Ref("volunteer", "people", "the person"), Col("channel", "sms or email"),
            Col("action", "granted or revoked"), Col("source", "where it was given"),
            Col("words", "the exact words shown or sent"), Col("ip", "IP address, for web forms"),
            Col("user_agent", "browser, for web forms"), Col("created_at", WHEN),
        ),
    ),
    Kind(
        "signups", Signup, _org("shift__event__organization_id"), org_column=None,
        meaning="people on shifts, with attendance",
        fresh={"holder": lambda row: None if row["status"] == SignupStatus.CANCELLED else row["shift_id"]},
        fields=(
            Ref("shift", "shifts", "the shift"), Ref("volunteer", "people", "the person"),
            Col("status", "signed_up, confirmed, waitlisted, cancelled, attended or no_show"),
            Col("source", "web, sms, api, import or walk_in"), Col("referrer", "where the sign-up came from"),
            Col("attendance_locked", "an organizer decided the attendance"),
            Col("checked_in_at", "check-in time (UTC)"), Col("created_at", WHEN),
            Col("updated_at", "last change (UTC)"),
        ),
    ),
    Kind(
        "messages", Message, _org("organization_id"), meaning="every SMS and email sent, with its delivery state",
        fresh={"dedupe_key": lambda row: f"archive:{row['uuid']}"},
        fields=(
            Ref("volunteer", "people", "the recipient", optional=True),
            Ref("signup", "signups", "the sign-up it is about", optional=True),
            Ref("sent_by", "organizers", "the organizer who wrote it", optional=True),
            Col("channel", "sms or email"), Col("kind", "what it is (confirmation, reminder_soon, blast, ...)"),
            Col("to_address", "phone or email it went to"), Col("subject", "email subject"), Col("body", "text"),
            Col("due_at", "when it was due (UTC)"), Col("expires_at", "not worth sending after (UTC)"),
            Col("timezone", "recipient's time zone for quiet hours"),
            Col("state", "pending, sending, sent, delivered, failed, undelivered, cancelled or skipped"),
            Col("skip_reason", "why it was not sent"), Col("provider_id", "the provider's id (Twilio SID)"),
            Col("attempts", "delivery attempts"), Col("last_error", "last delivery error"),
            Col("sent_at", "when it left (UTC)"), Col("created_at", WHEN), Col("updated_at", "last change (UTC)"),
        ),
    ),
    Kind(
        "inbound_texts", InboundMessage,
        lambda org_id: Q(organization_id=org_id) | Q(volunteer__organization_id=org_id),
        meaning="texts people sent, and what each did",
        fields=(
            Ref("volunteer", "people", "the sender's record", optional=True),
            Col("message_sid", "Twilio's id"), Col("from_number", "sender"), Col("to_number", "our number"),
            Col("body", "text"), Col("num_media", "attachments"), Col("outcome", "what it did (stop, yes, inbox...)"),
            Col("reply", "our automatic answer"), Col("created_at", WHEN),
        ),
    ),
    Kind(
        "inbox_threads", InboxThread, _org("organization_id"), meaning="organizers' inbox conversations",
        fields=(
            Ref("volunteer", "people", "the person"), Col("status", "open or handled"),
            Col("last_message_at", "last message (UTC)"), Col("last_preview", "start of the last message"),
            Col("handled_at", "when marked handled (UTC)"),
            Ref("handled_by", "organizers", "who marked it handled", optional=True), Col("created_at", WHEN),
        ),
    ),
    Kind(
        "standby", Standby, _org("group__organization_id"), org_column=None,
        meaning="groups' standby lists (people who may be asked to fill a gap)",
        fields=(
            Ref("group", "groups", "the group"), Ref("volunteer", "people", "the person"),
            Ref("added_by", "organizers", "who added them", optional=True), Col("created_at", WHEN),
        ),
    ),
    Kind(
        "gap_asks", GapRequest, _org("shift__event__organization_id"), org_column=None,
        meaning="standby people asked by SMS to fill a shift below target",
        fields=(
            Ref("shift", "shifts", "the shift"), Ref("volunteer", "people", "the person"),
            Ref("message", "messages", "the text that asked", optional=True), Col("asked_at", "when (UTC)"),
            Col("answer", "pending, yes, no or expired"), Col("answered_at", "when they answered (UTC)"),
            Ref("signup", "signups", "the sign-up a yes made", optional=True),
        ),
    ),
    Kind(
        "audit_log", AuditLog, _org("organization_id"), meaning="who did what sensitive thing, when",
        fields=(
            Ref("organizer", "organizers", "who", optional=True), Col("action", "what"),
            Col("detail", "with which filters or on what"), Col("created_at", WHEN),
        ),
    ),
)  # fmt: skip

BY_NAME = {kind.name: kind for kind in KINDS}
