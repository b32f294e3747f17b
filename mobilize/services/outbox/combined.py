"""The one message of a sign-up for several shifts of one event at once (services.signups.several): a single
confirmation per channel listing every shift with its date and time, seats and waitlist apart, in place of
one confirmation per shift; the reminders stay per seat (services.outbox.reminders).

The message belongs to one of the sign-ups (the first seat, by start; else the first on the waitlist) and is
keyed like that sign-up's own confirmation with the `SEVERAL` revision, so re-running the planning writes
nothing twice. It carries no calendar invitation: one iTIP message describes one event (RFC 5546), so the
email points to the volunteer's page, whose private feed holds every shift; `lists_shifts` tells the delivery
(and `invitations.was_invited`) which messages those are.
"""

from __future__ import annotations

from collections.abc import Sequence

from mobilize import links
from mobilize.models import SEAT_STATUSES, MessageKind, Signup, SignupSource, Volunteer
from mobilize.services.outbox import after_commit, messages, reminders
from mobilize.services.outbox.invitations import SEVERAL
from mobilize.services.outbox.notifications import OWN_SOURCES, texted_when
from mobilize.times import text_span

SMS_MAX = 1600  # Twilio's limit for one message (schemas.SMS_BODY_MAX): past it, the rest is on their page


def _slot(signup: Signup) -> str:
    shift = signup.shift
    return text_span(shift.starts_at, shift.ends_at, shift.event.timezone)


def _listing(slots: list[str], shown: int) -> str:
    text = "; ".join(slots[:shown])
    return text + (f" and {len(slots) - shown} more" if shown < len(slots) else "")


def _sms(lead: str, parts: list[tuple[str, list[str], str]], tail: str) -> str:
    """The text: each part's words and shifts; past SMS_MAX characters, the longest list is shortened first
    ("... and 9 more"), keeping at least one shift of each."""
    shown = [len(slots) for _, slots, _ in parts]
    while True:
        body = lead + " ".join(
            head + _listing(slots, k) + end for (head, slots, end), k in zip(parts, shown, strict=True)
        )
        body += tail
        longest = max(range(len(shown)), key=lambda n: shown[n])
        if len(body) <= SMS_MAX or shown[longest] <= 1:
            return body
        shown[longest] -= 1


def compose(signups: Sequence[Signup], base_url: str) -> tuple[str, str, str]:
    """(sms body, email subject, email text) listing these sign-ups of one person to shifts of one event, in
    the order given (by start). The SMS lists as many shifts as fit in one message of SMS_MAX characters."""
    first = signups[0]
    event = first.shift.event
    org = event.organization.name
    volunteer = first.volunteer
    seats = [_slot(s) for s in signups if s.status in SEAT_STATUSES]
    waiting = [_slot(s) for s in signups if s.status not in SEAT_STATUSES]
    manage = links.manage_url(base_url, volunteer.manage_token)
    where = messages.at_place(event)
    tail = f" Your shifts: {manage} {messages.SMS_FOOTER}"
    parts: list[tuple[str, list[str], str]] = []
    if seats:
        parts.append((f"you're signed up for {event.title}{where}: ", seats, "."))
    if waiting:
        lead = "You're" if seats else "you're"
        parts.append((f"{lead} on the waitlist for {event.title}: ", waiting, ". We'll tell you if a spot opens."))
    sms = _sms(f"{org}: ", parts, tail)
    count = len(signups)
    subject = f"{'Signed up' if seats else 'Waitlisted'}: {event.title}, {count} shifts"
    text = f"Hello {volunteer.name or 'there'},\n\n"
    if seats:
        text += f"You're signed up for {event.title}{where}:\n" + "".join(f"- {slot}\n" for slot in seats) + "\n"
    if waiting:
        text += (
            f"You're on the waitlist for {event.title} (we'll tell you if a spot opens):\n"
            + "".join(f"- {slot}\n" for slot in waiting)
            + "\n"
        )
    text += (
        f"Event page: {links.event_url(base_url, event.id, event.address_token())}\n"
        f"See or drop your shifts, and add them all to your calendar: {manage}\n\n-- {org}"
    )
    return sms, subject, text


async def after_signups(signup_ids: Sequence[int], volunteer: Volunteer) -> None:
    """The messages of one person's new sign-ups for several shifts of an event, written in the sign-ups'
    transaction: one confirmation (a waitlist notice if no shift had a seat) listing them all, on each channel
    the person may get, and the reminders of every seat. Idempotent (dedupe keys); the rows due now are
    delivered after the commit."""
    if not (messages.texts_to(volunteer) or messages.mails_to(volunteer)):
        return  # nobody to tell it to (as notifications.new_signup_messages says)
    loaded = await messages.load_signups(Signup.filter(id__in=list(signup_ids)))
    loaded.sort(key=lambda s: (s.shift.starts_at, s.shift_id))  # type: ignore[attr-defined]
    if not loaded or loaded[0].source == SignupSource.WALK_IN:
        return
    plan = after_commit.plan()
    now = plan.clock()
    seated = [s for s in loaded if s.status in SEAT_STATUSES]
    anchor = (seated or loaded)[0]
    kind = MessageKind.CONFIRMATION if seated else MessageKind.WAITLISTED
    due = None if anchor.source in OWN_SOURCES else texted_when(kind, now, plan.quiet, plan.urgent)
    last_start = max(s.shift.starts_at for s in loaded)
    rows = messages.planned(
        anchor,
        kind,
        plan.base_url,
        now,
        revision=SEVERAL,
        due=due,
        composed=compose(loaded, plan.base_url),
        expires_at=last_start,
    )
    ids = await messages.write_planned(anchor, rows, now)
    for signup in seated:
        ids += await messages.write_planned(
            signup, reminders.reminder_rows(signup, plan.base_url, now, plan.quiet), now
        )
    after_commit.deliver(ids)
