"""People: each organization's own records of a person (contact, notes, tags, member id), their consent per
organization and the opt-outs per sending number, the volunteer's private page and feed links, and the
organizers' directory, history and merges. Nothing here reads another organization's records."""

from mobilize.services.people.consent import (
    SHARED,
    ConsentContext,
    block,
    grant_sms_consent,
    opted_out,
    record_consent,
    refresh_blocks,
    sender_of,
    shown_sms_status,
    textable,
    unblock,
)
from mobilize.services.people.records import (
    Contact,
    complete_volunteer,
    find_or_create_volunteer,
    may_collide,
    new_token,
    new_volunteer,
    normalize_email,
    normalize_phone,
)
from mobilize.services.people.sharing import share_contact, share_words

__all__ = [
    "SHARED",
    "ConsentContext",
    "Contact",
    "block",
    "complete_volunteer",
    "find_or_create_volunteer",
    "grant_sms_consent",
    "may_collide",
    "new_token",
    "new_volunteer",
    "normalize_email",
    "normalize_phone",
    "opted_out",
    "record_consent",
    "refresh_blocks",
    "sender_of",
    "share_contact",
    "share_words",
    "shown_sms_status",
    "textable",
    "unblock",
]
