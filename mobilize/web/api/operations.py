"""What each API route takes and answers, per route name: the one table the OpenAPI document (web.api.openapi)
joins with the routing table. A route without an entry fails the document's build and the test suite."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from mobilize import schemas, strike_schemas
from mobilize.models import EventStatus, SignupStatus
from mobilize.services.hosting.schemas import ApproveIn, PolicyIn, ProposalIn, ReasonIn
from mobilize.services.pagination import MAX_LIMIT
from mobilize.services.people import schemas as people_schemas
from mobilize.services.signups.schemas import PublicShiftsSignupIn


@dataclass(frozen=True)
class Operation:
    """What one route takes and answers, beyond what the route itself says (path, method, path parameters)."""

    summary: str
    answer: str | None  # component schema of the success answer
    status: int = 200
    body: type[BaseModel] | None = None
    query: tuple[str, ...] = ()  # keys of QUERY_PARAMETERS
    errors: tuple[int, ...] = ()  # beyond those implied by the route's shape (see `error_statuses`)
    public: bool = False  # no bearer token
    idempotent: bool = False  # takes an Idempotency-Key header (a retry gets the first answer)


PAGE = ("cursor", "limit")


OPERATIONS: dict[str, Operation] = {
    "openapi": Operation("This document", "OpenAPIDocument", public=True),
    "groups": Operation("List action groups", "GroupList", query=PAGE),
    "groups-create": Operation("Create an action group", "Group", 201, schemas.GroupIn, errors=(409,)),
    "group": Operation("Get an action group", "Group"),
    "group-update": Operation("Change an action group", "Group", body=schemas.GroupPatch),
    "campaigns": Operation("List campaigns", "CampaignList", query=PAGE),
    "campaigns-create": Operation("Create a campaign", "Campaign", 201, schemas.CampaignIn, errors=(409,)),
    "campaign": Operation("Get a campaign", "Campaign"),
    "campaign-update": Operation("Change a campaign", "Campaign", body=schemas.CampaignPatch),
    "partners": Operation("The campaign's partners (invited, accepted, declined, left)", "PartnerList"),
    "partners-create": Operation(
        "Invite an organization into the campaign (owners and admins); its owners and admins are emailed",
        "Partner",
        201,
        schemas.PartnerIn,
    ),
    "partner-remove": Operation(
        "End a partnership or withdraw an invitation: the partner's events leave the campaign", "Partner"
    ),
    "campaign-turnout": Operation(
        "A coalition campaign's turnout per organization, group and day (a partner: its own rows)",
        "CoalitionTurnout",
        query=("convener",),
        errors=(404,),
    ),
    "partnerships": Operation("Campaigns this organization was invited into", "PartnershipList"),
    "partnership-accept": Operation("Accept an invitation into a campaign", "Partnership", errors=(409,)),
    "partnership-decline": Operation("Decline an invitation into a campaign", "Partnership", errors=(409,)),
    "partnership-leave": Operation(
        "Leave a campaign: this organization's events leave it (nothing is deleted)", "Partnership"
    ),
    "events": Operation("List events", "EventList", query=(*PAGE, "group", "campaign", "event_status")),
    "events-create": Operation(
        "Create an event, with its shifts inline", "Event", 201, schemas.EventIn, errors=(409,), idempotent=True
    ),
    "event": Operation("Get an event with its shifts", "Event"),
    "event-update": Operation("Change an event", "Event", body=schemas.EventPatch),
    "event-cancel": Operation("Cancel an event", "Event"),
    "event-rotate-link": Operation("Give the event a new share token (new tokened addresses)", "Event"),
    "shifts-create": Operation(
        "Add one shift, or a schedule of shifts from a recurrence rule",
        "ShiftsCreated",
        201,
        schemas.ShiftsCreate,
        errors=(409,),
        idempotent=True,
    ),
    "shift": Operation("Get a shift with its counts", "Shift"),
    "shift-update": Operation(
        "Change a shift's times, capacity or target", "Shift", body=schemas.ShiftPatch, errors=(409,)
    ),
    "shift-delete": Operation("Cancel a shift and its live sign-ups", "Shift"),
    "signups": Operation("The roster of a shift", "SignupList", query=(*PAGE, "signup_status")),
    "signups-create": Operation(
        "Sign someone up for a shift, or (with a status) add them to a past one as they came or not",
        "Signup",
        201,
        schemas.SignupIn,
        errors=(409,),
    ),
    "signup": Operation("Get a sign-up", "Signup"),
    "signup-update": Operation(
        "Confirm, cancel, or record attendance", "Signup", body=schemas.SignupPatch, errors=(409,)
    ),
    "shift-messages-create": Operation(
        "Message the people signed up for a shift", "BlastQueued", 202, schemas.BlastIn, idempotent=True
    ),
    "event-messages-create": Operation(
        "Message the people signed up for an event's shifts", "BlastQueued", 202, schemas.BlastIn, idempotent=True
    ),
    "group-messages-create": Operation(
        "Message the people signed up for a group's upcoming shifts",
        "BlastQueued",
        202,
        schemas.BlastIn,
        idempotent=True,
    ),
    "group-standby": Operation(
        "The group's standby volunteers, asked by SMS to fill shifts below target", "StandbyList"
    ),
    "group-standby-add": Operation(
        "Put a volunteer the organization knows on the group's standby list (idempotent)",
        "StandbyEntry",
        201,
        schemas.StandbyIn,
    ),
    "group-standby-remove": Operation("Take a volunteer off the group's standby list", None, 204),
    "shift-gap-requests": Operation(
        "Who was asked to fill this shift, when, and their answer (latest first)", "GapRequestList"
    ),
    "event-message-stats": Operation("Delivery figures of an event's messages", "MessageStats"),
    "inbox": Operation(
        "The organization's inbox: threads with volunteers", "InboxThreadList", query=(*PAGE, "thread_status")
    ),
    "inbox-thread": Operation("A thread with its messages", "InboxThreadDetail"),
    "inbox-thread-update": Operation(
        "Mark a thread handled, or open it again", "InboxThread", body=schemas.InboxThreadPatch
    ),
    "inbox-replies-create": Operation(
        "Answer the volunteer by SMS", "InboxReplyQueued", 202, schemas.InboxReplyIn, errors=(409,), idempotent=True
    ),
    "volunteers": Operation(
        "This organization's records of people (search `q`, filter by `tag`)",
        "VolunteerList",
        query=(*PAGE, "q", "tag"),
    ),
    "volunteers-create": Operation(
        "Create a record by hand (no SMS consent implied)",
        "Volunteer",
        201,
        people_schemas.VolunteerRecordIn,
        errors=(409,),
    ),
    "volunteer": Operation("Get one of this organization's records of a person", "Volunteer"),
    "volunteer-update": Operation(
        "Change the record: name, contact, notes, tags, member id",
        "Volunteer",
        body=people_schemas.VolunteerPatch,
        errors=(409,),
    ),
    "volunteer-rotate-link": Operation("Replace the link to the volunteer's own page", "Volunteer"),
    "turnout": Operation(
        "Turnout per group and per event", "Turnout", query=("group", "campaign", "from", "to"), errors=(404,)
    ),
    "public-events": Operation(
        "Public upcoming events, nearest first", "PublicEventList", query=("near", "radius_km", "campaign"), public=True
    ),
    "public-signup": Operation(
        "Sign up for a public event's shift",
        "PublicSignup",
        201,
        schemas.PublicSignupIn,
        errors=(409, 429),
        public=True,
    ),
    "public-shared-signup": Operation(
        "Sign up for a shift of an event at its tokened address (how an unlisted event's shifts are found)",
        "PublicSignup",
        201,
        schemas.PublicSignupIn,
        errors=(409, 429),
        public=True,
    ),
    "public-event-signup": Operation(
        "Sign up for several shifts of a public event at once (all or none)",
        "PublicSignupList",
        201,
        PublicShiftsSignupIn,
        errors=(409, 429),
        public=True,
    ),
    "public-shared-event-signup": Operation(
        "Sign up for several shifts of an event at its tokened address (all or none)",
        "PublicSignupList",
        201,
        PublicShiftsSignupIn,
        errors=(409, 429),
        public=True,
    ),
    "strikes": Operation("List strikes", "StrikeList"),
    "strikes-create": Operation("Create a strike with its pay rules", "Strike", 201, strike_schemas.StrikeIn),
    "strike": Operation("Get a strike and its pay rules", "Strike"),
    "strike-update": Operation("Change a strike or its pay rules", "Strike", body=strike_schemas.StrikePatch),
    "strike-duty-create": Operation(
        "Record picket duty (a captain's entry)", "DutyEntry", 201, strike_schemas.DutyIn, errors=(409,)
    ),
    "strike-duty-update": Operation(
        "Correct an entry of picket duty (audited, with the reason)", "DutyEntry", body=strike_schemas.DutyPatch
    ),
    "strike-scans-create": Operation(
        "Sign someone in or out at a line (a scan; the same scan_id twice has one effect)",
        "ScanAnswer",
        body=strike_schemas.ScanIn,
        errors=(409,),
    ),
    "strike-disputes": Operation("Disputes over days of the ledger", "StrikeDisputeList"),
    "strike-disputes-create": Operation(
        "Dispute a member's day of the ledger", "StrikeDispute", 201, strike_schemas.DisputeIn
    ),
    "strike-dispute-update": Operation(
        "Resolve a dispute with a note", "StrikeDispute", body=strike_schemas.DisputeResolve, errors=(409,)
    ),
    "strike-captains-create": Operation(
        "Make an organizer a picket captain of the strike", "StrikeCaptain", 201, strike_schemas.CaptainIn
    ),
    "strike-ledger": Operation("The strike-pay ledger of a week", "StrikeLedger", query=("week",)),
    "strike-ledger-csv": Operation("The week's ledger as CSV, for the strike fund (audited)", None, query=("week",)),
    "strike-week-close": Operation("Close (pay) a week: its rules are kept with it", "StrikeWeek", query=("week",)),
    # Volunteers host events (services.hosting).
    "campaign-hosting": Operation("Whether and how the campaign takes events from volunteer hosts", "HostingPolicy"),
    "campaign-hosting-update": Operation(
        "Set the campaign's hosting policy (owners, admins, organizers)", "HostingPolicy", body=PolicyIn
    ),
    "event-approve": Operation(
        "Approve a hosted event's proposal (trust_host: publish the host's next ones at once)",
        "Event",
        body=ApproveIn,
        errors=(409,),
    ),
    "event-reject": Operation(
        "Reject a proposal; the host is emailed the reason", "Event", body=ReasonIn, errors=(409,)
    ),
    "event-request-changes": Operation(
        "Ask the host for changes; the proposal stays pending", "Event", body=ReasonIn, errors=(409,)
    ),
    "event-unpublish": Operation(
        "Take a published hosted event off the public pages; its sign-ups are told", "Event", body=ReasonIn
    ),
    "public-host-events": Operation(
        "Propose an event as a volunteer host; it waits for the host to confirm their email",
        "ProposalAccepted",
        202,
        ProposalIn,
        errors=(403, 404, 429),
        public=True,
    ),
}


QUERY_PARAMETERS: dict[str, dict[str, Any]] = {
    "cursor": {
        "name": "cursor",
        "description": "where to continue: taken from the `next` link of the previous page",
        "schema": {"type": "string"},
    },
    "limit": {
        "name": "limit",
        "description": "page size",
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": 50},
    },
    "group": {"name": "group", "description": "an action group's slug", "schema": {"type": "string"}},
    "campaign": {
        "name": "campaign",
        "description": "a campaign: `CONVENER/SLUG`, or a bare slug (this organization's; in public lists, the "
        "first campaign that took the slug)",
        "schema": {"type": "string"},
    },
    "event_status": {
        "name": "status",
        "description": "only events in this status",
        "schema": {"type": "string", "enum": [s.value for s in EventStatus]},
    },
    "signup_status": {
        "name": "status",
        "description": "only sign-ups in this status",
        "schema": {"type": "string", "enum": [s.value for s in SignupStatus]},
    },
    "thread_status": {
        "name": "status",
        "description": "only threads in this status (default open)",
        "schema": {"type": "string", "enum": ["open", "handled", "all"], "default": "open"},
    },
    "convener": {
        "name": "convener",
        "description": "the convener's slug, when several campaigns this organization joined have the slug",
        "schema": {"type": "string"},
    },
    "q": {"name": "q", "description": "part of a name, an email or a phone number", "schema": {"type": "string"}},
    "tag": {"name": "tag", "description": "only records with this tag", "schema": {"type": "string"}},
    "from": {
        "name": "from",
        "description": "shifts starting at or after this time (ISO 8601 with offset)",
        "schema": {"type": "string", "format": "date-time"},
    },
    "to": {
        "name": "to",
        "description": "shifts starting before this time (ISO 8601 with offset)",
        "schema": {"type": "string", "format": "date-time"},
    },
    "week": {
        "name": "week",
        "description": "a day of the week wanted, YYYY-MM-DD",
        "required": True,
        "schema": {"type": "string", "format": "date"},
    },
    "near": {"name": "near", "description": "a postal code", "schema": {"type": "string"}},
    "radius_km": {
        "name": "radius_km",
        "description": "distance from `near`",
        "schema": {"type": "number", "exclusiveMinimum": 0, "maximum": 1000, "default": 40},
    },
}


ERROR_RESPONSES: dict[int, tuple[str, str]] = {
    400: ("BadRequest", "Malformed: the body is not JSON, or not a JSON object."),
    401: ("Unauthorized", "No token, or an unknown or revoked one."),
    403: ("Forbidden", "The caller's role does not allow this."),
    404: ("NotFound", "Missing, or not the caller's to see."),
    409: ("Conflict", "The request clashes with the current state (a taken slug, someone already signed up)."),
    413: ("ContentTooLarge", "The body is larger than the server accepts."),
    422: ("Unprocessable", "A field or query parameter is not acceptable; `error.fields` names it."),
    429: ("TooManyRequests", "Slow down; `Retry-After` says for how long."),
}


PATH_PARAMETER_DESCRIPTIONS = {
    "slug": "the slug (lower-case letters, digits and dashes)",
    "event_id": "an event's id",
    "token": "the event's share token, as in its `url` (an unlisted event answers only with it)",
    "shift_id": "a shift's id",
    "signup_id": "a sign-up's id",
    "volunteer_id": "a volunteer's id",
    "thread_id": "an inbox thread's id",
    "strike_id": "a strike's id",
    "duty_id": "an entry of picket duty's id",
    "dispute_id": "a dispute's id",
    "partner_id": "a partner's id, as in the campaign's list of partners",
    "partnership_id": "a partnership's id, as in the list of partnerships",
    "org": "the organization's slug",
}
