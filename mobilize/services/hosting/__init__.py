"""Volunteers host events: a campaign's hosting policy (`policy`: closed, review or open; the types it takes;
who moderates), proposals from the public and the host's email confirmation (`proposals`), the moderators'
decisions (`moderation`), the host's private page (`hostpage`: place and time, roster with consent-gated
contact, messages, check-in, turnout) and its link (`links`), a sign-up that shares its contact with the host
(`signup`: one transaction with the consent), the emails of all this (`mail`), and hosts as
people of the organization (`history`). Unapproved proposals are never public: services.events.public and the
feeds show scheduled and cancelled events only (models.PUBLIC_STATUSES)."""

from mobilize.services.hosting.history import HostHistory, host_history
from mobilize.services.hosting.hostpage import (
    SHARE_WORDS,
    edit_place_and_time,
    host_view,
    is_hosted,
    mark_attendance,
    message_signups,
    record_share_consent,
    renew_page_link,
    resend_page_links,
    short_name,
)
from mobilize.services.hosting.links import HostLinks, hosted_by_page_token, rotate_page_token
from mobilize.services.hosting.moderation import approve, hosted_event, reject, request_changes, unpublish
from mobilize.services.hosting.policy import (
    DEFAULT_TERMS,
    HostingClosed,
    get_policy,
    open_campaign,
    require_moderator,
    set_policy,
)
from mobilize.services.hosting.proposals import Proposed, confirm, propose
from mobilize.services.hosting.signup import check_shareable, sign_up_sharing_with_host

__all__ = [
    "DEFAULT_TERMS",
    "SHARE_WORDS",
    "HostHistory",
    "HostLinks",
    "HostingClosed",
    "Proposed",
    "approve",
    "check_shareable",
    "confirm",
    "edit_place_and_time",
    "get_policy",
    "host_history",
    "host_view",
    "hosted_by_page_token",
    "hosted_event",
    "is_hosted",
    "mark_attendance",
    "message_signups",
    "open_campaign",
    "propose",
    "record_share_consent",
    "reject",
    "renew_page_link",
    "resend_page_links",
    "request_changes",
    "require_moderator",
    "rotate_page_token",
    "set_policy",
    "short_name",
    "sign_up_sharing_with_host",
    "unpublish",
]
