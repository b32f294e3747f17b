"""The floor under a read benchmark: one fixed answer, served by uvicorn with nothing in between.

`bench/day_of_action.py` saves the campaign feed's answer as the app sent it (status, headers, the gzip
bytes) to the file named by `FLOOR_ANSWER` and serves it with this app, with the same uvicorn flags and
workers as the app, under the same readers. No server on the machine answers those readers faster than
this, so its latency is the least any path can have there.
"""

from __future__ import annotations

import json
import os
from typing import Any

with open(os.environ["FLOOR_ANSWER"], "rb") as saved:
    _head, _, _BODY = saved.read().partition(b"\n")
_ANSWER = json.loads(_head)
_START = {
    "type": "http.response.start",
    "status": int(_ANSWER["status"]),
    "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in _ANSWER["headers"]],
}
_BODY_MESSAGE = {"type": "http.response.body", "body": _BODY}


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """The saved answer to every request (and `ok` on /healthz, so that the bench knows it is up)."""
    if scope["type"] != "http":
        return
    if scope["path"] == "/healthz":
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]})
        await send({"type": "http.response.body", "body": b"ok"})
        return
    await send(_START)
    await send(_BODY_MESSAGE)
