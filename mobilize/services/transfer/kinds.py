"""What the archive holds: one declaration per kind of row an organization owns (its model, how it is scoped to
the organization, its columns and its references to other kinds), read by both the export and the import.

Adding a kind (a table another part of mobilize owns) is one `Kind(...)` in KINDS, after the kinds it refers
to: its model must carry `uuid = stable_id()` (and a migration gives existing rows one); `scope` says how to
find the organization's rows; `org_column` names the column set to the importing organization; each `Col`
is copied as is, each `Ref` is written as the UUID of the row it points to, and each `Peer` (a row another
organization owns: a coalition's other side) as that organization's public name. Columns that only make
sense on one instance (tokens, claims, caches) stay out; `fresh` gives them a new value on import. A kind or
column added after version 1 of the format says so (`since`), and FORMAT_VERSION goes up.

Not in the archive, on purpose: API tokens, sessions and pending organizer invitations (tokens), idempotency
records (and the captains' scan ledger, which only makes a replayed scan change nothing; the duty it made is
archived), pending SMS questions (minutes-long state), the deployment's opt-out list (each person's
`sms_blocked` is kept) and delivery workers (the instance's own), and an organization's own SMS sender
(bound to the old instance's Twilio account).
"""

from __future__ import annotations

from tortoise.expressions import Q

from mobilize.models import (
    ActionGroup,
    AuditLog,
    Campaign,
    ConsentRecord,
    Duty,
    Event,
    GapRequest,
    HostedEvent,
    HostingPolicy,
    InboundMessage,
    InboxThread,
    Membership,
    Message,
    Organization,
    Organizer,
    Partnership,
    SavedList,
    Shift,
    Signup,
    SignupStatus,
    Standby,
    Strike,
    StrikeCaptain,
    StrikeDispute,
    StrikeWeek,
    TrustedHost,
    Volunteer,
    VolunteerTag,
)
from mobilize.models.events import new_share_token
from mobilize.services.people.records import new_token
from mobilize.services.transfer.columns import FORMAT_VERSION, READS, Col, Field, Kind, Peer, Ref, org_scope

__all__ = ["BY_NAME", "FORMAT_VERSION", "KINDS", "READS", "Col", "Field", "Kind", "Peer", "Ref"]

