"""Mastodon's streaming API, where a token is set: photos within a second of their posting.

One websocket per server (`/api/v1/streaming`, the token as `Authorization: Bearer`),
subscribed to each hashtag of the cities. `update` events become photos, `delete` events
retract them. Whatever the stream missed while it was down, the timeline poll catches up
from its `min_id` cursor: every (re)connect makes every hashtag due for a poll at once.
"""

import asyncio
import json
import logging

import websockets
from django.conf import settings
from django.db import DatabaseError, close_old_connections

from ..intake import retract_posts, take
from ..run import ERRORS, PHOTOS, RETRACTED, SKIPPED, Run, backoff
from .message import Unusable, post_id, to_messages
from .timeline import SOURCE, Timelines, token_for

logger = logging.getLogger(__name__)

MAX_FRAME = 4 * 1024 * 1024
RESUBSCRIBE_EVERY = 5.0  # seconds between looks for hashtags the cities gained
STORE_ATTEMPTS = 5  # tries to store one streamed event before falling back on catch-up
STORE_BACKOFF, STORE_MAX_BACKOFF = 0.2, 2.0  # seconds between those tries


def streaming_url(server: str) -> str:
    scheme, rest = server.split("://", 1)
    return f"{'wss' if scheme == 'https' else 'ws'}://{rest}/api/v1/streaming"


async def stream(run: Run, timelines: Timelines) -> None:
    """Hold the server's stream open until stopped, reconnecting with back-off."""
    url, attempt = streaming_url(timelines.server), 0
    headers = {"Authorization": f"Bearer {token_for(timelines.server)}"}
    while not run.stop.is_set():
        try:
            async with websockets.connect(
                url,
                additional_headers=headers,
                max_size=MAX_FRAME,
                open_timeout=settings.SOURCE_TIMEOUT,
            ) as connection:
                logger.info("mastodon: streaming from %s", url, extra={"source": SOURCE})
                attempt = 0
                timelines.polled.clear()  # catch up on what the stream missed
                await _read(run, timelines, connection)
            if run.stop.is_set():
                return
            problem = "closed the stream"
        except (OSError, TimeoutError, websockets.WebSocketException) as error:
            problem = f"stream unreachable or dropped ({error or type(error).__name__})"
        run.count(ERRORS)
        delay = backoff(attempt, settings.SOURCE_BACKOFF, settings.SOURCE_MAX_BACKOFF)
        attempt += 1
        logger.warning(
            "mastodon: %s %s; again in %.1f s",
            timelines.host,
            problem,
            delay,
            extra={"source": SOURCE},
        )
        await run.sleep(delay)


async def _read(run: Run, timelines: Timelines, connection) -> None:
    subscribed: set[str] = set()
    watcher = asyncio.create_task(_subscribe_new(run, timelines, connection, subscribed))
    try:
        async for frame in connection:
            await _handle(run, timelines, frame)
    finally:
        watcher.cancel()
        await asyncio.gather(watcher, return_exceptions=True)


async def _subscribe_new(run, timelines: Timelines, connection, subscribed: set[str]) -> None:
    """Subscribe to every hashtag of the cities, and to new ones as cities gain them."""
    while True:
        for hashtag in set(timelines.cities.hashtags()) - subscribed:
            await connection.send(
                json.dumps({"type": "subscribe", "stream": "hashtag", "tag": hashtag})
            )
            subscribed.add(hashtag)
        if not await run.sleep(RESUBSCRIBE_EVERY):
            await connection.close()
            return


async def _handle(run: Run, timelines: Timelines, frame) -> None:
    try:
        event = json.loads(frame)
        kind, payload, stream_name = event["event"], event["payload"], event.get("stream")
    except (ValueError, KeyError, TypeError):
        run.count(SKIPPED)
        return
    if kind == "delete" and isinstance(payload, str):
        await _in_thread(run, timelines, _retract, run, timelines.host, payload)
    elif kind == "update" and isinstance(payload, str):
        hashtag = stream_name[1] if isinstance(stream_name, list) and len(stream_name) > 1 else ""
        await _in_thread(run, timelines, _take, run, timelines, payload, hashtag)


def _take(run: Run, timelines: Timelines, payload: str, hashtag: str) -> None:
    try:
        status = json.loads(payload)
        messages = [
            message
            for city in timelines.cities.cities([hashtag])
            for message in to_messages(status, city, timelines.host)
        ]
    except (ValueError, Unusable) as reason:
        run.count(SKIPPED)
        logger.debug("mastodon: streamed status skipped: %s", reason, extra={"source": SOURCE})
        return
    run.count(PHOTOS, take(SOURCE, messages))


def _retract(run: Run, host: str, status_id: str) -> None:
    run.count(RETRACTED, retract_posts(SOURCE, [post_id(host, status_id)]))


async def _in_thread(run: Run, timelines: Timelines, work, *args) -> None:
    """Store one streamed event, trying again a few times when the database refuses.

    A delete is only ever told once, by the stream: the timelines' catch-up brings back
    missed photos but not missed deletes, so a briefly locked or restarting database must
    not cost the retraction.
    """
    for attempt in range(STORE_ATTEMPTS):
        if attempt and not await run.sleep(backoff(attempt - 1, STORE_BACKOFF, STORE_MAX_BACKOFF)):
            break
        try:
            await asyncio.to_thread(work, *args)
            return
        except DatabaseError as error:
            run.count(ERRORS)
            problem = error
        finally:
            await asyncio.to_thread(close_old_connections)
    timelines.polled.clear()  # the timelines' catch-up brings the photos that were lost
    logger.warning(
        "mastodon: could not store a streamed event (%s); catching up",
        problem,
        extra={"source": SOURCE},
    )
