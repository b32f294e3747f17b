"""Public HTML pages: the event finder, an event with its sign-up form, a volunteer's own page."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from mobilize.calendar.links import webcal_url
from mobilize.models import Event, EventStatus, Shift, SignupSource, Visibility
from mobilize.schemas import VolunteerIn
from mobilize.services import coalitions, hosting, people, signups
from mobilize.services.errors import AlreadySignedUp, Conflict, Invalid, RateLimited
from mobilize.services.events import public
from mobilize.services.people import links
from mobilize.services.signups import pages as own_pages
from mobilize.services.signups.several import MAX_SHIFTS
from mobilize.web import shift_picker
from mobilize.web.api.public import coalition_choices, limit_public_signup, public_sign_up
from mobilize.web.csrf import csrf_protect
from mobilize.web.forms import contact_from, sms_consent_from
from mobilize.web.urls import event_route_for, public_url
from mobilize.web.views import (
    DEFAULT_RADIUS_KM,
    DONE_KEY,
    DONE_TTL_SECONDS,
    FLASH_KEY,
    FORM_FIELDS,
    RADIUS_CHOICES,
    event_card,
    event_path,
    format_span,
    optional_path,
    path,
    place_lines,
    redirect,
    redirect_to_event,
    render,
    sentence,
    shift_view,
    signup_view,
    type_label,
)


async def finder(request: Request) -> Response:
    q = request.query_params
    postal_code = (q.get("postal_code") or "").strip()
    campaign = (q.get("campaign") or "").strip()
    radius_raw = (q.get("radius_km") or "").strip()
    errors: dict[str, str] = {}
    radius = float(DEFAULT_RADIUS_KM)
    if radius_raw:
        try:
            radius = float(radius_raw)
        except ValueError:
            errors["radius_km"] = "Choose a distance in kilometres."
    if len(postal_code) > 16:
        errors["postal_code"] = "This postal code is too long."
    found: list[public.Found] = []
    if not errors:
        try:
            found = await public.find_events(near=postal_code or None, radius_km=radius, campaign=campaign or None)
        except Invalid as exc:
            if "near" in exc.fields:
                errors["postal_code"] = (
                    f"We don't know the postal code “{postal_code}”. Check it, or leave it empty to see every "
                    "upcoming action."
                )
            if "radius_km" in exc.fields:
                errors["radius_km"] = "Choose a distance between 1 and 1000 km."
            if not errors:
                errors["postal_code"] = sentence(exc.message)
    now = datetime.now(UTC)
    shown: float = int(radius) if radius.is_integer() else radius
    choices: list[float] = list(RADIUS_CHOICES)
    if "radius_km" not in errors and shown not in choices:
        choices = sorted([*choices, shown])  # a radius from a shared link stays selected
    context = {
        "postal_code": postal_code,
        "radius": shown,
        "radius_choices": choices,
        "campaign": campaign,
        "cards": [event_card(f, now) for f in found],
        "searched": bool(postal_code),
        "errors": errors,
    }
    return render(request, "finder.html", context, status=422 if errors else 200)


# ---- an event and its sign-up form -------------------------------------------------------------


def event_response(
    request: Request,
    event: Event,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    notice: str | None = None,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    now = datetime.now(UTC)
    shifts = getattr(event, "shift_list", [])
    views = {s.id: shift_view(s, event, now) for s in shifts}
    upcoming = {shift_id: view for shift_id, view in views.items() if view.state != "over"}
    values = dict(values or {})
    open_ids = [str(shift_id) for shift_id, view in upcoming.items() if view.can_sign_up]
    if "shifts" not in values and len(open_ids) == 1:
        values["shifts"] = open_ids  # one choice: preselect it rather than make people tick it
    context = {
        "event": event,
        "kind": type_label(event),
        "place": place_lines(event),
        "shift_list": shift_picker.listing(shifts, upcoming, event, now),
        "shift_count": len(upcoming),
        "past_count": len(views) - len(upcoming),
        "can_sign_up": bool(open_ids) and event.status == EventStatus.SCHEDULED,
        "cancelled": event.status != EventStatus.SCHEDULED,
        "ics_path": event_path(request, "feeds:event", event),
        "subscriptions": feed_subscriptions(request, event),
        "share_choices": getattr(event, "share_choices", []),
        "campaign_url": path(request, "pages:campaign", org=event.campaign.organization.slug, slug=event.campaign.slug)
        if event.campaign
        else None,
        "consent_text": request.app.state.settings.sms_consent_text,
        "share_text": hosting.SHARE_WORDS if getattr(event, "volunteer_hosted", False) else "",
        "values": values,
        "errors": errors or {},
        "notice": notice,
    }
    # A non-public event's page is at a secret address: kept out of shared caches, indexes and Referers.
    private = event.visibility != Visibility.PUBLIC
    return render(request, "event.html", context, status=status, headers=headers, private=private)


def feed_subscriptions(request: Request, event: Event) -> list[dict[str, str]]:
    """Subscribe links (https:// for Google and Outlook, webcal:// for Apple) to the event's group and campaign
    feeds. The organization-qualified addresses: group and campaign slugs are unique per organization only."""
    org = event.organization.slug
    feeds = [(f"{event.group.name} (all its actions)", "feeds:org-group", org, event.group.slug)]
    if event.campaign is not None:  # a partner's event is in its convener's campaign
        convener = event.campaign.organization.slug
        feeds.append(
            (f"{event.campaign.name} (the whole campaign)", "feeds:org-campaign", convener, event.campaign.slug)
        )
    links = []
    for label, name, org, slug in feeds:
        https = public_url(request, path(request, name, org=org, slug=slug))
        links.append({"label": label, "https": https, "webcal": webcal_url(https)})
    return links


async def _addressed_event(request: Request) -> Event:
    """The event at the address of this request: `/events/{id}` for a public one, `/events/{id}-{token}`
    for any that is not private (services.public.reachable); else NotFound."""
    event = await public.get_public_event(int(request.path_params["event_id"]), request.path_params.get("token"))
    event.volunteer_hosted = await hosting.is_hosted(event.id)  # type: ignore[attr-defined]
    return event


async def _coalition_view(event: Event, ref: str) -> str:
    """For an event in a coalition campaign: attach the boxes its form offers (`event.share_choices`, each
    (slug, the exact words)) and answer the slug of the campaign's organization that `ref` names, if any."""
    recruiter = await coalitions.recruiter(event, ref[:64]) if event.campaign_id else None
    choices = await coalitions.sharing_choices(event, recruiter)
    event.share_choices = [(o.slug, people.share_words(o.name)) for o in choices]  # type: ignore[attr-defined]
    return recruiter.slug if recruiter else ""


async def event_page(request: Request) -> Response:
    event = await _addressed_event(request)
    # ?ref=... lets an organizer see which link or partner brought the sign-up (and credits a campaign's partner).
    ref = (request.query_params.get("ref") or "")[:200]
    recruited_by = await _coalition_view(event, ref)
    return event_response(request, event, values={"referrer": ref, "recruited_by": recruited_by})


def _form_values(form: FormData) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in FORM_FIELDS:
        raw = form.get(name)
        values[name] = raw.strip() if isinstance(raw, str) else ""
    values["referrer"] = values["referrer"][:200]
    values["sms_opt_in"] = form.get("sms_opt_in") is not None
    return values


def _volunteer_errors(exc: ValidationError) -> dict[str, str]:
    errors: dict[str, str] = {}
    for err in exc.errors():
        message = str(err["msg"]).removeprefix("Value error, ")
        if err["loc"]:
            errors.setdefault(str(err["loc"][0]), sentence(message))
        elif "sms_opt_in" in message:
            errors.setdefault("sms_opt_in", "To get text messages, give a phone number too.")
        else:
            errors.setdefault("contact", "Give a phone number or an email address so we can reach you.")
    return errors


@csrf_protect
async def event_signup(request: Request) -> Response:
    settings = request.app.state.settings
    event = await _addressed_event(request)
    form = await request.form()
    values = _form_values(form)
    values["recruited_by"] = await _coalition_view(event, values["recruited_by"])
    values["share_with"] = [v for v in form.getlist("share_with") if isinstance(v, str)][:5]
    # Offered (and so taken) only on a volunteer-hosted event's form.
    values["share_with_host"] = bool(getattr(event, "volunteer_hosted", False)) and "share_with_host" in form
    if event.status != EventStatus.SCHEDULED:
        return event_response(request, event, notice="This action is cancelled; nobody can sign up.", status=409)
    now = datetime.now(UTC)
    open_ids = {s.id for s in getattr(event, "shift_list", []) if shift_view(s, event, now).can_sign_up}
    errors: dict[str, str] = {}
    ticked = form.getlist("shift")
    shift_ids, shift_error = shift_picker.picked(ticked, open_ids)
    values["shifts"] = [str(v) for v in ticked if isinstance(v, str)][: len(open_ids)]
    if shift_error:
        errors["shift"] = shift_error
    raw = {
        "name": values["name"],
        "phone": values["phone"] or None,
        "email": values["email"] or None,
        "postal_code": values["postal_code"],
        "sms_opt_in": values["sms_opt_in"],
    }
    data = None
    try:
        data = VolunteerIn.model_validate(raw)
    except ValidationError as exc:
        errors.update(_volunteer_errors(exc))
    contact = None
    try:
        # Checked even when the schema failed, so every problem shows at once rather than one per try.
        contact = contact_from(data or VolunteerIn.model_construct(**raw), settings.phone_region, prefix="")
    except Invalid as exc:
        for name, message in exc.fields.items():
            errors.setdefault(name, sentence(message))
    coalition = None
    try:
        coalition = await coalition_choices(
            request, event, values["recruited_by"], values["share_with"], "web_form", strict=False
        )
    except Invalid as exc:
        errors.update({k: sentence(v) for k, v in exc.fields.items()})
    if errors or data is None or contact is None or not shift_ids:
        return event_response(request, event, values=values, errors=errors, status=422)
    try:
        await limit_public_signup(request, contact.phone)
        sms_consent = sms_consent_from(request, data, settings, source="web_form")
        result = await public_sign_up(
            request,
            event.id,
            lambda: signups.sign_up_for_shifts(
                event, shift_ids, contact, source=SignupSource.WEB, referrer=values["referrer"],
                sms_consent=sms_consent, coalition=coalition,
            ),
            share_with_host=values["share_with_host"],
        )  # fmt: skip
    except RateLimited as exc:
        notice = f"Too many sign-ups from here just now. Please try again in {exc.retry_after} seconds."
        headers = {"Retry-After": str(exc.retry_after)}
        return event_response(request, event, values=values, notice=notice, status=429, headers=headers)
    except AlreadySignedUp as exc:
        # Which of the shifts chosen, and nothing else about the existing sign-up: anyone can type anyone's phone.
        when = shift_picker.held(exc.fields, shift_ids, event)
        context = {"event": event, "when": when, "several": len(shift_ids) > 1}
        return render(request, "already.html", context, status=409, private=True)
    except Conflict as exc:  # a shift closed or ended while the form was open
        notice = f"Sorry, {sentence(exc.message).rstrip('.')}. Please choose again."
        return event_response(request, event, values=values, notice=notice, status=409)
    except Invalid as exc:
        errors = {("contact" if name == "volunteer" else name): sentence(m) for name, m in exc.fields.items()}
        return event_response(request, event, values=values, errors=errors, status=422)
    # The session, not the URL, carries the sign-up: its id is guessable and the page may show a secret link.
    # What the page shows next is only what was typed now: the record may be one the organization knew before.
    done = [signup.id for signup in result.signups]
    request.session[DONE_KEY] = {"signups": done, "name": contact.name[:200], "at": int(time.time())}
    return redirect_to_event(request, "pages:event-signed-up", event)


async def signed_up(request: Request) -> Response:
    event_id = int(request.path_params["event_id"])
    token = request.path_params.get("token")
    # Anything amiss: back to the event page at the address this one was asked at (a 404 if that is wrong).
    route, params = event_route_for("pages:event", event_id, token)
    back = redirect(request, route, **params)
    done = request.session.get(DONE_KEY)
    ids = done.get("signups") if isinstance(done, dict) else None
    if (
        not isinstance(done, dict)
        or not isinstance(ids, list)
        or not ids
        or not all(isinstance(i, int) for i in ids)
        or time.time() - float(done.get("at") or 0) >= DONE_TTL_SECONDS
    ):
        request.session.pop(DONE_KEY, None)
        return back
    found = await own_pages.signups_for_confirmation(ids[:MAX_SHIFTS])
    events = {signup.shift.event.id for signup, _ in found}
    if not found or events != {event_id} or not public.reachable(found[0][0].shift.event, token):
        return back
    event: Event = found[0][0].shift.event
    event_url = public_url(request, event_path(request, "pages:event", event))
    rows = shift_picker.confirmation_rows(found, event, event_url, datetime.now(UTC))
    statuses = {row.status for row in rows}
    context = {
        "event": event,
        "place": place_lines(event),
        "rows": rows,
        "status": statuses.pop() if len(statuses) == 1 else "signed_up",  # one for all, else some have seats
        "name": str(done.get("name") or ""),
        # Never the link to their page: it goes to the phone or address on file, since the form does not prove
        # who typed it, and the answer must look the same whether or not the person was known.
        "manage_path": None,
        "ics_path": event_path(request, "feeds:event", event),
    }
    return render(request, "signed_up.html", context, private=True)


# ---- a volunteer's own page --------------------------------------------------------------------


async def manage_page(request: Request) -> Response:
    volunteer = await links.volunteer_by_token(request.path_params["token"])
    now = datetime.now(UTC)
    rows = await signups.volunteer_signups(volunteer)
    upcoming = [signup_view(request, s, now) for s in rows if s.shift.ends_at > now]
    past = [signup_view(request, s, now) for s in reversed(rows) if s.shift.ends_at <= now]
    feed_path = optional_path(request, "feeds:volunteer", token=volunteer.feed_token)
    feed_url = public_url(request, feed_path) if feed_path else None
    webcal_url = None
    if feed_url:
        webcal_url = "webcal://" + feed_url.split("://", 1)[1]  # Apple Calendar subscribes from webcal://
    context = {
        "volunteer": volunteer,
        "token": volunteer.manage_token,
        "upcoming": upcoming,
        "past": past,
        "feed_url": feed_url,
        "webcal_url": webcal_url,
        "flash": request.session.pop(FLASH_KEY, None),
    }
    return render(request, "manage.html", context, private=True)


def _back_to_manage(request: Request, token: str, message: str) -> Response:
    request.session[FLASH_KEY] = message
    return redirect(request, "pages:manage", token=token)


@csrf_protect
async def manage_drop(request: Request) -> Response:
    volunteer = await links.volunteer_by_token(request.path_params["token"])
    try:
        result = await own_pages.drop_own_signup(volunteer, int(request.path_params["signup_id"]))
    except Conflict as exc:
        return _back_to_manage(request, volunteer.manage_token, f"Nothing changed: {exc.message}.")
    shift: Shift = result.signup.shift
    when = format_span(shift.starts_at, shift.ends_at, shift.event.timezone)
    message = f"You dropped “{shift.event.title}”, {when}. Thanks for letting the organizers know."
    return _back_to_manage(request, volunteer.manage_token, message)


@csrf_protect
async def manage_confirm(request: Request) -> Response:
    volunteer = await links.volunteer_by_token(request.path_params["token"])
    try:
        result = await own_pages.confirm_own_signup(volunteer, int(request.path_params["signup_id"]))
    except Conflict as exc:
        return _back_to_manage(request, volunteer.manage_token, f"Nothing changed: {exc.message}.")
    message = f"Thanks! You confirmed “{result.signup.shift.event.title}”. See you there."
    return _back_to_manage(request, volunteer.manage_token, message)


@csrf_protect
async def manage_rotate_feed(request: Request) -> Response:
    volunteer = await links.volunteer_by_token(request.path_params["token"])
    await links.rotate_feed_token(volunteer)
    message = "Your calendar has a new private link. The old link no longer works: subscribe again with the new one."
    return _back_to_manage(request, volunteer.manage_token, message)
