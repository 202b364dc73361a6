"""Bluesky's posts as they happen: one Jetstream websocket for the whole site.

Frames are read on the loop; the few that matter (image posts with a city's hashtag,
deletes) are gathered and handed to a worker thread at most every FLUSH_INTERVAL, which
stores them and then saves the cursor: the `time_us` of the last frame handled, so the
cursor never passes what was stored. Every (re)connect asks for BLUESKY_REWIND_SECONDS
before it; photos of the replayed overlap are already stored and are not shown twice.
"""

import asyncio
import json
import logging
from dataclasses import dataclass, field
from urllib.parse import urlencode

import websockets
from django.conf import settings
from django.db import DatabaseError, close_old_connections

from .. import state
from ..hashtags import CityHashtags
from ..intake import retract_posts, take
from ..run import ERRORS, PHOTOS, RETRACTED, SKIPPED, Run, backoff
from .message import POST, Unreadable, hashtags, images, post_uri, to_messages
from .profiles import Profiles

logger = logging.getLogger(__name__)

SOURCE = "bluesky"
FLUSH_INTERVAL = 1.0
MAX_FRAME = 1024 * 1024  # Jetstream's own default cap on an event is far below this
ABOUT = {"source": SOURCE}


@dataclass
class _Batch:
    """What was read since the last flush."""

    posts: list[tuple[dict, list[str]]] = field(default_factory=list)  # (event, cities)
    deleted: list[str] = field(default_factory=list)
    time_us: int | None = None


class Jetstream:
    def __init__(self, run: Run):
        self.run = run
        self.cities = CityHashtags(SOURCE)
        self.profiles = Profiles()
        self.batch = _Batch()
        self.cursor: int | None = None

    async def read(self) -> None:
        """Connect, read and reconnect until stopped."""
        stored = await asyncio.to_thread(self._prepare)
        self.cursor = int(stored) if stored.isdigit() else None
        attempt = 0
        while not self.run.stop.is_set():
            url = self._url()
            try:
                async with websockets.connect(
                    url, max_size=MAX_FRAME, open_timeout=settings.SOURCE_TIMEOUT
                ) as connection:
                    logger.info("bluesky: reading %s", _shown(url), extra=ABOUT)
                    attempt = 0
                    await self._read(connection)
                if self.run.stop.is_set():
                    break
                problem = "closed the connection"
            except (OSError, TimeoutError) as error:
                problem = f"cannot be reached ({error or type(error).__name__}; is the network up?)"
            except websockets.WebSocketException as error:
                problem = f"dropped the connection ({error or type(error).__name__})"
            self.run.count(ERRORS)
            delay = backoff(attempt, settings.SOURCE_BACKOFF, settings.SOURCE_MAX_BACKOFF)
            attempt += 1
            logger.warning(
                "bluesky: Jetstream at %s %s; again in %.1f s",
                _shown(url),
                problem,
                delay,
                extra=ABOUT,
            )
            await asyncio.to_thread(
                state.record_logged_error, SOURCE, [None], f"Jetstream {problem}"
            )
            await self.run.sleep(delay)

    def _url(self) -> str:
        query = {"wantedCollections": POST}
        if self.cursor is not None:
            query["cursor"] = max(0, self.cursor - int(settings.BLUESKY_REWIND_SECONDS * 1e6))
        separator = "&" if "?" in settings.BLUESKY_JETSTREAM_URL else "?"
        return f"{settings.BLUESKY_JETSTREAM_URL}{separator}{urlencode(query)}"

    async def _read(self, connection) -> None:
        """Frames until the connection ends or the run stops; what was read is stored."""
        done = asyncio.Event()
        flusher = asyncio.create_task(self._flush_until(done))
        closer = asyncio.create_task(_close_on(self.run.stop, connection))
        try:
            async for frame in connection:
                self.handle(frame)
        finally:
            closer.cancel()
            done.set()
            await flusher  # the last flush, after the last frame

    def handle(self, frame) -> None:
        """One frame: remembered when it matters, counted as skipped when unreadable."""
        try:
            event = json.loads(frame)
            time_us = event["time_us"]
            if not isinstance(time_us, int) or isinstance(time_us, bool):
                raise Unreadable("time_us is not an integer")
            self._take(event)
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            self.run.count(SKIPPED)
            logger.debug("bluesky: frame skipped: %s", error, extra=ABOUT)
            return
        self.batch.time_us = time_us

    def _take(self, event: dict) -> None:
        if event.get("kind") != "commit":
            return  # identity and account events: nothing to show
        commit = event["commit"]
        if commit.get("collection") != POST:
            return
        operation = commit.get("operation")
        if operation == "delete":
            self.batch.deleted.append(post_uri(event["did"], commit["rkey"]))
        elif operation == "create":
            record = commit["record"]
            if not images(record):
                return
            if cities := self.cities.cities(hashtags(record)):
                self.batch.posts.append((event, cities))

    async def _flush_until(self, done: asyncio.Event) -> None:
        """Flush every FLUSH_INTERVAL, and once more when `done`; one flush at a time."""
        while not done.is_set():
            await self.flush()
            try:
                await asyncio.wait_for(done.wait(), FLUSH_INTERVAL)
            except TimeoutError:
                pass
        await self.flush()

    async def flush(self) -> None:
        """Store what was gathered, then move the cursor past it."""
        batch, self.batch = self.batch, _Batch()
        if not (self.cities.due() or batch.posts or batch.deleted or batch.time_us):
            return
        if await asyncio.to_thread(self._store, batch):
            if batch.time_us is not None:
                self.cursor = batch.time_us
        else:  # kept for the next flush; the stored cursor stays before it
            self.batch.posts[:0] = batch.posts
            self.batch.deleted[:0] = batch.deleted
            self.batch.time_us = self.batch.time_us or batch.time_us

    def _store(self, batch: _Batch) -> bool:
        """Store the batch and its cursor; False (logged) when the database failed."""
        try:
            if self.cities.due():
                self.cities.refresh()
            messages = []
            if batch.posts:
                authors = self.profiles.authors([event["did"] for event, _ in batch.posts])
                for event, cities in batch.posts:
                    try:
                        messages.extend(to_messages(event, cities, authors[event["did"]]))
                    except Unreadable as reason:
                        self.run.count(SKIPPED)
                        logger.debug("bluesky: post skipped: %s", reason, extra=ABOUT)
            self.run.count(PHOTOS, take(SOURCE, messages))
            self.run.count(RETRACTED, retract_posts(SOURCE, batch.deleted))
            if batch.time_us is not None:
                state.save_cursor(SOURCE, None, str(batch.time_us))
            return True
        except DatabaseError as error:
            self.run.count(ERRORS)
            logger.warning("bluesky: could not store, kept for later: %s", error, extra=ABOUT)
            return False
        finally:
            close_old_connections()

    def _prepare(self) -> str:
        """The stored cursor, with the cities read before the first frame."""
        try:
            self.cities.refresh()
            return state.cursor(SOURCE)
        finally:
            close_old_connections()


async def run(run: Run) -> None:
    await Jetstream(run).read()


async def _close_on(stop: asyncio.Event, connection) -> None:
    await stop.wait()
    await connection.close()


def _shown(url: str) -> str:
    """The URL as logs show it: without its query (the cursor changes every time)."""
    return url.split("?", 1)[0]
