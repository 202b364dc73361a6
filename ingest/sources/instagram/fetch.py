"""Fetching one city's new media and turning it into stored, published photos.

The `min_id` cursor lives in the city's Subscription and moves only after the
photos of a page are stored (and published, or pending in the outbox), so a
crash or an API failure mid-way fetches the same page again rather than
skipping it. When the API is unavailable or rate limited the fetch backs off
and retries a few times, then gives up until the next poke. A 429's wait is
kept for the whole process (the limit is the client's, not a city's): a poke
during it fetches once the wait is over, not before.
"""

import logging
import threading
import time
from datetime import timedelta

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from feed.models import City
from feed.photo import INSTAGRAM
from ingest.locks import nodes_take_turns, try_lock
from ingest.models import Subscription
from ingest.publish import store_and_publish
from wazstagram.metrics import FETCH_SECONDS, FETCHES

from .client import ApiError, ApiUnavailable, RateLimited, get_client
from .media import message_from_media

logger = logging.getLogger(__name__)

FETCHED_AT_EVERY = timedelta(seconds=1)

_rate_limit_lock = threading.Lock()
_rate_limited_until = 0.0  # time.monotonic() before which no fetch calls the API


def fetch_city(slug: str, object_ids: list[str] = ()) -> int:
    """Fetch, store and publish the city's media newer than its cursor; how many photos were new.

    `object_ids` are the geographies the notification poked; they are used
    when the city's subscription does not know its geography yet. One node fetches a city
    at a time: a node that finds the city's lock taken records the poke and leaves it to
    the holder, which fetches once more after its fetch (and checks again once it let go,
    so a poke recorded meanwhile is never lost).
    """
    if not nodes_take_turns():
        return _fetch_city(slug, object_ids)[0]
    stored, poked = 0, False
    while True:
        with try_lock(f"fetch:{slug}") as held:
            if held:
                new, pokes = _fetch_city(slug, object_ids)
                stored += new
        if held:
            if _pokes(slug) == pokes:  # read after letting go: no poke falls in between
                return stored
            continue  # poked during the fetch: once more
        if poked:  # left a poke, and the lock is still taken: its holder fetches after
            return stored
        Subscription.objects.filter(city__slug=slug).update(pokes=F("pokes") + 1)
        poked = True
        logger.info("fetch for %s left to the node fetching it now", slug, extra=_about(slug))


def _pokes(slug: str) -> int:
    """Pokes other nodes left for the city so far."""
    return Subscription.objects.filter(city__slug=slug).values_list("pokes", flat=True).first() or 0


def _fetch_city(slug: str, object_ids: list[str]) -> tuple[int, int]:
    """(photos stored, the city's pokes as its subscription was read)."""
    subscription = _subscription(slug)
    if subscription is None:
        logger.warning("fetch for unknown city %s skipped", slug)
        return 0, 0
    with FETCH_SECONDS.labels(INSTAGRAM).time():
        stored = _fetch_subscription(subscription, slug, object_ids)
    return stored, subscription.pokes


def _fetch_subscription(subscription: Subscription, slug: str, object_ids: list[str]) -> int:
    city = subscription.city
    if not subscription.object_id:
        if not object_ids:
            logger.warning("fetch for %s skipped: no geography id known", slug)
            return 0
        subscription.object_id = object_ids[0]
        subscription.save(update_fields=["object_id", "updated_at"])
    for attempt in range(settings.INSTAGRAM_RETRIES + 1):
        _wait_out_rate_limit(slug)
        try:
            stored = _fetch_pages(city, subscription)
        except ApiUnavailable as error:
            FETCHES.labels(INSTAGRAM, "unavailable").inc()
            _record(subscription, error=str(error))
            delay = _backoff(attempt, error)
            if isinstance(error, RateLimited):
                _rate_limited_for(delay)  # the next attempt, or the next poke's fetch, waits
            if attempt == settings.INSTAGRAM_RETRIES:
                logger.warning(
                    "fetch for %s gave up until the next poke: %s", slug, error, extra=_about(slug)
                )
                return 0
            logger.warning(
                "fetch for %s failed (%s); retry in %.1f s", slug, error, delay, extra=_about(slug)
            )
            if not isinstance(error, RateLimited):
                time.sleep(delay)
        except ApiError as error:
            FETCHES.labels(INSTAGRAM, "refused").inc()
            _record(subscription, error=str(error))
            logger.error("fetch for %s refused by the API: %s", slug, error, extra=_about(slug))
            return 0
        else:
            FETCHES.labels(INSTAGRAM, "ok").inc()
            now = timezone.now()
            if subscription.last_error or _fetched_at_due(subscription, now):
                _record(subscription, fetched_at=now, error="")
            return stored
    return 0


