"""Rows to JSON, as the contract names them. No queries here: services load what is rendered."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from starlette.requests import Request

from mobilize.models import (
    ActionGroup,
    Campaign,
    Event,
    GapRequest,
    Organization,
    Shift,
    Signup,
    Standby,
    Volunteer,
)
from mobilize.services.people import shown_sms_status
from mobilize.web.urls import event_url, url


def iso(value: datetime | None, zone: str | None = None) -> str | None:
    if value is None:
        return None
    return (value.astimezone(ZoneInfo(zone)) if zone else value).isoformat()


def iso_date(value: date | None) -> str | None:
    return value.isoformat() if value else None


def group_json(request: Request, group: ActionGroup, org_slug: str) -> dict[str, Any]:
    return {
        "id": group.id,
        "slug": group.slug,
        "name": group.name,
        "organization": org_slug,
        "description": group.description,
        "postal_code": group.postal_code,
        "created_at": iso(group.created_at),
    }


def campaign_json(request: Request, campaign: Campaign, org_slug: str) -> dict[str, Any]:
    return {
        "id": campaign.id,
        "slug": campaign.slug,
        "name": campaign.name,
        "description": campaign.description,
        "organization": org_slug,
        "starts_on": iso_date(campaign.starts_on),
        "ends_on": iso_date(campaign.ends_on),
        "created_at": iso(campaign.created_at),
    }


def shift_json(shift: Shift, zone: str) -> dict[str, Any]:
    return {
        "id": shift.id,
        "event": shift.event_id,  # type: ignore[attr-defined]
        "starts_at": iso(shift.starts_at, zone),
        "ends_at": iso(shift.ends_at, zone),
        "capacity": shift.capacity,
        "target": shift.target,
        "code": shift.code,
        "status": str(shift.status),
        "counts": getattr(shift, "counts", None),
    }


def location_json(event: Event) -> dict[str, Any]:
    return {
        "venue": event.venue,
        "address": event.address,
        "city": event.city,
        "region": event.region,
        "postal_code": event.postal_code,
        "country": event.country,
        "lat": event.lat,
        "lon": event.lon,
    }


def organization_ref(organization: Organization) -> dict[str, str]:
    return {"slug": organization.slug, "name": organization.name}


def campaign_ref(campaign: Campaign | None) -> dict[str, Any] | None:
    """The campaign an event is in, with its convener (a partner's event is in another organization's)."""
    if campaign is None:
        return None
    return {"slug": campaign.slug, "name": campaign.name, "organization": organization_ref(campaign.organization)}


def event_json(request: Request, event: Event, *, public: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": event.id,
        "title": event.title,
        "description": event.description,
        "event_type": str(event.event_type),
        "group": event.group.slug,
        "organization": organization_ref(event.organization),
        "campaign": campaign_ref(event.campaign),
        "timezone": event.timezone,
        "location": location_json(event),
        "virtual_url": event.virtual_url,
        "visibility": str(event.visibility),
        "status": str(event.status),
        "shifts": [shift_json(s, event.timezone) for s in getattr(event, "shift_list", [])],
        # An unlisted event's addresses carry its share token (web.urls.event_route): only they answer.
        "url": event_url(request, "pages:event", event),
        "ics_url": event_url(request, "feeds:event", event),
    }
    if public:
        for shift in data["shifts"]:
            counts = shift.pop("counts") or {}
            taken = counts.get("signed_up", 0) + counts.get("confirmed", 0)
            shift["seats_left"] = max(0, shift["capacity"] - taken)
            shift["signup_url"] = event_url(request, "api:public-signup", event, shift_id=shift["id"])
        if event.address_after_signup:  # the organizer shows the street (and exact point) to people signed up only
            data["location"].update(address="", lat=None, lon=None)
    else:
        data["instructions"] = event.instructions
        data["address_after_signup"] = event.address_after_signup
        data["reminders"] = event.reminders
        data["strike"] = event.strike_id
        data["created_at"] = iso(event.created_at)
        data["updated_at"] = iso(event.updated_at)
    return data


def volunteer_json(volunteer: Volunteer, *, contact_visible: bool, tags: list[str] | None = None) -> dict[str, Any]:
    """This organization's record of a person; the SMS status it sees (a number that stopped the sender reads
    opted out, not why)."""
    data: dict[str, Any] = {"id": volunteer.id, "name": volunteer.name}
    if contact_visible:
        data.update(
            phone=volunteer.phone,
            email=volunteer.email,
            postal_code=volunteer.postal_code,
            sms_status=str(shown_sms_status(volunteer)),
            email_status=str(volunteer.email_status),
            notes=volunteer.notes,
            member_id=volunteer.member_id,
            created_at=iso(volunteer.created_at),
        )
        if tags is not None:
            data["tags"] = tags
    return data


def manage_url(request: Request, volunteer: Volunteer) -> str:
    return url(request, "pages:manage", token=volunteer.manage_token)


def signup_json(
    request: Request, signup: Signup, *, contact_visible: bool, zone: str | None = None, manage_link: bool = False
) -> dict[str, Any]:
    """A sign-up; `manage_link` (only for roles that may act for the person) adds the volunteer's own page."""
    volunteer: Volunteer = signup.volunteer
    return {
        "id": signup.id,
        "shift": signup.shift_id,  # type: ignore[attr-defined]
        "volunteer": volunteer_json(volunteer, contact_visible=contact_visible),
        "status": str(signup.status),
        "source": str(signup.source),
        "referrer": signup.referrer,
        "created_at": iso(signup.created_at, zone),
        "manage_url": manage_url(request, volunteer) if manage_link else None,
    }


def standby_json(row: Standby) -> dict[str, Any]:
    return {"volunteer": volunteer_json(row.volunteer, contact_visible=True), "added_at": iso(row.created_at)}


def gap_request_json(row: GapRequest, zone: str | None = None) -> dict[str, Any]:
    return {
        "id": row.id,
        "shift": row.shift_id,
        "volunteer": volunteer_json(row.volunteer, contact_visible=True),
        "asked_at": iso(row.asked_at, zone),
        "answer": str(row.answer),
        "answered_at": iso(row.answered_at, zone),
        "signup": row.signup_id,
    }
