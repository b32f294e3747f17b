"""Events and what frames them: action groups and campaigns (`groups`), reading events and shifts as an
organizer sees them (`queries`), events (`catalog`) and their shifts (`shifts`: one, an RRULE schedule, or
the dashboard's simple schedules in `schedules`), and what the public may find (`public`)."""

from mobilize.services.events.catalog import (
    LOCATION_FIELDS,
    apply_location,
    cancel_event,
    create_event,
    is_listed,
    rotate_share_token,
    tell_cancellation,
    update_event,
)
from mobilize.services.events.queries import (
    event_query,
    get_event,
    get_shift,
    list_events,
    load_shifts,
    shift_counts,
)
from mobilize.services.events.shifts import (
    ShiftChange,
    add_shifts,
    new_shift_code,
    remove_shift,
    update_shift,
)

__all__ = [
    "LOCATION_FIELDS",
    "ShiftChange",
    "add_shifts",
    "apply_location",
    "cancel_event",
    "create_event",
    "event_query",
    "get_event",
    "get_shift",
    "is_listed",
    "list_events",
    "load_shifts",
    "new_shift_code",
    "remove_shift",
    "rotate_share_token",
    "shift_counts",
    "tell_cancellation",
    "update_event",
    "update_shift",
]
