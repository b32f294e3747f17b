"""Domain errors. They carry no HTTP; the web layer maps `kind` to a status code in one place."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    kind = "invalid"
    code = "invalid"

    def __init__(self, message: str, *, code: str | None = None, fields: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.fields = fields or {}

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "fields": self.fields}


class Invalid(DomainError):
    """A field is not acceptable (422)."""

    kind = "invalid"
    code = "invalid"

    @classmethod
    def field(cls, name: str, message: str) -> Invalid:
        return cls(f"{name}: {message}", fields={name: message})


class NotFound(DomainError):
    """Missing, or not the caller's to see (404)."""

    kind = "not_found"
    code = "not_found"


class Forbidden(DomainError):
    """The caller's role does not allow this (403)."""

    kind = "forbidden"
    code = "forbidden"


class Conflict(DomainError):
    """The request clashes with the current state (409)."""

    kind = "conflict"
    code = "conflict"


class AlreadySignedUp(Conflict):
    code = "already_signed_up"


class ShiftClosed(Conflict):
    code = "shift_closed"


class RateLimited(DomainError):
    kind = "rate_limited"
    code = "rate_limited"

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after
