"""The cities the callback accepts, read from the database at most every few seconds.

Looking the city up on every notification costs the callback a database
connection and a query per request (Django opens a connection per request
thread under ASGI), more than the rest of its own work. Cities change rarely:
a city saved or deleted in this process (the admin) is seen at once, one
changed elsewhere within INGEST_CITY_CACHE_SECONDS. While the database cannot
be read the last list read stays in use, so notifications are still accepted
and their fetches catch up from the stored cursor once it is back.
"""

import logging
import threading
import time

from channels.db import database_sync_to_async
from django.conf import settings
from django.db import DatabaseError
from django.db.models.signals import post_delete, post_save

from feed.models import City

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_active: frozenset[str] | None = None  # None: never read
_read_at = float("-inf")  # time.monotonic() of the last read; -inf: never, or forgotten


class CitiesUnavailable(Exception):
    """The database cannot be read and no list of cities was read before."""


def is_active(slug: str) -> bool:
    """Whether notifications for `slug` are accepted: an active city of that slug exists.

    Raises CitiesUnavailable when the database cannot be read and never could.
    """
    global _active, _read_at
    known = _known(slug)
    if known is not None:
        return known
    try:
        active = frozenset(City.objects.filter(active=True).values_list("slug", flat=True))
    except DatabaseError as error:
        with _lock:
            if _active is None:
                raise CitiesUnavailable(str(error)) from error
            logger.warning("cities could not be read (%s); the last list read stays in use", error)
            _read_at = time.monotonic()  # try again later, not on every notification
            return slug in _active
    with _lock:
        _active, _read_at = active, time.monotonic()
    return slug in active


async def is_active_on_loop(slug: str) -> bool:
    """`is_active` for async code: no thread while the list read is fresh."""
    known = _known(slug)
    if known is not None:
        return known
    return await database_sync_to_async(is_active)(slug)


def _known(slug: str) -> bool | None:
    """Whether `slug` is active by the list read last; None when that list is stale."""
    with _lock:
        if time.monotonic() - _read_at < settings.INGEST_CITY_CACHE_SECONDS:
            return slug in _active
    return None


def forget(**kwargs) -> None:
    """Read the cities again on the next notification."""
    global _read_at
    with _lock:
        _read_at = float("-inf")


post_save.connect(forget, sender=City, dispatch_uid="ingest.cities.forget_saved")
post_delete.connect(forget, sender=City, dispatch_uid="ingest.cities.forget_deleted")
