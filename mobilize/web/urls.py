"""Absolute links as the world sees them (built from PUBLIC_BASE_URL, not the request's Host)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request


def public_url(request: Request, path: str) -> str:
    return request.app.state.settings.public_base_url + path


def url(request: Request, name: str, **params: Any) -> str:
    return public_url(request, str(request.app.url_path_for(name, **{k: str(v) for k, v in params.items()})))
