"""Public pages of hosting: a campaign's "Host an event" form, the host's email confirmation, and the host's
private page (place and time, roster, messages, check-in, turnout), all behind links, never indexed."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from mobilize.models import EventType, HostedEvent, SignupStatus
from mobilize.schemas import BlastIn, check_zone
from mobilize.services import hosting
from mobilize.services.errors import Invalid, RateLimited
from mobilize.services.hosting.schemas import PlaceTimeIn, ProposalIn
from mobilize.times import wall_input
from mobilize.web.api.common import validation_fields
from mobilize.web.api.hosting import host_links, limit_proposals, propose
from mobilize.web.csrf import csrf_protect
from mobilize.web.dashboard.roster import checkin_url, qr_svg
from mobilize.web.views import format_span, redirect, render, sentence

SHIFT_ROWS = 3  # the form offers three shifts; the API takes up to schemas.MAX_SHIFTS
PLACE_FIELDS = ("venue", "address", "city", "region", "postal_code")
FORM_FIELDS = ("title", "event_type", "description", "timezone", "virtual_url", *PLACE_FIELDS,
               "host_name", "host_email", "host_phone")  # fmt: skip
NOTICE_KEY = "host_notice"  # session: a one-time message on the host page after a change
MARKS = {"attended": SignupStatus.ATTENDED, "no_show": SignupStatus.NO_SHOW}


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _local(value: str, zone: str) -> str | None:
    """A datetime-local value ('2027-05-01T10:00') in the event's zone, as ISO text with its offset."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(value).replace(tzinfo=ZoneInfo(zone)).isoformat()
    except (ValueError, KeyError):
        return value  # the schema names the field


def _zone(value: str) -> str:
    """The zone to read the shifts' times in: the form's if the schema takes it (schemas.check_zone, the one
    rule), else UTC, only to read them: the schema refuses the zone itself, naming the field."""
    try:
        return check_zone(value)
    except ValueError:
        return "UTC"


def proposal_body(values: dict[str, Any]) -> dict[str, Any]:
    zone = _zone(values["timezone"])
    shifts = []
    for i in range(SHIFT_ROWS):
        start, end, cap = values[f"shift_{i}_start"], values[f"shift_{i}_end"], values[f"shift_{i}_capacity"]
        if not (start or end):
            continue
        shifts.append({"starts_at": _local(start, zone), "ends_at": _local(end, zone),
                       "capacity": int(cap) if cap.isdigit() else cap or 20})  # fmt: skip
    location = {k: values[k] for k in PLACE_FIELDS if values[k]}
    body: dict[str, Any] = {
        "title": values["title"], "description": values["description"], "timezone": values["timezone"],
        "event_type": values["event_type"] or "other", "shifts": shifts,
        "host": {"name": values["host_name"], "email": values["host_email"], "phone": values["host_phone"]},
        "agree_to_terms": values["agree"],
    }  # fmt: skip
    if location:
        body["location"] = location
    if values["virtual_url"]:
        body["virtual_url"] = values["virtual_url"]
    return body


async def _form_context(request: Request) -> dict[str, Any]:
    campaign, policy = await hosting.open_campaign(request.path_params["org"], request.path_params["slug"])
    types = policy.event_types or [t.value for t in EventType]
    return {"campaign": campaign, "policy": policy, "types": types, "shift_rows": range(SHIFT_ROWS)}


def _blank(context: dict[str, Any]) -> dict[str, Any]:
    """An empty form; its zone is the campaign's organization's until the host picks theirs."""
    zone = context["campaign"].organization.timezone
    values: dict[str, Any] = dict.fromkeys(FORM_FIELDS, "") | {"timezone": zone, "agree": False}
    for i in range(SHIFT_ROWS):
        values |= {f"shift_{i}_start": "", f"shift_{i}_end": "", f"shift_{i}_capacity": "20"}
    return values


async def host_form(request: Request) -> Response:
    context = await _form_context(request)
    context |= {"values": _blank(context), "errors": {}}
    return render(request, "host_form.html", context)


@csrf_protect
async def host_submit(request: Request) -> Response:
    context = await _form_context(request)
    form = await request.form()
    values = {k: _text(form, k) for k in _blank(context) if k != "agree"} | {"agree": form.get("agree") is not None}
    try:
        data = ProposalIn.model_validate(proposal_body(values))
        proposed = await propose(request, data)
    except ValidationError as exc:
        errors = {k: sentence(v) for k, v in validation_fields(exc).items()}
        return render(request, "host_form.html", context | {"values": values, "errors": errors}, status=422)
    except Invalid as exc:
        errors = {k: sentence(v) for k, v in exc.fields.items()}
        return render(request, "host_form.html", context | {"values": values, "errors": errors}, status=422)
    except RateLimited as exc:
        errors = {"form": f"Too many proposals from here just now. Try again in {exc.retry_after} seconds."}
        return render(request, "host_form.html", context | {"values": values, "errors": errors}, status=429)
    return render(request, "host_sent.html", context | {"event": proposed.event, "email": proposed.hosted.host_email},
                  status=202, private=True)  # fmt: skip


