"""Store, then publish: the database is the outbox of the bus.

A photo is stored first with `published_at` empty; only the process whose
insert created the row publishes it, so a media id fetched twice (two nodes,
a retried page) reaches the pages once. `published_at` is set after the bus
accepted the event; a photo the bus refused stays pending until the outbox
runner (`ingest.outbox`) publishes it. A photo moderation holds (its source marks it
sensitive, a blocked or profane word, the city's pre-moderation) waits hidden in the
moderation queue, announced to the desks; a blocked user's is hidden. Neither is published
unless a moderator approves it.
"""

import logging
import time
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from feed.models import City, Photo
from feed.moderation import verdict
from wazstagram.metrics import PUBLISH_FAILURES, PUBLISH_SECONDS

from .bus import BusError, get_bus
from .events import photo_event, queued_event

logger = logging.getLogger(__name__)


def store_and_publish(city: City, messages: list[dict]) -> tuple[int, int]:
    """Store the new photos among `messages` and publish them in that order.

    Returns (stored, published); duplicates count in neither.
    """
    stored = [photo for message in messages if (photo := _store(city, message))]
    published = publish([photo for photo in stored if not photo.hidden])
    announce_waiting([photo for photo in stored if photo.waiting])
    return len(stored), published


def announce_waiting(photos: list[Photo]) -> None:
    """Tell the moderation desks of every node about photos that joined the queue."""
    if not photos:
        return
    try:
        get_bus().publish_many([queued_event(photo.to_queue_message()) for photo in photos])
    except BusError as error:
        logger.warning("desks not told of %d waiting photos: %s", len(photos), error)


def publish_pending(limit: int = 500, older_than: float | None = None) -> int:
    """Publish stored photos the bus has not accepted yet, oldest first; how many were.

    Photos stored in the last `older_than` seconds (default OUTBOX_AFTER) are
    left to the fetch that stored them, which is publishing them right now.
    The rows stay locked until they are marked published, so nodes running
    this at once (on PostgreSQL) never publish the same photo twice.
    """
    with transaction.atomic():
        pending = _pending(older_than).select_for_update(skip_locked=True, of=("self",))
        return publish(list(pending.select_related("city").order_by("pk")[:limit]))


def count_pending(older_than: float | None = None) -> int:
    """Photos waiting for the outbox."""
    return _pending(older_than).count()


def _pending(older_than: float | None):
    if older_than is None:
        older_than = settings.OUTBOX_AFTER
    stored_before = timezone.now() - timedelta(seconds=older_than)
    return Photo.objects.filter(
        published_at__isnull=True, hidden=False, stored_at__lt=stored_before
    )


def publish(photos: list[Photo]) -> int:
    """Publish `photos` in one batch and mark them published; 0 when the bus refused."""
    if not photos:
        return 0
    now = time.time()
    events = []
    for photo in photos:
        message = photo.to_message()
        message["published_at"] = now
        events.append(photo_event(message))
    try:
        with PUBLISH_SECONDS.time():
            get_bus().publish_many(events)
    except BusError as error:
        PUBLISH_FAILURES.inc()
        logger.warning("bus refused %d photos, kept pending: %s", len(photos), error)
        return 0
    Photo.objects.filter(pk__in=[photo.pk for photo in photos]).update(published_at=now)
    for photo in photos:
        photo.published_at = now
    logger.debug("published %d photos", len(photos))
    return len(photos)


def _store(city: City, message: dict) -> Photo | None:
    """The new Photo, or None when its media id is already stored."""
    photo = Photo.from_message(city, message)
    if (decided := verdict(message, city)).hidden:
        logger.info(
            "media %s stored %s: %s",
            photo.media_id,
            "for the moderation queue" if decided.waiting else "hidden",
            decided.reason,
            extra={"photo_id": photo.media_id, "city": city.slug},
        )
        photo.hidden, photo.waiting, photo.held_because = True, decided.waiting, decided.reason
    try:
        with transaction.atomic():
            photo.save(force_insert=True)
    except IntegrityError:
        if not Photo.objects.filter(media_id=photo.media_id).exists():
            raise
        logger.debug("media %s already stored, skipped", photo.media_id)
        return None
    return photo
