"""Keeps secrets in URLs out of the access log: uvicorn's "uvicorn.access" lines get every token a path
carries (each `{...:token}` of the routing table: volunteer pages and feeds, invitation and check-in links)
and secret query parameters (a reset link's `token`) replaced before the line is written."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence

from starlette.routing import BaseRoute, Mount, Route

from mobilize.web.convertors import TokenConvertor

ACCESS_LOGGER = "uvicorn.access"
REDACTED = "[redacted]"
SECRET_PARAMS = frozenset({"token", "key", "secret", "signature", "sig", "code", "access_token", "password"})
_PARAM = re.compile(r"{([a-zA-Z_][a-zA-Z0-9_]*)(?::([a-zA-Z_][a-zA-Z0-9_]*))?}")


def _paths(routes: Iterable[BaseRoute], prefix: str = "") -> Iterable[tuple[str, Route]]:
    for route in routes:
        if isinstance(route, Mount):
            yield from _paths(route.routes, prefix + route.path)
        elif isinstance(route, Route):
            yield prefix + route.path, route


def _segment_regex(segment: str, secret: str | None) -> str:
    """One path segment as a regex; the parameter named `secret` becomes the group `secret`. Any value
    matches (not only what the route accepts): a mistyped token is a token all the same."""
    out, at = [], 0
    for param in _PARAM.finditer(segment):
        out.append(re.escape(segment[at : param.start()]))
        if param.group(1) == secret:
            after = re.escape(segment[param.end() :])  # e.g. ".ics": kept in the line when it is there
            group = f"(?P<secret>[^/]+?)(?:{after})?(?=/|$)" if after else "(?P<secret>[^/]+)"
            return "".join(out) + group
        out.append("[^/]+?")
        at = param.end()
    out.append(re.escape(segment[at:]))
    return "".join(out)


def secret_path_patterns(routes: Sequence[BaseRoute]) -> list[re.Pattern[str]]:
    """For each token parameter of the routing table, a pattern whose group `secret` is its value in a path."""
    patterns: dict[str, re.Pattern[str]] = {}
    for path, route in _paths(routes):
        names = [name for name, conv in route.param_convertors.items() if isinstance(conv, TokenConvertor)]
        segments = path.split("/")
        for name in names:
            index = next(i for i, s in enumerate(segments) if "{" + name + ":" in s or "{" + name + "}" in s)
            head = [_segment_regex(s, None) for s in segments[:index]]
            regex = "^" + "/".join([*head, _segment_regex(segments[index], name)])
            patterns.setdefault(regex, re.compile(regex))
    return list(patterns.values())


class RedactSecrets(logging.Filter):
    """Rewrites the path argument of uvicorn's access records (client, method, path, version, status)."""

    def __init__(self, routes: Sequence[BaseRoute]) -> None:
        super().__init__()
        self.patterns = secret_path_patterns(routes)

    def redact(self, target: str) -> str:
        path, mark, query = target.partition("?")
        for pattern in self.patterns:
            found = pattern.match(path)
            if found:
                path = path[: found.start("secret")] + REDACTED + path[found.end("secret") :]
        if query:
            pairs = []
            for pair in query.split("&"):
                name, equals, _ = pair.partition("=")
                pairs.append(f"{name}={REDACTED}" if equals and name.lower() in SECRET_PARAMS else pair)
            query = "&".join(pairs)
        return path + mark + query

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], self.redact(args[2]), *args[3:])
        return True


def install(routes: Sequence[BaseRoute]) -> RedactSecrets:
    """Put the filter on uvicorn's access logger (once: a second app replaces the first one's filter)."""
    logger = logging.getLogger(ACCESS_LOGGER)
    for old in [f for f in logger.filters if isinstance(f, RedactSecrets)]:
        logger.removeFilter(old)
    redactor = RedactSecrets(routes)
    logger.addFilter(redactor)
    return redactor
