"""Inbound SMS: receiving and recording each text once, the keyword grammar, routing to one organization's
record, the shift replies (YES, NO, HERE), JOIN, and the organizers' inbox."""

from mobilize.services.inbound.receive import (
    InboundSms,
    Received,
    help_text,
    log,
    may_text,
    opt_in,
    opt_out,
    organization_of,
    preview_of,
    receive,
    to_inbox,
)

__all__ = [
    "InboundSms",
    "Received",
    "help_text",
    "log",
    "may_text",
    "opt_in",
    "opt_out",
    "organization_of",
    "preview_of",
    "receive",
    "to_inbox",
]
