"""Turn validated input (API bodies, HTML forms) into service values: contacts and consent context."""

from __future__ import annotations

from starlette.requests import Request

from mobilize.schemas import VolunteerIn
from mobilize.services.errors import Invalid
from mobilize.services.people import ConsentContext, Contact, normalize_email, normalize_phone
from mobilize.settings import Settings


def contact_from(data: VolunteerIn, region: str, prefix: str = "volunteer.") -> Contact:
    phone = email = None
    errors: dict[str, str] = {}
    if data.phone:
        try:
            phone = normalize_phone(data.phone, region)
        except ValueError as exc:
            errors[prefix + "phone"] = str(exc)
    if data.email:
        try:
            email = normalize_email(data.email)
        except ValueError as exc:
            errors[prefix + "email"] = str(exc)
    if errors:
        name, message = next(iter(errors.items()))
        raise Invalid(f"{name}: {message}", fields=errors)
    return Contact(name=data.name, phone=phone, email=email, postal_code=data.postal_code)


def client_ip(request: Request) -> str:
    return request.client.host if request.client else ""


def sms_consent_from(request: Request, data: VolunteerIn, settings: Settings, source: str) -> ConsentContext | None:
    if not data.sms_opt_in:
        return None
    return ConsentContext(
        source=source,
        words=settings.sms_consent_text,
        ip=client_ip(request),
        user_agent=request.headers.get("user-agent", ""),
    )
