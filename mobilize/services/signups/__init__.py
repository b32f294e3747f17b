"""Sign-ups: seats without overbooking and the one promotion rule for every freed seat (`seats`, the only
writer of `Shift.filled`, with its PostgreSQL statement beside it in `postgres`), reading rosters
(`queries`), attendance and check-in (`attendance`), the volunteer's own page of sign-ups (`pages`), and
merging two records of one person (`merge`)."""

from mobilize.services.signups.queries import list_signups, signup_with_shift, volunteer_signups
from mobilize.services.signups.seats import (
    ALLOWED_MOVES,
    CoalitionChoices,
    SignupResult,
    cancel_signup,
    check_open,
    close_shift,
    fill_from_waitlist,
    load_shift,
    open_shift,
    release_seat_and_promote,
    resize,
    set_status,
    sign_up,
)

__all__ = [
    "ALLOWED_MOVES",
    "CoalitionChoices",
    "SignupResult",
    "cancel_signup",
    "check_open",
    "close_shift",
    "fill_from_waitlist",
    "list_signups",
    "load_shift",
    "open_shift",
    "release_seat_and_promote",
    "resize",
    "set_status",
    "sign_up",
    "signup_with_shift",
    "volunteer_signups",
]
