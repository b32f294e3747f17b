"""Sign-ups: seats without overbooking and the one promotion rule for every freed seat (`seats`, the only
writer of `Shift.filled`, with its PostgreSQL statement beside it in `postgres`), a shift read with its event
(`loading`), reading rosters (`queries`), attendance and check-in (`attendance`), the volunteer's own page of
sign-ups (`pages`), merging two records of one person (`merge`), and one sign-up for several shifts of an event
(`several`)."""

from mobilize.services.signups.loading import load_shift
from mobilize.services.signups.postgres import StaleShift
from mobilize.services.signups.queries import list_signups, signup_with_shift, volunteer_signups
from mobilize.services.signups.seats import (
    ALLOWED_MOVES,
    CoalitionChoices,
    SignupResult,
    cancel_signup,
    check_open,
    close_shift,
    fill_from_waitlist,
    open_shift,
    record_signup,
    release_seat_and_promote,
    resize,
    set_status,
    sign_up,
)
from mobilize.services.signups.several import SeveralResult, sign_up_for_shifts

__all__ = [
    "ALLOWED_MOVES",
    "CoalitionChoices",
    "SeveralResult",
    "SignupResult",
    "StaleShift",
    "cancel_signup",
    "check_open",
    "close_shift",
    "fill_from_waitlist",
    "list_signups",
    "load_shift",
    "open_shift",
    "record_signup",
    "release_seat_and_promote",
    "resize",
    "set_status",
    "sign_up",
    "sign_up_for_shifts",
    "signup_with_shift",
    "volunteer_signups",
]