@csrf_protect
async def host_links_request(request: Request) -> Response:
    """Email a host fresh links to their pages in this campaign (rate-limited as proposals are)."""
    context = await _form_context(request)
    email = _text(await request.form(), "email")
    try:
        await limit_proposals(request, email.lower())
        await hosting.resend_page_links(request.path_params["org"], request.path_params["slug"], email,
                                        host_links(request))  # fmt: skip
    except Invalid as exc:
        errors = {"links_email": sentence(next(iter(exc.fields.values()), exc.message))}
        return render(request, "host_form.html", context | {"values": _blank(context), "errors": errors}, status=422)
    except RateLimited as exc:
        errors = {"links_email": f"Too many requests from here just now. Try again in {exc.retry_after} seconds."}
        return render(request, "host_form.html", context | {"values": _blank(context), "errors": errors}, status=429)
    return render(request, "host_renewed.html", {"event": None, "email": email}, private=True)


async def confirm_page(request: Request) -> Response:
    """A page with a button, not the confirmation itself: mail scanners open links, people press buttons."""
    return render(request, "host_confirm.html", {"token": request.path_params["token"]}, private=True)


@csrf_protect
async def confirm(request: Request) -> Response:
    hosted, page_token = await hosting.confirm(request.path_params["token"], host_links(request))
    context = {"hosted": hosted, "event": hosted.event, "page_token": page_token}
    return render(request, "host_confirmed.html", context, private=True)


# ---- the host's page ------------------------------------------------------------------------------


async def _hosted(request: Request) -> HostedEvent:
    return await hosting.hosted_by_page_token(request.path_params["token"])


async def host_page(request: Request, *, errors: dict[str, str] | None = None, notice: str = "",
                    status: int = 200) -> Response:  # fmt: skip
    hosted = await _hosted(request)
    view = await hosting.host_view(hosted)
    event = view["event"]
    shifts = [
        {"shift": s, "when": format_span(s.starts_at, s.ends_at, event.timezone),
         "start": wall_input(s.starts_at, event.timezone), "end": wall_input(s.ends_at, event.timezone),
         "checkin": checkin_url(request, s.id) if event.status == "scheduled" else ""}
        for s in event.shift_list
    ]  # fmt: skip
    qrs = {item["shift"].id: qr_svg(item["checkin"]) for item in shifts if item["checkin"]}
    notice = notice or str(request.session.pop(NOTICE_KEY, "") or "")
    context = view | {"shifts": shifts, "qrs": qrs, "token": request.path_params["token"],
                      "errors": errors or {}, "notice": notice}  # fmt: skip
    return render(request, "host_page.html", context, status=status, private=True)


async def host_page_get(request: Request) -> Response:
    return await host_page(request)


@csrf_protect
async def host_edit(request: Request) -> Response:
    hosted = await _hosted(request)
    form = await request.form()
    event = hosted.event
    zone = event.timezone
    body: dict[str, Any] = {
        "location": {k: _text(form, k) for k in PLACE_FIELDS} | {"country": event.country},
        "virtual_url": _text(form, "virtual_url"),
        "shifts": [
            {"id": int(sid), "starts_at": _local(_text(form, f"start_{sid}"), zone),
             "ends_at": _local(_text(form, f"end_{sid}"), zone)}
            for sid in (_text(form, "shift_ids").split(",") if _text(form, "shift_ids") else [])
            if sid.isdigit() and len(sid) < 10
        ],
    }  # fmt: skip
    try:
        told = await hosting.edit_place_and_time(hosted, PlaceTimeIn.model_validate(body), host_links(request))
    except ValidationError as exc:
        return await host_page(request, errors={k: sentence(v) for k, v in validation_fields(exc).items()}, status=422)
    except Invalid as exc:
        return await host_page(request, errors={k: sentence(v) for k, v in exc.fields.items()}, status=422)
    return redirect_host(request, f"Saved. {len(told)} people signed up were told.")


def redirect_host(request: Request, done: str) -> Response:
    request.session[NOTICE_KEY] = done
    return redirect(request, "pages:host-page", token=request.path_params["token"])


@csrf_protect
async def host_message(request: Request) -> Response:
    hosted = await _hosted(request)
    form = await request.form()
    channels = [c for c in ("sms", "email") if form.get(f"channel_{c}") is not None] or ["email"]
    try:
        data = BlastIn.model_validate({"body": _text(form, "body"), "subject": _text(form, "subject"),
                                       "channels": channels})  # fmt: skip
        result = await hosting.message_signups(hosted, data)
    except ValidationError as exc:
        return await host_page(request, errors={k: sentence(v) for k, v in validation_fields(exc).items()}, status=422)
    except Invalid as exc:
        return await host_page(request, errors={k: sentence(v) for k, v in exc.fields.items()}, status=422)
    return redirect_host(request, f"Message sent to {result.recipients} people")


@csrf_protect
async def host_mark(request: Request) -> Response:
    hosted = await _hosted(request)
    form = await request.form()
    mark = _text(form, "mark")
    if mark not in MARKS:
        return await host_page(request, errors={"mark": "Choose attended or no-show."}, status=422)
    try:
        await hosting.mark_attendance(hosted, int(request.path_params["signup_id"]), MARKS[mark])
    except Invalid as exc:  # before the shift (services.signups.attendance.require_attendance_open)
        return await host_page(request, errors={"mark": sentence(exc.message)}, status=422)
    return redirect_host(request, "Checked in" if mark == "attended" else "Marked as no-show")


@csrf_protect
async def host_renew(request: Request) -> Response:
    """A new host page link, emailed; the old one stops working at once (a link forwarded by mistake)."""
    hosted = await _hosted(request)
    await hosted.fetch_related("event__organization")
    await hosting.renew_page_link(hosted, host_links(request))
    return render(request, "host_renewed.html", {"event": hosted.event, "email": hosted.host_email}, private=True)
