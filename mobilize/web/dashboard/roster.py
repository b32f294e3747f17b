"""A shift's roster in the dashboard: one-tap attended / no-show, walk-ins, the QR code volunteers scan to
check themselves in, and the roster as CSV (export permission, audited). Also the volunteer's check-in page."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

import segno
from markupsafe import Markup
from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import Response

from mobilize.models import EventStatus, GapAnswer, ShiftStatus, SignupStatus
from mobilize.schemas import BlastIn
from mobilize.services import ratelimit
from mobilize.services.access import Actor
from mobilize.services.errors import Conflict, Invalid, NotFound, RateLimited
from mobilize.services.gaps import standby
from mobilize.services.outbox import after_commit, blasts
from mobilize.services.people import Contact, normalize_email, normalize_phone
from mobilize.services.reports import exports, forecast
from mobilize.services.signups import attendance
from mobilize.web.api.common import validation_fields
from mobilize.web.csrf import csrf_protect
from mobilize.web.dashboard.session import back, dash_render, organizer_page
from mobilize.web.dashboard.turnout import csv_response
from mobilize.web.forms import client_ip
from mobilize.web.text import row_id
from mobilize.web.urls import public_url
from mobilize.web.views import STATUS_LABELS, format_moment, format_span, path, render, sentence

ANSWER_LABELS = {
    GapAnswer.PENDING: "No answer yet",
    GapAnswer.YES: "Yes",
    GapAnswer.NO: "No",
    GapAnswer.EXPIRED: "No answer (expired)",
}
MARKS = {"attended": SignupStatus.ATTENDED, "no_show": SignupStatus.NO_SHOW, "keep": None}


def checkin_url(request: Request, shift_id: int) -> str:
    token = attendance.checkin_token(request.app.state.settings.secret, shift_id)
    return public_url(request, path(request, "pages:checkin", token=token))


def qr_svg(url: str) -> Markup:
    """The QR code as inline SVG, drawn on the server (no script, no outside service)."""
    svg = segno.make(url, error="m").svg_inline(scale=5, border=2, dark="#000", light="#fff")
    return Markup(svg)  # noqa: S704 - segno's own markup; the URL inside it is ours


@organizer_page
async def roster_page(request: Request, actor: Actor) -> Response:
    shift, rows = await attendance.roster(actor, int(request.path_params["shift_id"]))
    event = shift.event
    now = datetime.now(UTC)
    outlook = (await forecast.shift_outlook([shift])).get(shift.id) if shift.ends_at > now else None
    arrivals = attendance.takes_arrivals(shift, now)  # over or cancelled: no walk-in form, no QR code
    url = checkin_url(request, shift.id)
    people = [
        {
            "signup": s,
            "name": s.volunteer.name or "(no name)",
            "contact": s.volunteer.phone or s.volunteer.email or "",
            "label": STATUS_LABELS[SignupStatus(s.status)],
            "open": s.status not in (SignupStatus.CANCELLED,),
        }
        for s in rows
    ]
    _, asked = await standby.shift_gap_requests(actor, shift.id)
    asks = [
        {
            "name": r.volunteer.name or "(no name)",
            "contact": r.volunteer.phone or "",
            "asked": format_moment(r.asked_at, event.timezone, now),
            "answer": ANSWER_LABELS[GapAnswer(r.answer)],
            "answered": format_moment(r.answered_at, event.timezone, now) if r.answered_at else "",
            "answer_value": str(r.answer),
        }
        for r in asked
    ]
    context = {
        "shift": shift,
        "event": event,
        "when": format_span(shift.starts_at, shift.ends_at, event.timezone, now),
        "people": people,
        "asks": asks,
        "counts": shift.counts,  # type: ignore[attr-defined]
        "outlook": outlook,
        "arrivals": arrivals,
        "cancelled": shift.status == ShiftStatus.CANCELLED or event.status == EventStatus.CANCELLED,
        "checkin_url": url,
        "qr": qr_svg(url) if arrivals else "",
        "can_write": actor.role.value != "viewer",
        "can_export": actor.can_export,
        "values": {},
        "errors": {},
        "message_key": secrets.token_urlsafe(16),
    }
    return dash_render(request, actor, "dashboard/roster.html", context)


@organizer_page
async def mark(request: Request, actor: Actor) -> Response:
    form = await request.form()
    choice = str(form.get("mark") or "")
    if choice not in MARKS:
        raise Invalid.field("mark", "attended, no_show or keep")
    shift_id = row_id(form.get("shift"))  # where to go back to when nothing changed
    if "shift" in form and shift_id is None:
        raise Invalid.field("shift", "give the number of the shift")
    try:
        signup = await attendance.record_attendance(actor, int(request.path_params["signup_id"]), MARKS[choice])
    except (Conflict, attendance.TooEarly) as exc:
        if shift_id is None:
            return back(request, f"Nothing changed: {exc.message}.", "dash:home")
        return back(request, f"Nothing changed: {exc.message}.", "dash:roster", shift_id=shift_id)
    name = signup.volunteer.name or "This person"
    said = {
        "attended": "checked in",
        "no_show": "marked as a no-show",
        "keep": "excused (never marked a no-show automatically)",
    }[choice]
    return back(request, f"{name}: {said}.", "dash:roster", shift_id=signup.shift_id)  # type: ignore[attr-defined]


def _contact(request: Request, name: str, phone: str, email: str) -> Contact:
    region = request.app.state.settings.phone_region
    errors: dict[str, str] = {}
    normalized_phone = normalized_email = None
    try:
        normalized_phone = normalize_phone(phone, region) if phone else None
    except ValueError as exc:
        errors["phone"] = sentence(str(exc))
    try:
        normalized_email = normalize_email(email) if email else None
    except ValueError as exc:
        errors["email"] = sentence(str(exc))
    if not errors and not normalized_phone and not normalized_email:
        errors["phone"] = "Give a phone number or an email address."
    if errors:
        raise Invalid(next(iter(errors.values())), fields=errors)
    return Contact(name=name, phone=normalized_phone, email=normalized_email)


@organizer_page
async def walk_in(request: Request, actor: Actor) -> Response:
    shift_id = int(request.path_params["shift_id"])
    form = await request.form()
    name, phone, email = (str(form.get(k) or "").strip()[:200] for k in ("name", "phone", "email"))
    status = str(form.get("status") or "")
    try:
        contact = _contact(request, name, phone, email)
        if status:  # after the shift: from the sign-in sheet, with whether they came
            if status not in ("attended", "no_show"):
                raise Invalid.field("status", "must be attended or no_show")
            signup, _ = await attendance.add_with_attendance(actor, shift_id, contact, SignupStatus(status))
            said = "came" if status == "attended" else "did not come"
            who = signup.volunteer.name or "The person"
            return back(request, f"{who} is on the roster: {said}.", "dash:roster", shift_id=shift_id)
        signup = await attendance.add_walk_in(actor, shift_id, contact)
    except (Invalid, Conflict) as exc:
        return back(request, f"The walk-in was not added: {exc.message}.", "dash:roster", shift_id=shift_id)
    return back(request, f"{signup.volunteer.name or 'The walk-in'} is checked in.", "dash:roster", shift_id=shift_id)


@organizer_page
async def message_roster(request: Request, actor: Actor) -> Response:
    """An organizer's message to the people on the shift (services.outbox.blasts: consent, opt-outs and quiet hours
    respected). The form's one-time key makes a double submit send nothing twice."""
    shift_id = int(request.path_params["shift_id"])
    form = await request.form()
    channels = [c for c in form.getlist("channels") if c in ("sms", "email")]
    raw = {"channels": channels, "subject": str(form.get("subject") or "")[:200], "body": str(form.get("body") or "")}
    try:
        data = BlastIn.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(f"{k}: {v}" for k, v in validation_fields(exc).items())
        return back(request, f"Nothing was sent: {problems}.", "dash:roster", shift_id=shift_id)
    key = str(form.get("key") or "")[:100] or None
    result = await blasts.blast_shift(
        actor, shift_id, data, idempotency_key=key, quiet=request.app.state.settings.quiet_hours
    )
    after_commit.deliver(result.due_now)
    skipped = result.no_consent + result.opted_out
    notice = f"Message on its way to {result.recipients} people ({result.messages} messages)."
    if skipped:
        notice += f" {skipped} could not be reached on a channel (no consent, opted out or no address)."
    return back(request, notice, "dash:roster", shift_id=shift_id)