_org = org_scope

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
        "organizers", Organizer, _org("memberships__organization_id"), org_column=None, match_on="email", by_uuid=True,
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
        "partnerships", Partnership, lambda org_id: Q(organization_id=org_id) | Q(campaign__organization_id=org_id),
        org_column=None, natural=("campaign_id", "organization_id"), by_uuid=True, since=2,
        meaning="coalitions: organizations invited into the organization's campaigns, and the campaigns of "
        "others it was invited into",
        fields=(
            Ref("campaign", "campaigns", "the organization's own campaign", optional=True),
            Peer("partner_campaign", "campaign", "another organization's campaign it was invited into",
                 column="campaign_id", beside="campaign", required=True),
            Peer("organization", "organization", "the invited organization", required=True),
            Col("status", "invited, accepted, declined or left"),
            Ref("invited_by", "organizers", "who invited it", optional=True), Col("invited_at", "when (UTC)"),
            Col("invitations", "how many times it was invited"), Col("answered_at", "when it answered (UTC)"),
            Col("ended_at", "when either side ended it (UTC)"), Col("created_at", WHEN),
            Col("updated_at", "last change (UTC)"),
        ),
    ),
    Kind(
        "strikes", Strike, _org("organization_id"), since=2, meaning="strikes and their strike-pay rules",
        fields=(
            Col("name", "name"), Col("starts_on", "first day (ISO date)"), Col("ends_on", "last day (ISO date)"),
            Col("rules", "the rules in force: hours_per_day, days_per_week, hours_per_week, shifts_per_week, "
                "unpaid_weeks, week_starts_on, classes (member classes: tag and pro-rating factor)"),
            Col("created_at", WHEN), Col("updated_at", "last change (UTC)"),
        ),
    ),
    Kind(
        "events", Event, _org("organization_id"), meaning="events (actions at a place and time zone)",
        fresh={"share_token": lambda row: new_share_token()},
        fields=(
            Ref("group", "groups", "the hosting group"), Ref("campaign", "campaigns", "its campaign", optional=True),
            Peer("partner_campaign", "campaign", "the coalition campaign of another organization it joined",
                 column="campaign_id", beside="campaign", joined=True, since=2),
            Ref("strike", "strikes", "the strike its picket duty counts toward", optional=True, since=2),
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
            Peer("recruited_by", "organization", "the coalition organization credited with bringing the person",
                 since=2),
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
        "hosting_policies", HostingPolicy, _org("organization_id"), since=2,
        meaning="campaigns that accept events proposed by volunteer hosts",
        fields=(
            Ref("campaign", "campaigns", "the campaign"), Col("mode", "closed, review or open"),
            Ref("group", "groups", "the group hosted events belong to (its organizers moderate them)"),
            Col("event_types", "the event types hosts may propose (null: every type)"),
            Col("terms", "the exact words a host agrees to"), Col("created_at", WHEN),
            Col("updated_at", "last change (UTC)"),
        ),
    ),
    Kind(
        "hosted_events", HostedEvent, _org("organization_id"), since=2,
        meaning="events proposed by volunteer hosts: the host, their confirmation and the moderators' decision "
        "(no link tokens: a host asks for a new host page link)",
        fields=(
            Ref("event", "events", "the proposed event"), Ref("campaign", "campaigns", "the campaign"),
            Ref("volunteer", "people", "the organization's record of the host", optional=True),
            Col("host_name", "host's name"), Col("host_email", "host's email"), Col("host_phone", "host's phone"),
            Col("verified_at", "when the host confirmed their email (UTC)"),
            Col("decision", "approved, rejected, changes_requested, unpublished, changed or empty"),
            Col("reason", "the moderators' reason"),
            Ref("decided_by", "organizers", "the moderator", optional=True),
            Col("decided_at", "when (UTC)"), Col("approved_at", "when it was published (UTC)"),
            Col("extra", "details of the proposal"), Col("created_at", WHEN), Col("updated_at", "last change (UTC)"),
        ),
    ),
    Kind(
        "trusted_hosts", TrustedHost, _org("organization_id"), since=2,
        meaning="hosts whose next proposals publish at once (by the email they prove)",
        fields=(
            Col("email", "the host's email"), Ref("trusted_by", "organizers", "who trusted them", optional=True),
            Col("created_at", WHEN),
        ),
    ),
    Kind(
        "strike_captains", StrikeCaptain,
        lambda org_id: Q(strike__organization_id=org_id, organizer__memberships__organization_id=org_id),
        org_column=None, since=2, meaning="picket captains of each strike",
        fields=(Ref("strike", "strikes", "the strike"), Ref("organizer", "organizers", "the captain"),
                Col("created_at", WHEN)),
    ),
    Kind(
        "duty", Duty, _org("strike__organization_id"), org_column=None, since=2,
        meaning="picket duty: each stretch a person was signed in at the line, with how it was recorded",
        fields=(
            Ref("strike", "strikes", "the strike"), Ref("shift", "shifts", "the shift on the line"),
            Ref("volunteer", "people", "the person (a member when they have a member id)"),
            Col("signed_in_at", "signed in (UTC)"), Col("signed_out_at", "signed out (UTC)"),
            Col("source", "captain, sms or correction"),
            Col("auto_closed", "nobody signed out: the shift's end closed it"),
            Col("created_at", WHEN), Col("updated_at", "last change, e.g. a correction (UTC)"),
        ),
    ),
    Kind(
        "strike_weeks", StrikeWeek, _org("strike__organization_id"), org_column=None, since=2,
        meaning="weeks the strike fund closed (paid), with the rules they were computed under",
        fields=(
            Ref("strike", "strikes", "the strike"), Col("week_start", "first day of the week (ISO date)"),
            Col("rules", "the rules, as in strikes"), Ref("closed_by", "organizers", "who closed it", optional=True),
            Col("closed_at", "when (UTC)"),
        ),
    ),
    Kind(
        "strike_disputes", StrikeDispute, _org("strike__organization_id"), org_column=None, since=2,
        meaning="disputes over a day's picket duty, and how they were resolved",
        fields=(
            Ref("strike", "strikes", "the strike"), Ref("volunteer", "people", "the member"),
            Col("day", "the day disputed (ISO date)"), Col("raised_by", "member or captain"),
            Col("note", "what they said"), Col("status", "open or resolved"), Col("resolution", "the organizer's note"),
            Ref("resolved_by", "organizers", "who resolved it", optional=True), Col("resolved_at", "when (UTC)"),
            Col("created_at", WHEN),
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
