"""Turn validated input (API bodies, HTML forms) into service values: contacts and consent context."""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from mobilize.schemas import VolunteerIn
from mobilize.services.errors import Invalid
from mobilize.services.people import ConsentContext, Contact, normalize_email, normalize_phone
from mobilize.settings import Settings
from mobilize.web.text import error_page, form_text_problem, printable


def normalized_contact(
    phone: str | None, email: str | None, region: str, prefix: str = ""
) -> tuple[str | None, str | None]:
    """(E.164 phone, normalized email), each None when not given; Invalid naming every field that is wrong."""
    errors: dict[str, str] = {}
    if phone:
        try:
            phone = normalize_phone(phone, region)
        except ValueError as exc:
            errors[prefix + "phone"] = str(exc)
    if email:
        try:
            email = normalize_email(email)
        except ValueError as exc:
            errors[prefix + "email"] = str(exc)
    if errors:
        name, message = next(iter(errors.items()))
        raise Invalid(f"{name}: {message}", fields=errors)
    return phone or None, email or None


def contact_from(data: VolunteerIn, region: str, prefix: str = "volunteer.") -> Contact:
    phone, email = normalized_contact(data.phone, data.email, region, prefix)
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


def form_problem(form: FormData) -> tuple[int, str, str] | None:
    """The first field of an HTML form that no handler may read: (status, field, why). Our forms upload no
    files, so a file is malformed (400); a NUL or control character in a name or a value is 422."""
    for name, value in form.multi_items():
        if not isinstance(value, str):
            return 400, printable(name), "is a file, and this form takes none"
        for text in (name, value):
            problem = form_text_problem(text)
            if problem:
                return 422, printable(name), problem
    return None


async def form_refusal(request: Request) -> Response | None:
    """The answer to a form no handler should see (nothing is read from it, so nothing is written), or None.
    Called by the CSRF wrappers, which every form POST goes through."""
    found = form_problem(await request.form())
    if found is None:
        return None
    status, name, problem = found
    return error_page(request, status, f"Nothing was saved: the field “{name}” {problem}.")
