"""Mastodon and servers with its API: each city's hashtags on each of MASTODON_SERVERS."""

import asyncio
import logging
import time

from django.conf import settings
from django.db import DatabaseError, close_old_connections

from wazstagram.metrics import FETCH_SECONDS, FETCHES

from .. import PhotoSource, state
from ..hashtags import CityHashtags
from ..run import ERRORS, Run, backoff
from .message import to_messages
from .streaming import stream
from .timeline import SOURCE as NAME
from .timeline import Timelines, Unavailable, token_for

logger = logging.getLogger(__name__)


async def run(run: Run) -> None:
    """A poll loop per server, and a stream beside it where the server has a token."""
    cities = CityHashtags(NAME)
    await asyncio.to_thread(_refresh, cities)
    loops = []
    for server in settings.MASTODON_SERVERS:
        timelines = Timelines(run, server, cities)
        loops.append(_poll(run, timelines))
        if token_for(server):
            loops.append(stream(run, timelines))
    await asyncio.gather(*loops)


async def _poll(run: Run, timelines: Timelines) -> None:
    attempt = 0
    while not run.stop.is_set():
        if timelines.cities.due():
            await asyncio.to_thread(_refresh, timelines.cities)
        hashtag = timelines.due()
        if hashtag is None:
            await run.sleep(1.0)
            continue
        try:
            with FETCH_SECONDS.labels(NAME).time():
                await asyncio.to_thread(_poll_once, timelines, hashtag)
            FETCHES.labels(NAME, "ok").inc()
            attempt = 0
            await run.sleep(timelines.pause())
        except (Unavailable, DatabaseError) as error:
            FETCHES.labels(NAME, type(error).__name__.lower()).inc()
            run.count(ERRORS)
            delay = backoff(attempt, settings.SOURCE_BACKOFF, settings.SOURCE_MAX_BACKOFF)
            attempt += 1
            if retry_at := getattr(error, "retry_at", None):
                delay = max(delay, retry_at - time.time())
            # Due again once the back-off is over, after the hashtags that waited longer.
            timelines.polled[hashtag] = time.monotonic() - settings.MASTODON_POLL_INTERVAL + delay
            cities = timelines.cities.cities([hashtag])
            logger.warning(
                "mastodon: #%s on %s failed (%s); again in %.1f s",
                hashtag,
                timelines.host,
                error,
                delay,
                extra={"source": NAME, "city": ",".join(cities)},
            )
            failing = state.cities_for(NAME).filter(slug__in=cities)  # read in the thread
            problem = f"{timelines.host} #{hashtag}: {error}"
            await asyncio.to_thread(state.record_logged_error, NAME, failing, problem)
            await run.sleep(delay)


def _poll_once(timelines: Timelines, hashtag: str) -> None:
    """Poll one hashtag; its cities' last error is over once it answered."""
    try:
        timelines.poll(hashtag)
        for city in state.cities_for(NAME).filter(slug__in=timelines.cities.cities([hashtag])):
            state.clear_error(NAME, city)
    finally:
        close_old_connections()


def _refresh(cities: CityHashtags) -> None:
    try:
        cities.refresh()
    finally:
        close_old_connections()


SOURCE = PhotoSource(name=NAME, runs="poll", needs="hashtags", to_messages=to_messages, run=run)
