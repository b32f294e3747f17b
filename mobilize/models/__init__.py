"""Tortoise tables, one module per domain area; this package is the Tortoise app `models`."""

from mobilize.models.accounts import (
    ApiToken,
    Membership,
    Organization,
    Organizer,
    OrganizerInvitation,
    OrganizerSession,
    Role,
)
from mobilize.models.audit import AuditLog
from mobilize.models.coalitions import Partnership, PartnershipStatus
from mobilize.models.events import PUBLIC_STATUSES, Event, EventStatus, EventType, Shift, ShiftStatus, Visibility
from mobilize.models.gaps import GapAnswer, GapRequest, Standby
from mobilize.models.groups import ActionGroup, Campaign
from mobilize.models.hosting import HostedEvent, HostingMode, HostingPolicy, TrustedHost
from mobilize.models.inbound import InboundMessage, InboxThread, PendingQuestion, ThreadStatus
from mobilize.models.lists import ListHistory, SavedList, TagMatch
from mobilize.models.messages import Channel, DeliveryWorker, Message, MessageKind, MessageState
from mobilize.models.people import (
    ConsentAction,
    ConsentChannel,
    ConsentRecord,
    EmailStatus,
    SmsBlock,
    SmsStatus,
    Volunteer,
    VolunteerTag,
)
from mobilize.models.requests import IdempotentRequest
from mobilize.models.signups import LIVE_STATUSES, SEAT_STATUSES, Signup, SignupSource, SignupStatus
from mobilize.models.strikes import (
    DisputeStatus,
    Duty,
    DutySource,
    ScanOutcome,
    Strike,
    StrikeCaptain,
    StrikeDispute,
    StrikeScan,
    StrikeWeek,
)

MAX_ID = 2**31 - 1  # ids are 32-bit integer columns; a larger value makes the database driver raise

__all__ = [
    "MAX_ID",
    "LIVE_STATUSES",
    "SEAT_STATUSES",
    "ActionGroup",
    "ApiToken",
    "AuditLog",
    "Campaign",
    "Channel",
    "ConsentAction",
    "ConsentChannel",
    "ConsentRecord",
    "EmailStatus",
    "Event",
    "EventStatus",
    "EventType",
    "GapAnswer",
    "GapRequest",
    "HostedEvent",
    "HostingMode",
    "HostingPolicy",
    "PUBLIC_STATUSES",
    "TrustedHost",
    "IdempotentRequest",
    "OrganizerInvitation",
    "OrganizerSession",
    "Partnership",
    "PartnershipStatus",
    "InboundMessage",
    "ListHistory",
    "SavedList",
    "TagMatch",
    "InboxThread",
    "Membership",
    "Message",
    "DeliveryWorker",
    "MessageKind",
    "MessageState",
    "Organization",
    "Organizer",
    "PendingQuestion",
    "SmsBlock",
    "VolunteerTag",
    "Role",
    "Shift",
    "ShiftStatus",
    "Signup",
    "SignupSource",
    "SignupStatus",
    "SmsStatus",
    "ThreadStatus",
    "Standby",
    "DisputeStatus",
    "Duty",
    "DutySource",
    "ScanOutcome",
    "Strike",
    "StrikeCaptain",
    "StrikeDispute",
    "StrikeScan",
    "StrikeWeek",
    "Visibility",
    "Volunteer",
]
