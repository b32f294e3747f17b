"""A volunteer's own data from their private page: the download of what the organization holds about them,
and "forget me"; and an owner's or admin's erasure of a record from the dashboard."""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import Response

from mobilize.services.access import Actor
from mobilize.services.errors import Forbidden
from mobilize.services.people import links, own_data
from mobilize.web.csrf import csrf_protect
from mobilize.web.dashboard.session import back, organizer_page
from mobilize.web.pages import FLASH_KEY
from mobilize.web.views import redirect, render


async def my_data(request: Request) -> Response:
    volunteer = await links.volunteer_by_token(request.path_params["token"])
    body = json.dumps(await own_data.own_data(volunteer), ensure_ascii=False, indent=2)
    headers = {"Content-Disposition": 'attachment; filename="my-data.json"', "Cache-Control": "no-store"}
    return Response(body, media_type="application/json; charset=utf-8", headers=headers)


@csrf_protect
async def forget_me(request: Request) -> Response:
    volunteer = await links.volunteer_by_token(request.path_params["token"])
    form = await request.form()
    if form.get("confirm") != "yes":
        request.session[FLASH_KEY] = "Nothing was erased: tick the box to confirm."
        return redirect(request, "pages:manage", token=volunteer.manage_token)
    await own_data.erase(volunteer)
    return render(request, "forgotten.html", {}, private=True)


@organizer_page
async def erase_person(request: Request, actor: Actor) -> Response:
    volunteer_id = int(request.path_params["volunteer_id"])
    try:
        await own_data.erase_by_organizer(actor, volunteer_id)
    except Forbidden as exc:
        return back(request, f"Nothing was erased: {exc.message}.", "dash:volunteer", volunteer_id=volunteer_id)
    return back(request, f"Record #{volunteer_id} was erased; its sign-ups count on, anonymously.", "dash:volunteers")
