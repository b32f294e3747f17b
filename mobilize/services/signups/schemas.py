"""Input shape of a public sign-up for several shifts of one event, validated by pydantic like mobilize.schemas
(kept apart so that module stays one screenful per area)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from mobilize.models import MAX_ID
from mobilize.schemas import PublicSignupIn
from mobilize.services.signups.several import MAX_SHIFTS

ShiftId = Annotated[int, Field(ge=1, le=MAX_ID)]


class PublicShiftsSignupIn(PublicSignupIn):
    """The public sign-up's body (`volunteer`, `referrer`, `share_with`, `recruited_by`) with the shifts of the
    event to sign up for, all or none."""

    shifts: Annotated[
        list[ShiftId],
        Field(
            min_length=1,
            max_length=MAX_SHIFTS,
            description="the ids of the event's shifts, each once; one that is not the event's, cancelled or over "
            "refuses the whole sign-up (the error names `shifts.N`)",
        ),
    ]
