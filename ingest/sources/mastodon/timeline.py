"""Polling each server's hashtag timelines, inside each server's rate limit.

One loop per server in MASTODON_SERVERS. Each turn it polls the (hashtag) most overdue,
`GET /api/v1/timelines/tag/{tag}?only_media=true&limit=40&min_id={cursor}`, and follows
with `min_id` while pages come back full. Requests to a server are spread over what is
left of its window (`X-RateLimit-Remaining` until `X-RateLimit-Reset`); a 429 waits for
the reset. The cursors, "server#tag" -> newest status id stored, are kept site-wide: a
hashtag of two cities is read once for both.
"""

import json
import logging
import threading
import time
from urllib.parse import quote, urlsplit

import requests
from django.conf import settings

from .. import state
from ..fields import iso_time
from ..hashtags import CityHashtags
from ..intake import take
from ..run import PHOTOS, SKIPPED, Run
from .message import Unusable, to_messages

logger = logging.getLogger(__name__)

SOURCE = "mastodon"
PAGE = 40
WINDOW = (300, 300.0)  # the documented default budget: 300 requests per 5 minutes
RESERVE = 5  # requests left for the streaming catch-up and for other clients of the token
_cursor_lock = threading.Lock()  # the servers' loops share the one map of cursors


class Unavailable(Exception):
    """The server could not answer now; `retry_at` (time.time()) when it said so."""

    def __init__(self, message: str, retry_at: float | None = None):
        super().__init__(message)
        self.retry_at = retry_at


def host_of(server: str) -> str:
    return urlsplit(server).netloc


def token_for(server: str) -> str:
    return settings.MASTODON_ACCESS_TOKENS.get(host_of(server), "")


class Timelines:
    """One server's hashtag timelines: what is due, the pace, and one poll at a time."""

    def __init__(self, run: Run, server: str, cities: CityHashtags):
        self.run, self.server, self.host = run, server, host_of(server)
        self.cities = cities
        self.session = requests.Session()
        if token := token_for(server):
            self.session.headers["Authorization"] = f"Bearer {token}"
        self.polled: dict[str, float] = {}  # hashtag -> time.monotonic() of its last poll
        self.remaining, self.reset_at = WINDOW[0], time.time() + WINDOW[1]

    def due(self) -> str | None:
        """The hashtag most overdue for a poll, or None while none is."""
        now, interval = time.monotonic(), settings.MASTODON_POLL_INTERVAL
        due = [t for t in self.cities.hashtags() if now - self.polled.get(t, -interval) >= interval]
        return min(due, key=lambda t: self.polled.get(t, -interval), default=None)

    def pause(self) -> float:
        """Seconds to wait before the next request so the budget lasts until the reset."""
        left = self.reset_at - time.time()
        if left <= 0:
            return 0.0
        if self.remaining <= RESERVE:
            return left
        return left / (self.remaining - RESERVE)

    def poll(self, hashtag: str) -> int:
        """Store the hashtag's new photos in its cities (a worker thread); how many were new."""
        self.polled[hashtag] = time.monotonic()
        key = f"{self.host}#{hashtag}"
        cursors = _cursors()
        cursor, new = cursors.get(key, ""), 0
        for _ in range(settings.INGEST_MAX_PAGES):
            statuses = self._page(hashtag, cursor)
            if not statuses:
                break
            messages = []
            for status in reversed(statuses):  # newest first on the wire
                for city in self.cities.cities([hashtag]):
                    try:
                        messages.extend(to_messages(status, city, self.host))
                    except Unusable as reason:
                        self.run.count(SKIPPED)
                        logger.debug("mastodon: status skipped: %s", reason, extra=_about(None))
            new += take(SOURCE, messages)
            cursor = max((s["id"] for s in statuses if _is_id(s)), key=_order, default=cursor)
            _save_cursor(key, cursor)
            if len(statuses) < PAGE or self.run.stop.is_set():
                break
            time.sleep(min(self.pause(), 5.0))
        self.run.count(PHOTOS, new)
        return new

    def _page(self, hashtag: str, cursor: str) -> list:
        params = {"only_media": "true", "limit": PAGE}
        if cursor:
            params["min_id"] = cursor
        url = f"{self.server}/api/v1/timelines/tag/{quote(hashtag, safe='')}"
        try:
            response = self.session.get(url, params=params, timeout=settings.SOURCE_TIMEOUT)
        except requests.RequestException as error:
            raise Unavailable(type(error).__name__) from None
        self._budget(response)
        if response.status_code == 429:
            raise Unavailable("HTTP 429: over the rate limit", retry_at=self.reset_at)
        if response.status_code != 200:
            raise Unavailable(f"HTTP {response.status_code}")
        try:
            statuses = response.json()
        except ValueError:
            raise Unavailable("an answer that is not JSON") from None
        if not isinstance(statuses, list):
            raise Unavailable("an answer that is not a list of statuses")
        return statuses

    def _budget(self, response) -> None:
        remaining = response.headers.get("X-RateLimit-Remaining", "")
        reset = iso_time(response.headers.get("X-RateLimit-Reset"))
        if remaining.isdigit():
            self.remaining = int(remaining)
        if reset is not None:
            self.reset_at = reset.timestamp()
        elif time.time() >= self.reset_at:
            self.remaining, self.reset_at = WINDOW[0], time.time() + WINDOW[1]


def _about(city: str | None) -> dict:
    return {"source": SOURCE, "city": city} if city else {"source": SOURCE}


def _is_id(status) -> bool:
    return isinstance(status, dict) and isinstance(status.get("id"), str) and status["id"].isdigit()


def _order(status_id: str) -> tuple[int, str]:
    """Status ids are decimal strings; a longer one is a newer one."""
    return len(status_id), status_id


def _cursors() -> dict:
    try:
        cursors = json.loads(state.cursor(SOURCE) or "{}")
    except ValueError:
        return {}
    return cursors if isinstance(cursors, dict) else {}


def _save_cursor(key: str, value: str) -> None:
    """One cursor of the site-wide map; read again first, other servers' loops write too."""
    with _cursor_lock:
        cursors = _cursors()
        cursors[key] = value
        state.save_cursor(SOURCE, None, json.dumps(cursors, sort_keys=True))