@organizer_page
async def roster_csv(request: Request, actor: Actor) -> Response:
    shift_id = int(request.path_params["shift_id"])
    header, rows = await exports.roster_rows(actor, shift_id)
    return csv_response(f"roster-shift-{shift_id}.csv", header, rows)


# ---- the volunteer's side: /checkin/{token} ----------------------------------------------------------


async def _checkin_context(request: Request) -> dict[str, object]:
    shift_id = attendance.shift_from_token(request.app.state.settings.secret, request.path_params["token"])
    shift = await attendance.checkin_shift(shift_id)
    event = shift.event
    return {"shift": shift, "event": event, "when": format_span(shift.starts_at, shift.ends_at, event.timezone)}


async def checkin_page(request: Request) -> Response:
    context = await _checkin_context(request) | {"values": {}, "errors": {}, "done": None}
    return render(request, "checkin.html", context, private=True)


@csrf_protect
async def checkin(request: Request) -> Response:
    context = await _checkin_context(request)
    form = await request.form()
    raw = str(form.get("contact") or "").strip()[:254]
    values = {"contact": raw}
    shift_id = context["shift"].id  # type: ignore[attr-defined]
    try:
        # Each try looks a phone number or email up on the shift: counted per shift and address, so the link
        # cannot be used to find out who signed up (a crowd arriving on one venue's Wi-Fi mostly stays under it).
        key = f"checkin:{shift_id}:{client_ip(request)}"
        await ratelimit.check(request.app.state.limiter, key, request.app.state.settings.checkin_rate, "address")
    except RateLimited as exc:
        errors = {"contact": f"Too many tries from here. Try again in {exc.retry_after} seconds, or ask an organizer."}
        response = render(request, "checkin.html", context | {"values": values, "errors": errors, "done": None},
                          status=429, private=True)  # fmt: skip
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    try:
        if "@" in raw:
            contact = _contact(request, "", "", raw)
        else:
            contact = _contact(request, "", raw, "")
        done = await attendance.self_check_in(shift_id, contact)
    except (Invalid, NotFound, Conflict) as exc:
        errors = {"contact": sentence(exc.message)}
        status = 404 if isinstance(exc, NotFound) else 422
        return render(request, "checkin.html", context | {"values": values, "errors": errors, "done": None},
                      status=status, private=True)  # fmt: skip
    return render(request, "checkin.html", context | {"values": {}, "errors": {}, "done": done}, private=True)
