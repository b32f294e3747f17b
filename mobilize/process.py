"""What a long-lived process (a web or a worker process) does once its start-up is over."""

from __future__ import annotations

import gc

# Python collects the young generation every 700 new container objects. A public sign-up allocates a few
# hundred (the request, its parsing, the ORM's instances, the answer), and a text sent by the worker about as
# many (aiohttp's request and answer, the twilio client's, the ORM rows): at 700, a collection every request
# or two. At 10,000: the SMS sender's CPU per text went from about 0.27 to 0.20 ms against the local Twilio
# server (three runs each), a sign-up's web-process CPU about 9% lower in-process (three runs each).
YOUNG_THRESHOLD = 10_000


def settle_startup_objects() -> None:
    """A serving process keeps what imports and start-up built (modules, models, routes, pools) until it
    exits: move it out of the garbage collector's sight. Otherwise every full collection walks it again,
    50-75 ms in which no request is answered (a Twilio webhook's p99 on a 2-core machine, bench/inbound_sms.py).
    Then collect the young generation less often (YOUNG_THRESHOLD)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, 10, 10)
