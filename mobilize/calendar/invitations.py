"""Calendar invitations (iTIP, RFC 5546) for one person and one shift, attached to emails: METHOD:REQUEST
when they hold a seat, METHOD:CANCEL when they drop it. Pure functions from plain rows to bytes, no I/O.

The VEVENT's UID is the one the feeds use for the shift, so a mail client that added the invitation and a
subscribed feed describe the same event. Mail clients apply an iTIP message only if its SEQUENCE is not
older than what they hold: a CANCEL takes the next number after its REQUEST, and a person who drops a
shift and signs up again (`revision` = their earlier drops) gets numbers above every earlier CANCEL.
Everything a person typed is serialized by icalendar (>= 7.3), which escapes line breaks; names and
addresses that end up in parameters are cleaned here first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from email.utils import parseaddr
from typing import Literal
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vCalAddress, vText

from mobilize.calendar.feeds import ShiftRow, location_text, shift_uid
from mobilize.calendar.zones import vtimezone

PRODID = "-//mobilize//mobilize invitations//EN"
Method = Literal["REQUEST", "CANCEL"]
_UNSAFE_ADDRESS = re.compile(r"[\x00-\x20\x7f\"<>]")  # whitespace, controls and quotes never belong in an address


@dataclass(frozen=True, slots=True)
class Invitation:
    """One volunteer's seat on one shift. `shift.event` must carry the full address: the person signed up."""

    shift: ShiftRow
    uid_domain: str  # the host of PUBLIC_BASE_URL, as in the feeds
    organizer_name: str  # the organization
    organizer_email: str  # MAIL_FROM (may be "Name <address>")
    attendee_name: str
    attendee_email: str
    manage_url: str  # the volunteer's own page, to see or drop their shifts
    revision: int = 0  # how many times this person signed up for and dropped this shift before


def sequence(invitation: Invitation, method: Method) -> int:
    """The feed's SEQUENCE (event + shift), two more per earlier drop, and one more for a CANCEL unless the
    shift or event is cancelled itself (cancelling those already raised the shift's or event's number)."""
    shift = invitation.shift
    number = shift.event.sequence + shift.sequence + 2 * invitation.revision
    if method == "CANCEL" and not (shift.cancelled or shift.event.cancelled):
        number += 1
    return number


def build_invitation(invitation: Invitation, method: Method, stamp: datetime) -> bytes:
    """A VCALENDAR with METHOD, one VTIMEZONE and one VEVENT for this person's shift. `stamp` (aware) is
    when the message is made (DTSTAMP)."""
    shift = invitation.shift
    event = shift.event
    zone = ZoneInfo(event.timezone)
    start, end = shift.starts_at.astimezone(zone), shift.ends_at.astimezone(zone)

    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    # The years the shift touches, not icalendar's default 1970-2038 (every transition of 68 years).
    cal.add_component(vtimezone(event.timezone, date(start.year, 1, 1), date(end.year + 1, 1, 1)))

    component = Event()
    component.add("uid", shift_uid(shift.id, invitation.uid_domain))
    component.add("dtstamp", stamp)
    component.add("dtstart", start)
    component.add("dtend", end)
    component.add("sequence", sequence(invitation, method))
    component.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    component.add("summary", vText(event.title))
    component.add("description", vText(_description(invitation, method)))
    location = location_text(event)
    if location:
        component.add("location", vText(location))
    if event.lat is not None and event.lon is not None:
        component.add("geo", (event.lat, event.lon))
    component.add("url", event.url)
    component.add("organizer", _address(invitation.organizer_email, invitation.organizer_name))
    attendee = _address(invitation.attendee_email, invitation.attendee_name)
    attendee.params["ROLE"] = "REQ-PARTICIPANT"
    if method == "REQUEST":
        attendee.params["PARTSTAT"] = "ACCEPTED"  # they signed up themselves: nothing to answer
    attendee.params["RSVP"] = "FALSE"  # nobody reads replies sent to MAIL_FROM
    component.add("attendee", attendee)
    if method == "REQUEST":
        component.add("transp", "OPAQUE")
    cal.add_component(component)
    return cal.to_ical()


def _description(invitation: Invitation, method: Method) -> str:
    event = invitation.shift.event
    notes: list[str] = []
    if method == "CANCEL":
        notes.append("You are no longer signed up for this shift.")
    if event.description:
        notes.append(event.description)
    if event.instructions and method == "REQUEST":
        notes.append(event.instructions)
    if event.virtual_url:
        notes.append(f"Online: {event.virtual_url}")
    notes.append(f"Event page: {event.url}")
    notes.append(f"See or drop your shifts: {invitation.manage_url}")
    return "\n\n".join(notes)


def _address(email: str, name: str) -> vCalAddress:
    """mailto: address with CN. Parameter values cannot hold quotes or line breaks (RFC 5545 3.2): strip them."""
    address = _UNSAFE_ADDRESS.sub("", parseaddr(email)[1] or email)
    value = vCalAddress(f"mailto:{address}")
    cn = " ".join(name.replace('"', "").split())
    if cn:
        value.params["CN"] = cn
    return value
