"""Polling `flickr.photos.search` for each city's circle, inside one budget for the key.

Every call, for any city, waits its turn: the key's FLICKR_CALLS_PER_HOUR are spread
evenly, and a city is polled at most every FLICKR_POLL_INTERVAL. The cursor is the newest
upload time stored; `min_upload_date` is inclusive, so the photos of that second come
again and are not shown twice. Failures back off with jitter and keep the cursor.
"""

import asyncio
import logging
import threading
import time

import requests
from django.conf import settings
from django.db import DatabaseError, close_old_connections

from feed.models import City
from wazstagram.metrics import FETCH_SECONDS, FETCHES

from .. import state
from ..intake import take
from ..run import ERRORS, PHOTOS, SKIPPED, Run, backoff
from .message import Unusable, to_messages, uploaded_at

logger = logging.getLogger(__name__)

SOURCE = "flickr"
EXTRAS = (
    "description,license,date_upload,date_taken,owner_name,icon_server,geo,tags,url_s,url_m,url_l"
)
PER_PAGE = 250  # the most a geo query answers per page
FIRST_LOOKBACK = 3600  # a city's first poll asks for the last hour
# stat: fail codes that mean "try again later", not "this request is wrong".
TRANSIENT_CODES = {0, 105, 106}


class Unavailable(Exception):
    """Flickr could not answer now (network, timeout, 5xx, 429): back off and retry."""


class Refused(Exception):
    """Flickr answered `stat: fail` with a code: the request or the key is wrong."""


class Search:
    def __init__(self, run: Run):
        self.run = run
        self.session = requests.Session()
        self.next_call = 0.0  # time.monotonic() of the next call the budget allows
        self.polled: dict[int, float] = {}  # city pk -> time.monotonic() of its last poll
        self.wake = threading.Event()  # set by stop, so a paced wait ends at once

    async def poll(self) -> None:
        attempt = 0
        stopper = asyncio.create_task(_set_on(self.run.stop, self.wake))
        try:
            while not self.run.stop.is_set():
                city = await asyncio.to_thread(self._due_city)
                if city is None:
                    await self.run.sleep(1.0)
                    continue
                try:
                    with FETCH_SECONDS.labels(SOURCE).time():
                        await asyncio.to_thread(self._poll, city)
                    FETCHES.labels(SOURCE, "ok").inc()
                    attempt = 0
                except (Unavailable, Refused, DatabaseError) as error:
                    FETCHES.labels(SOURCE, type(error).__name__.lower()).inc()
                    self.run.count(ERRORS)
                    delay = backoff(attempt, settings.SOURCE_BACKOFF, settings.SOURCE_MAX_BACKOFF)
                    attempt += 1
                    # Due again after the back-off, behind the cities that waited longer.
                    self.polled[city.pk] = time.monotonic() - settings.FLICKR_POLL_INTERVAL + delay
                    logger.warning(
                        "flickr: search for %s failed (%s); next call in %.1f s",
                        city.slug,
                        error,
                        delay,
                        extra={"source": SOURCE, "city": city.slug},
                    )
                    await asyncio.to_thread(state.record_logged_error, SOURCE, [city], str(error))
                    await self.run.sleep(delay)
        finally:
            stopper.cancel()

    def _due_city(self) -> City | None:
        """The city whose poll is most overdue, or None while none is due."""
        try:
            cities = list(state.cities_for(SOURCE))
        finally:
            close_old_connections()
        now, interval = time.monotonic(), settings.FLICKR_POLL_INTERVAL
        due = [city for city in cities if now - self.polled.get(city.pk, -interval) >= interval]
        return min(due, key=lambda city: self.polled.get(city.pk, -interval), default=None)

    def _poll(self, city: City) -> None:
        """Every page of the city's new photos, stored oldest first, then the cursor moved."""
        self.polled[city.pk] = time.monotonic()
        try:
            cursor = state.cursor(SOURCE, city)
            since = int(cursor) if cursor.isdigit() else int(time.time()) - FIRST_LOOKBACK
            found = []
            for page in range(1, settings.INGEST_MAX_PAGES + 1):
                answer = self._call(city, since, page)
                found.extend(answer["photo"])
                if page >= int(answer.get("pages") or 0) or self.run.stop.is_set():
                    break
            messages = []
            for photo in reversed(found):  # newest first on the wire
                try:
                    messages.extend(to_messages(photo, city.slug))
                except Unusable as reason:
                    self.run.count(SKIPPED)
                    logger.debug("flickr: photo skipped: %s", reason, extra={"source": SOURCE})
            self.run.count(PHOTOS, take(SOURCE, messages))
            newest = max((uploaded_at(photo) for photo in found), default=0)
            if newest > since:
                state.save_cursor(SOURCE, city, str(newest))
            state.clear_error(SOURCE, city)
        finally:
            close_old_connections()

    def _call(self, city: City, since: int, page: int) -> dict:
        self._wait_turn()
        params = {
            "method": "flickr.photos.search",
            "api_key": settings.FLICKR_API_KEY,
            "lat": city.lat,
            "lon": city.lng,
            "radius": round(city.radius / 1000, 3),
            "radius_units": "km",
            "min_upload_date": since,
            "sort": "date-posted-desc",
            "extras": EXTRAS,
            "per_page": PER_PAGE,
            "page": page,
            "format": "json",
            "nojsoncallback": 1,
        }
        try:
            response = self.session.get(
                settings.FLICKR_API_URL, params=params, timeout=settings.SOURCE_TIMEOUT
            )
        except requests.RequestException as error:
            raise Unavailable(type(error).__name__) from None  # its text holds the key
        if response.status_code == 429 or response.status_code >= 500:
            raise Unavailable(f"HTTP {response.status_code}")
        try:
            answer = response.json()
        except ValueError:
            raise Unavailable(f"HTTP {response.status_code}, not JSON") from None
        if not isinstance(answer, dict) or answer.get("stat") != "ok":
            code = answer.get("code") if isinstance(answer, dict) else None
            message = answer.get("message") if isinstance(answer, dict) else None
            error = f"stat fail, code {code}: {str(message)[:200]}"
            raise Unavailable(error) if code in TRANSIENT_CODES else Refused(error)
        photos = answer.get("photos")
        if not isinstance(photos, dict) or not isinstance(photos.get("photo"), list):
            raise Unavailable("an answer without photos")
        return photos

    def _wait_turn(self) -> None:
        """Sleep until the key's budget allows the next call (this is a worker thread)."""
        gap = 3600 / max(1, settings.FLICKR_CALLS_PER_HOUR)
        wait = self.next_call - time.monotonic()
        if wait > 0:
            self.wake.wait(wait)
        self.next_call = max(self.next_call, time.monotonic()) + gap


async def _set_on(stop: asyncio.Event, wake: threading.Event) -> None:
    await stop.wait()
    wake.set()


async def run(run: Run) -> None:
    await Search(run).poll()