def _about(slug: str) -> dict:
    """The `extra` fields of a fetch's log lines."""
    return {"city": slug, "source": INSTAGRAM}


def _subscription(slug: str) -> Subscription | None:
    """The city's subscription with its city in one query (a busy city fetches often)."""
    subscription = Subscription.objects.select_related("city").filter(city__slug=slug).first()
    if subscription is None and (city := City.objects.filter(slug=slug).first()):
        subscription, _ = Subscription.objects.get_or_create(city=city)
    return subscription


def _fetched_at_due(subscription: Subscription, now) -> bool:
    """Whether `fetched_at` is due: a busy city's fetches write it at most once a second."""
    return subscription.fetched_at is None or now - subscription.fetched_at >= FETCHED_AT_EVERY


def _fetch_pages(city: City, subscription: Subscription) -> int:
    """Follow the cursor for at most INGEST_MAX_PAGES pages; photos stored."""
    client, page_size, stored = get_client(), settings.INSTAGRAM_PAGE_SIZE, 0
    for _ in range(settings.INGEST_MAX_PAGES):
        page = client.recent_media(subscription.object_id, subscription.cursor, page_size)
        media = page["data"]
        # The API answers newest first; pages show photos in the order they were taken.
        messages = [m for item in reversed(media) if (m := message_from_media(item, city.slug))]
        new, published = store_and_publish(city, messages)
        stored += new
        if media:
            logger.debug(
                "%s: %d media, %d new photos, %d published", city.slug, len(media), new, published
            )
        cursor = _next_cursor(page, media)
        if not cursor or cursor == subscription.cursor:
            break
        subscription.cursor = cursor
        subscription.save(update_fields=["cursor", "updated_at"])
        if len(media) < page_size:
            break
    return stored


def _next_cursor(page: dict, media: list) -> str:
    """`pagination.next_min_id`, else the newest media id of the page, else nothing."""
    next_min_id = page["pagination"].get("next_min_id")
    if isinstance(next_min_id, str | int) and str(next_min_id):
        return str(next_min_id)
    ids = [
        str(item["id"])
        for item in media
        if isinstance(item, dict) and isinstance(item.get("id"), str | int) and str(item["id"])
    ]
    return max(ids, key=_media_order, default="")


def _media_order(media_id: str) -> tuple:
    """Media ids are "<sequence>_<user id>"; the sequence grows with time."""
    head = media_id.split("_", 1)[0]
    return (0, int(head), media_id) if head.isdigit() else (1, 0, media_id)


def _backoff(attempt: int, error: ApiUnavailable) -> float:
    """Exponential back-off, or what a 429 asked for; never more than INSTAGRAM_MAX_BACKOFF."""
    delay = settings.INSTAGRAM_BACKOFF * 2**attempt
    if isinstance(error, RateLimited) and error.retry_after is not None:
        delay = error.retry_after
    return min(delay, settings.INSTAGRAM_MAX_BACKOFF)


def _rate_limited_for(seconds: float) -> None:
    global _rate_limited_until
    with _rate_limit_lock:
        _rate_limited_until = max(_rate_limited_until, time.monotonic() + seconds)


def _wait_out_rate_limit(slug: str) -> None:
    """Sleep until the API's last 429 wait is over (this is a fetch worker thread)."""
    with _rate_limit_lock:
        wait = _rate_limited_until - time.monotonic()
    if wait > 0:
        logger.info("fetch for %s waits %.1f s for the API's rate limit", slug, wait)
        time.sleep(wait)


def _record(subscription: Subscription, error: str, fetched_at=None) -> None:
    subscription.last_error = error
    fields = ["last_error", "updated_at"]
    if fetched_at:
        subscription.fetched_at = fetched_at
        fields.append("fetched_at")
    subscription.save(update_fields=fields)
