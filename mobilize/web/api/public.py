"""Endpoints without a token: the public event list and sign-ups for embeds (rate-limited)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from mobilize.models import Event, Shift, SignupSource
from mobilize.schemas import PublicSignupIn
from mobilize.services import coalitions, hosting, people, ratelimit, signups
from mobilize.services.coalesce import Kept
from mobilize.services.errors import AlreadySignedUp, Invalid
from mobilize.services.events import public
from mobilize.services.feeds import scopes
from mobilize.services.people import ConsentContext, Contact
from mobilize.services.signups.schemas import PublicShiftsSignupIn
from mobilize.web.api.common import check_text_params, int_param, parse_body
from mobilize.web.api.serializers import event_json, signup_json
from mobilize.web.forms import client_ip, contact_from, sms_consent_from

# Readers of one campaign's map at the same moment ask the same question: built once while in flight, and the
# answer kept for the second a public feed's version is (a day of action's list near a postal code costs tens
# of milliseconds to build), per process, at most 256 addresses.
_LISTS: Kept[bytes] = Kept(lambda: scopes.PUBLIC_VERSION_SECONDS, 256)


def forget_lists() -> None:
    """Forget the lists kept (tests reuse ids after emptying the tables)."""
    _LISTS.clear()


async def list_public_events(request: Request) -> Response:
    check_text_params(request)
    q = request.query_params
    try:
        radius = float(q.get("radius_km") or 40)
    except ValueError as exc:
        raise Invalid.field("radius_km", "a number of kilometres") from exc

    async def build() -> bytes:
        found = await public.find_events(near=q.get("near") or None, radius_km=radius, campaign=q.get("campaign"))
        data = []
        for item in found:
            row = event_json(request, item.event, public=True)
            row["distance_km"] = None if item.distance_km is None else round(item.distance_km, 1)
            data.append(row)
        return bytes(JSONResponse({"data": data, "next": None}).body)

    body = await _LISTS.run(str(request.url), build)
    return Response(body, media_type="application/json")


async def coalition_choices(
    request: Request, event: Event, recruited_by: str | None, share_with: list[str], source: str, *, strict: bool
) -> signups.CoalitionChoices | None:
    """The recruiter and the organizations ticked, checked against what the event's page names (Invalid naming
    `recruited_by` or `share_with`); each share carries the exact words shown. None outside a campaign."""
    if not share_with and not recruited_by:
        return None  # nothing to check: a surge of plain sign-ups pays no query for this
    if event.campaign_id is None:
        if share_with or (recruited_by and strict):
            field = "share_with" if share_with else "recruited_by"
            raise Invalid.field(field, "this event is in no coalition campaign")
        return None
    recruiter = await coalitions.recruiter(event, recruited_by, strict=strict)
    ticked = coalitions.chosen(await coalitions.sharing_choices(event, recruiter), share_with)
    ip, agent = client_ip(request), request.headers.get("user-agent", "")
    shares = tuple((o.id, ConsentContext(source, people.share_words(o.name), ip, agent)) for o in ticked)
    return signups.CoalitionChoices(recruited_by_id=recruiter.id if recruiter else None, shares=shares)


async def limit_public_signup(request: Request, phone: str | None) -> None:
    """Per client address and per phone number; raises RateLimited (429 with Retry-After)."""
    settings = request.app.state.settings
    limiter = request.app.state.limiter
    checks = [(f"ip:{client_ip(request)}", settings.public_signup_rate_ip, "address")]
    if phone:
        checks.append((f"phone:{phone}", settings.public_signup_rate_phone, "phone number"))
    await ratelimit.check_many(limiter, checks)  # one round trip to Redis for both


P = TypeVar("P", bound=PublicSignupIn)
R = TypeVar("R", signups.SignupResult, signups.SeveralResult)


@dataclass(frozen=True)
class PublicSignup(Generic[P]):
    """A public sign-up's body, parsed, checked against the event and rate-limited: what the sign-up takes."""

    data: P
    contact: Contact
    coalition: signups.CoalitionChoices | None
    sms_consent: ConsentContext | None

    def options(self) -> dict[str, Any]:
        """The keyword arguments `signups.sign_up` and `signups.sign_up_for_shifts` share."""
        return {
            "source": SignupSource.WEB,
            "referrer": self.data.referrer,
            "sms_consent": self.sms_consent,
            "coalition": self.coalition,
        }


async def prepare_public_signup(request: Request, event: Event, schema: type[P]) -> PublicSignup[P]:
    """The body of a public sign-up for `event` and what it asks checked, in the order the answer names them
    (400/422 for the body, 422 for the coalition choices and `share_with_host`), then the rate limit (429)."""
    settings = request.app.state.settings
    data = await parse_body(request, schema)
    contact = contact_from(data.volunteer, settings.phone_region)
    coalition = None
    if data.share_with or data.recruited_by:  # as coalition_choices' own early return, without even its await
        coalition = await coalition_choices(request, event, data.recruited_by, data.share_with, "web_api", strict=True)
    if data.share_with_host:
        await hosting.check_shareable(event.id)
    await limit_public_signup(request, contact.phone)
    sms_consent = sms_consent_from(request, data.volunteer, settings, source="web_api")
    return PublicSignup(data, contact, coalition, sms_consent)


