"""Filling gaps: standby lists, asking standby volunteers to fill shifts below target, and their answers."""

from mobilize.services.gaps.filling import (
    GapFill,
    GapResponse,
    GapRules,
    answer,
    expire_requests,
    fill_gaps,
    gap_text,
    nearest_first,
    pending_request,
    shifts_with_gaps,
)

__all__ = [
    "GapFill",
    "GapResponse",
    "GapRules",
    "answer",
    "expire_requests",
    "fill_gaps",
    "gap_text",
    "nearest_first",
    "pending_request",
    "shifts_with_gaps",
]
