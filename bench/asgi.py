"""The project's ASGI app plus bench-only triggers: publish photos on the bus, dump a profile.

`GET /_bench/publish?city=<slug>&count=<n>` builds n photo messages stamped
with `published_at` = now and hands them to the process's bus with
`publish_many`, exactly where ingest hands over fetched photos; from there the
production path runs unchanged (bus → relay → channel layer → consumer).
With BENCH_PROFILE=<file> the process runs under cProfile and
`GET /_bench/profile` writes the statistics there.
Only the benchmarks serve this module; `wazstagram.asgi` never routes it.
"""

import asyncio
import cProfile
import os
import time
from urllib.parse import parse_qs

from wazstagram.asgi import application as project

from .photos import PROFILE_PATH, PUBLISH_PATH, photo_message

_profile_to = os.environ.get("BENCH_PROFILE")
if _profile_to:
    _profiler = cProfile.Profile()
    _profiler.enable()


async def application(scope, receive, send):
    if scope["type"] == "http" and scope["path"] == PUBLISH_PATH:
        return await _publish(scope, receive, send)
    if scope["type"] == "http" and scope["path"] == PROFILE_PATH and _profile_to:
        _profiler.disable()
        _profiler.dump_stats(_profile_to)
        return await _answer(send, b"profiled\n")
    return await project(scope, receive, send)


async def _publish(scope, receive, send):
    from django.conf import settings

    from ingest.bus import get_bus
    from ingest.events import photo_event
    from ingest.relay import ensure_in_process_relay

    if settings.RELAY_IN_PROCESS:
        ensure_in_process_relay()
    query = parse_qs(scope["query_string"].decode())
    city = query["city"][0]
    published_at = time.time()
    events = [photo_event(photo_message(city, published_at)) for _ in range(int(query["count"][0]))]
    await asyncio.to_thread(get_bus().publish_many, events)
    await _answer(send, b"published\n")


async def _answer(send, body: bytes):
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": body})