def public_sign_up(
    request: Request, event_id: int, sign_up: Callable[[], Awaitable[R]], *, share_with_host: bool
) -> Awaitable[R]:
    """`sign_up()` (a call of `signups.sign_up` or `signups.sign_up_for_shifts`); with `share_with_host` (the
    event is volunteer-hosted: checked by the caller), in one transaction with the consent record of the words
    the form shows (services.hosting.signup). Not a coroutine itself: the plain sign-up awaits nothing more."""
    if not share_with_host:
        return sign_up()
    ip, agent = client_ip(request), request.headers.get("user-agent", "")
    return hosting.sign_up_sharing_with_host(event_id, sign_up, ip=ip, user_agent=agent)


async def public_signup(request: Request) -> JSONResponse:
    """Same body as the organizer endpoint; the source is always `web`. A shift of an unlisted event is
    found only under the event's tokened address (`/public/events/{id}-{token}/shifts/{shift_id}/signups`)."""
    shift_id = int_param(request, "shift_id")
    event_id = int_param(request, "event_id") if "event_id" in request.path_params else None
    token = request.path_params.get("token")
    shift = await public.public_shift(shift_id, event_id, token)  # with its event: sign_up needs no second look
    asked = await prepare_public_signup(request, shift.event, PublicSignupIn)
    contact = asked.contact
    # The kept copy of the shift goes as it is where the sign-up statement checks it; anywhere else it is
    # read again if it is over a second old (services.events.public).
    cached = asked.coalition is None and not asked.data.share_with_host
    if not cached and not public.is_fresh(shift):
        shift = await public.public_shift(shift_id, event_id, token, fresh=True)

    def sign_up(shift: Shift, cached: bool) -> Awaitable[signups.SignupResult]:
        return public_sign_up(
            request,
            shift.event.id,
            lambda: signups.sign_up(shift_id, contact, shift=shift, cached=cached, **asked.options()),
            share_with_host=asked.data.share_with_host,
        )

    try:
        try:
            result = await sign_up(shift, cached)
        except signups.StaleShift:  # nothing written: the shift changed since it was kept
            shift = await public.public_shift(shift_id, event_id, token, fresh=True)
            result = await sign_up(shift, False)
    except AlreadySignedUp as exc:  # without the existing sign-up's id: not the typist's to know
        raise AlreadySignedUp(exc.message, fields={"volunteer": "already signed up"}) from None
    event = shift.event
    # Anyone can type anyone's phone number: the answer has the same shape whether the person was known or
    # not, says nothing we knew before this request, and never holds the link to their page (it goes to the
    # phone or email on file, with the confirmation).
    body = signup_json(request, result.signup, contact_visible=False, zone=event.timezone)
    body["volunteer"] = {"name": contact.name}
    return JSONResponse(body, status_code=201)


async def public_event_signup(request: Request) -> JSONResponse:
    """Several shifts of one event in one sign-up: `shifts` (their ids) and the body of a shift's public sign-up.
    Every shift gets a seat or its waitlist, or none does: a shift that is not the event's, cancelled or over,
    or one the person already holds, refuses the whole request, naming it (`shifts.N`). One message lists
    them all; each seat has its own reminders. Answers one entry per shift, in the order sent. An unlisted
    event answers only at its tokened address (`/public/events/{id}-{token}/signups`)."""
    event = await public.get_public_event(int_param(request, "event_id"), request.path_params.get("token"))
    asked = await prepare_public_signup(request, event, PublicShiftsSignupIn)
    contact = asked.contact
    result = await public_sign_up(
        request,
        event.id,
        lambda: signups.sign_up_for_shifts(event, asked.data.shifts, contact, **asked.options()),
        share_with_host=asked.data.share_with_host,
    )
    # As for one shift: the same shape whether the person was known or not, and no link to their page.
    entries = []
    for signup in result.signups:
        entry = signup_json(request, signup, contact_visible=False, zone=event.timezone)
        entry["volunteer"] = {"name": contact.name}
        entries.append(entry)
    return JSONResponse({"data": entries, "next": None}, status_code=201)


def routes() -> list[BaseRoute]:
    """Mounted first under /api/v1 by mobilize.web.routes, once its path convertors are registered (the hottest
    routes: starlette tries them in order)."""
    return [
        Route("/public/events", list_public_events, methods=["GET"], name="public-events"),
        Route("/public/shifts/{shift_id:id}/signups", public_signup, methods=["POST"], name="public-signup"),
        Route(
            "/public/events/{event_id:id}/signups", public_event_signup, methods=["POST"], name="public-event-signup"
        ),
        Route(
            "/public/events/{event_id:id}-{token:token}/signups",
            public_event_signup,
            methods=["POST"],
            name="public-shared-event-signup",
        ),
        Route(
            "/public/events/{event_id:id}-{token:token}/shifts/{shift_id:id}/signups",
            public_signup,
            methods=["POST"],
            name="public-shared-signup",
        ),
    ]
