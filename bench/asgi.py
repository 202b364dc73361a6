"""The project's ASGI app plus bench-only triggers: publish or store photos, interrupt, profile.

`GET /_bench/publish?city=<slug>&count=<n>` builds n photo messages stamped
with `published_at` = now and hands them to the process's bus with
`publish_many`, exactly where ingest hands over fetched photos; from there the
production path runs unchanged (bus → relay → channel layer → consumer).
`GET /_bench/store?city=<slug>&count=<n>` goes one step earlier, through
ingest's intake: the photos are stored, then published, so a page that was away
can resume them from the database (answers their ids and when the bus took them).
`GET /_bench/interrupt` has every hub of the process ask its pages to reconnect
and resume (4012), as after a channel-layer outage. `GET /_bench/blank` is an
empty page of the project's origin for a browser.
With BENCH_PROFILE=<file> the process runs under cProfile and
`GET /_bench/profile` writes the statistics there.
Only the benchmarks serve this module; `wazstagram.asgi` never routes it.
"""

import asyncio
import cProfile
import json
import os
import time
from urllib.parse import parse_qs

from wazstagram.asgi import application as project

from .photos import (
    BLANK_PATH,
    INTERRUPT_PATH,
    PROFILE_PATH,
    PUBLISH_PATH,
    STORE_PATH,
    photo_message,
)

_profile_to = os.environ.get("BENCH_PROFILE")
if _profile_to:
    _profiler = cProfile.Profile()
    _profiler.enable()


async def application(scope, receive, send):
    path = scope.get("path") if scope["type"] == "http" else None
    if path == PUBLISH_PATH:
        return await _publish(scope, receive, send)
    if path == STORE_PATH:
        return await _store(scope, send)
    if path == INTERRUPT_PATH:
        return await _interrupt(send)
    if path == BLANK_PATH:
        return await _answer(send, b"<!doctype html><title>bench</title>", b"text/html")
    if path == PROFILE_PATH and _profile_to:
        _profiler.disable()
        _profiler.dump_stats(_profile_to)
        return await _answer(send, b"profiled\n")
    return await project(scope, receive, send)


def _relay_here():
    from django.conf import settings

    from ingest.relay import ensure_in_process_relay

    if settings.RELAY_IN_PROCESS:
        ensure_in_process_relay()


def _query(scope) -> tuple[str, int]:
    query = parse_qs(scope["query_string"].decode())
    return query["city"][0], int(query["count"][0])


async def _publish(scope, receive, send):
    from ingest.bus import get_bus
    from ingest.events import photo_event

    _relay_here()
    city, count = _query(scope)
    published_at = time.time()
    events = [photo_event(photo_message(city, published_at)) for _ in range(count)]
    await asyncio.to_thread(get_bus().publish_many, events)
    await _answer(send, b"published\n")


async def _store(scope, send):
    from channels.db import database_sync_to_async

    from ingest.sources.intake import take

    _relay_here()
    city, count = _query(scope)
    messages = [photo_message(city, None) for _ in range(count)]
    for message in messages:
        del message["published_at"]  # as a source hands them over: not published yet
    stored = await database_sync_to_async(take)(messages[0]["source"], messages)
    if stored != count:
        raise RuntimeError(f"intake stored {stored} of {count} bench photos")
    body = {"ids": [m["id"] for m in messages], "published_at": time.time()}
    await _answer(send, json.dumps(body).encode(), b"application/json")


async def _interrupt(send):
    from feed.hub import _hubs

    pages = 0
    for hub in _hubs.get(asyncio.get_running_loop(), {}).values():
        for subscription in hub.subscriptions.values():
            pages += len(subscription.outboxes)
            subscription.interrupt()
    await _answer(send, f"{pages}\n".encode())


async def _answer(send, body: bytes, content_type: bytes = b"text/plain"):
    headers = [(b"content-type", content_type)]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})
