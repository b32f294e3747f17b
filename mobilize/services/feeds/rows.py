"""Feed rows to iCalendar: the columns a feed reads of each shift and its event, and the rows built from them
(a public feed leaves out what the organizer keeps for people signed up; every entry names its host
organization and, for an event in a campaign, the campaign and its convener)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from mobilize.calendar.feeds import EventRow, FeedMeta, ShiftRow, build_feed
from mobilize.models import EventStatus, ShiftStatus, SignupStatus
from mobilize.models.events import address_token

# An event's page address from its id and address token (models.events.address_token): the web layer's routes.
EventUrl = Callable[[int, str | None], str]
EVENT_FIELDS = tuple(
    "id title description event_type timezone venue address city region postal_code country lat lon virtual_url "
    "status sequence updated_at address_after_signup visibility share_token organization__name campaign__name "
    "campaign__organization__name".split()
)
SHIFT_FIELDS = ("id", "starts_at", "ends_at", "status", "sequence", "updated_at")
_EVENT_STATUS = EVENT_FIELDS.index("status")
_SHIFT_STATUS = SHIFT_FIELDS.index("status")


def render(volunteer: bool, rows: Sequence[tuple[Any, ...]], meta: FeedMeta, event_url: EventUrl) -> bytes:
    """The feed's bytes from its rows (`volunteer`: a volunteer's own feed, rows of their sign-ups)."""
    events: dict[int, EventRow] = {}
    shifts: list[ShiftRow] = []
    n_shift = len(SHIFT_FIELDS)
    if volunteer:
        seen: set[int] = set()
        for row in rows:
            signup_status, shift_values, event_values = row[0], row[1 : 1 + n_shift], row[1 + n_shift :]
            if shift_values[0] in seen:
                continue
            seen.add(shift_values[0])
            cancelled_by_us = (
                shift_values[_SHIFT_STATUS] == ShiftStatus.CANCELLED
                or event_values[_EVENT_STATUS] != EventStatus.SCHEDULED  # cancelled, or unpublished
            )
            if signup_status == SignupStatus.CANCELLED and not cancelled_by_us:
                continue  # they dropped it: it leaves their calendar
            event = _event_row(events, event_values[:-1], event_url, public=False, instructions=event_values[-1])
            shifts.append(_shift_row(shift_values, event, waitlisted=signup_status == SignupStatus.WAITLISTED))
    else:
        for row in rows:
            event = _event_row(events, row[n_shift:], event_url, public=True)
            shifts.append(_shift_row(row[:n_shift], event))
    return build_feed(meta, shifts)


def _event_row(
    events: dict[int, EventRow],
    values: Sequence[Any],
    event_url: EventUrl,
    *,
    public: bool,
    instructions: str = "",
) -> EventRow:
    event = events.get(values[0])
    if event is not None:
        return event
    (
        event_id,
        title,
        description,
        event_type,
        timezone,
        venue,
        address,
        city,
        region,
        postal_code,
        country,
        lat,
        lon,
        virtual_url,
        status,
        sequence,
        updated_at,
        address_after_signup,
        visibility,
        share_token,
        host,
        campaign,
        convener,
    ) = values
    if public and address_after_signup:
        address, lat, lon = "", None, None  # the organizer shows these to people signed up only
    event = events[event_id] = EventRow(
        id=event_id,
        title=title,
        timezone=timezone,
        url=event_url(event_id, address_token(visibility, share_token)),
        updated_at=updated_at,
        description=description,
        event_type=str(event_type),
        venue=venue,
        address=address,
        city=city,
        region=region,
        postal_code=postal_code,
        country=country,
        lat=lat,
        lon=lon,
        virtual_url=virtual_url,
        instructions=instructions or "",
        cancelled=status != EventStatus.SCHEDULED,  # an unpublished hosted event too
        sequence=sequence,
        host=f"Hosted by {host}" + (f" · Part of {campaign}, convened by {convener}" if campaign else ""),
    )
    return event


def _shift_row(values: Sequence[Any], event: EventRow, *, waitlisted: bool = False) -> ShiftRow:
    shift_id, starts_at, ends_at, status, sequence, updated_at = values
    return ShiftRow(
        id=shift_id,
        event=event,
        starts_at=starts_at,
        ends_at=ends_at,
        updated_at=updated_at,
        cancelled=status == ShiftStatus.CANCELLED,
        waitlisted=waitlisted,
        sequence=sequence,
    )
