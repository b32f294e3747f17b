"""All configuration, read from the environment (and `.env` when it exists) in this one place."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time, timedelta
from functools import lru_cache

from starlette.config import Config, environ
from starlette.datastructures import Secret


class ConfigurationError(RuntimeError):
    """A setting is missing or malformed."""


def _parse_quiet_hours(value: str) -> tuple[time, time]:
    try:
        start, end = value.split("-")
        return time.fromisoformat(start.strip()), time.fromisoformat(end.strip())
    except ValueError as exc:
        raise ConfigurationError(f"QUIET_HOURS must look like 21:00-08:00, not {value!r}") from exc


def _parse_urgent_hours(value: str) -> float:
    try:
        hours = float(value)
    except ValueError:
        hours = -1.0
    if not 0 <= hours <= 48:
        raise ConfigurationError(f"URGENT_NOTICE_HOURS must be a number of hours from 0 to 48, not {value!r}")
    return hours


def _parse_rate(value: str) -> tuple[int, int]:
    """'30/minute' -> (30, 60); '10/5minutes' -> (10, 300)."""
    periods = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
    try:
        count, period = value.split("/")
        period = period.strip()
        digits = len(period) - len(period.lstrip("0123456789"))
        times = int(period[:digits]) if digits else 1
        if int(count) < 1 or times < 1:
            raise ValueError(value)
        return int(count), times * periods[period[digits:].strip().removesuffix("s")]
    except (ValueError, KeyError) as exc:
        raise ConfigurationError(f"rate limits look like 30/minute or 10/5minutes, not {value!r}") from exc


def _parse_send_rate(value: str) -> int:
    try:
        rate = int(value)
    except ValueError:
        rate = -1
    if rate < 0:
        raise ConfigurationError(f"SMS_RATE_PER_SECOND must be a whole number >= 0 (0 = unlimited), not {value!r}")
    return rate


@dataclass(frozen=True)
class Settings:
    database_url: str = "sqlite://mobilize.sqlite3"
    redis_url: str | None = None
    public_base_url: str = "http://127.0.0.1:8000"
    secret_key: Secret = field(default_factory=lambda: Secret(secrets.token_urlsafe(32)))
    production: bool = False
    twilio_account_sid: str | None = None
    twilio_auth_token: Secret | None = None
    twilio_messaging_service_sid: str | None = None
    twilio_from_number: str | None = None
    twilio_api_base_url: str = "https://api.twilio.com"
    sms_rate_per_second: int = 12  # A2P 10DLC low tier; 0 = unlimited
    outbox_sweep_seconds: float = 5.0  # the in-process queue's sweep of due messages; 0 = off
    # A delivery worker not heard from for this long is dead: its claims go back to the queue, in doubt.
    outbox_stale_claim_seconds: float = 30.0
    outbox_retry_seconds: float = 30.0  # first wait after a retryable failure (429, 5xx); doubles each time
    no_show_grace_minutes: int = 120  # after a shift ends, sign-ups not checked in become no-shows
    gap_fill_hours: int = 48  # shifts starting within this many hours and below target ask standby volunteers
    gap_asks_per_week: int = 2  # gap-filling asks per volunteer in any 7 days; 0 turns gap filling off
    smtp_url: Secret | None = None
    mail_from: str = "mobilize@localhost"
    # The map tiles of campaign pages ({z}/{x}/{y}); a deployment may use its own server. The page lists every
    # event without them.
    map_tile_url: str = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    map_attribution: str = "© OpenStreetMap contributors"
    quiet_hours: tuple[time, time] = (time(21, 0), time(8, 0))
    # A cancellation, change or seat for a shift starting sooner than this after quiet hours end is texted at
    # once, even at night; 0 = never (every text waits out quiet hours).
    urgent_notice_hours: float = 3.0
    phone_region: str = "US"
    max_body_size: int = 1_000_000
    public_signup_rate_ip: tuple[int, int] = (30, 60)
    public_signup_rate_phone: tuple[int, int] = (5, 3600)
    host_proposal_rate_ip: tuple[int, int] = (10, 3600)  # volunteers' event proposals from one address
    host_proposal_rate_email: tuple[int, int] = (3, 3600)  # and naming one host email
    login_rate_pair: tuple[int, int] = (10, 300)  # password tries at one account from one address
    login_rate_ip: tuple[int, int] = (100, 300)  # from one address over all accounts (an office's NAT)
    login_rate_account: tuple[int, int] = (50, 3600)  # at one account from browsers it never logged in from
    checkin_rate: tuple[int, int] = (60, 300)  # self check-in tries per shift and address
    sms_consent_text: str = (
        "I agree to receive text messages about the actions I sign up for (confirmations and reminders). "
        "Message and data rates may apply. Reply STOP to opt out, HELP for help."
    )
    log_level: str = "info"
    # Fault tests only: a web process exits hard after a request committed outbox rows, before enqueueing them.
    crash_after_commit: bool = False

    @property
    def secret(self) -> str:
        return str(self.secret_key)

    @property
    def urgent_notice(self) -> timedelta:
        return timedelta(hours=self.urgent_notice_hours)


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Build settings from a mapping (the process environment by default, plus `.env` if present)."""
    if env is None:
        config = Config(".env" if os.path.exists(".env") else None, environ=environ)
    else:
        config = Config(environ=dict(env))
    production = config("MOBILIZE_ENV", default="development") == "production"
    secret = config("SECRET_KEY", cast=Secret, default=None)
    if secret is None:
        if production:
            raise ConfigurationError("SECRET_KEY is required when MOBILIZE_ENV=production")
        secret = Secret(secrets.token_urlsafe(32))
    return Settings(
        database_url=config("DATABASE_URL", default="sqlite://mobilize.sqlite3"),
        redis_url=config("REDIS_URL", default=None) or None,
        public_base_url=config("PUBLIC_BASE_URL", default="http://127.0.0.1:8000").rstrip("/"),
        secret_key=secret,
        production=production,
        twilio_account_sid=config("TWILIO_ACCOUNT_SID", default=None) or None,
        twilio_auth_token=config("TWILIO_AUTH_TOKEN", cast=Secret, default=None),
        twilio_messaging_service_sid=config("TWILIO_MESSAGING_SERVICE_SID", default=None) or None,
        twilio_from_number=config("TWILIO_FROM_NUMBER", default=None) or None,
        twilio_api_base_url=config("TWILIO_API_BASE_URL", default="https://api.twilio.com").rstrip("/"),
        sms_rate_per_second=_parse_send_rate(config("SMS_RATE_PER_SECOND", default="12")),
        outbox_sweep_seconds=config("OUTBOX_SWEEP_SECONDS", cast=float, default=5.0),
        outbox_stale_claim_seconds=max(1.0, config("OUTBOX_STALE_CLAIM_SECONDS", cast=float, default=30.0)),
        outbox_retry_seconds=max(0.1, config("OUTBOX_RETRY_SECONDS", cast=float, default=30.0)),
        no_show_grace_minutes=config("NO_SHOW_GRACE_MINUTES", cast=int, default=120),
        gap_fill_hours=max(1, config("GAP_FILL_HOURS", cast=int, default=48)),
        gap_asks_per_week=max(0, config("GAP_ASKS_PER_WEEK", cast=int, default=2)),
        smtp_url=config("SMTP_URL", cast=Secret, default=None),
        mail_from=config("MAIL_FROM", default="mobilize@localhost"),
        map_tile_url=config("MAP_TILE_URL", default="https://tile.openstreetmap.org/{z}/{x}/{y}.png"),
        map_attribution=config("MAP_ATTRIBUTION", default="© OpenStreetMap contributors"),
        quiet_hours=_parse_quiet_hours(config("QUIET_HOURS", default="21:00-08:00")),
        urgent_notice_hours=_parse_urgent_hours(config("URGENT_NOTICE_HOURS", default="3")),
        phone_region=config("PHONE_DEFAULT_REGION", default="US").upper(),
        max_body_size=config("MAX_BODY_SIZE", cast=int, default=1_000_000),
        public_signup_rate_ip=_parse_rate(config("PUBLIC_SIGNUP_RATE_LIMIT_IP", default="30/minute")),
        public_signup_rate_phone=_parse_rate(config("PUBLIC_SIGNUP_RATE_LIMIT_PHONE", default="5/hour")),
        host_proposal_rate_ip=_parse_rate(config("HOST_PROPOSAL_RATE_LIMIT_IP", default="10/hour")),
        host_proposal_rate_email=_parse_rate(config("HOST_PROPOSAL_RATE_LIMIT_EMAIL", default="3/hour")),
        login_rate_pair=_parse_rate(config("LOGIN_RATE_LIMIT", default="10/5minutes")),
        login_rate_ip=_parse_rate(config("LOGIN_RATE_LIMIT_IP", default="100/5minutes")),
        login_rate_account=_parse_rate(config("LOGIN_RATE_LIMIT_ACCOUNT", default="50/hour")),
        checkin_rate=_parse_rate(config("CHECKIN_RATE_LIMIT", default="60/5minutes")),
        log_level=config("LOG_LEVEL", default="info"),
        crash_after_commit=config("CRASH_AFTER_COMMIT", cast=bool, default=False),
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return load_settings()
