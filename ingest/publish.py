"""Store, then publish: the database is the outbox of the bus.

A photo is stored first with `published_at` empty; only the process whose
insert created the row publishes it, so a media id fetched twice (two nodes,
a retried page) reaches the pages once. `published_at` is set after the bus
accepted the event; a photo the bus refused stays pending until the outbox
runner (`ingest.outbox`) publishes it. A photo moderation blocks (its user, a
word of its caption) or its source marks sensitive is stored hidden and never published.
"""

import logging
import time
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from feed.models import City, Photo
from feed.moderation import block_reason
from wazstagram.metrics import PUBLISH_FAILURES, PUBLISH_SECONDS

from .bus import BusError, get_bus
from .events import photo_event

logger = logging.getLogger(__name__)


def store_and_publish(city: City, messages: list[dict]) -> tuple[int, int]:
    """Store the new photos among `messages` and publish them in that order.

    Returns (stored, published); duplicates count in neither.
    """
    stored = [photo for message in messages if (photo := _store(city, message))]
    published = publish([photo for photo in stored if not photo.hidden])
    return len(stored), published


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


def _sensitive(message: dict) -> str | None:
    """Why the source marks the photo sensitive (such photos are never published), or None."""
    reason = message.get("sensitive")
    return f"marked sensitive by its source ({reason})" if reason else None


def _store(city: City, message: dict) -> Photo | None:
    """The new Photo, or None when its media id is already stored."""
    photo = Photo.from_message(city, message)
    if reason := _sensitive(message) or block_reason(message):
        logger.info(
            "media %s stored hidden: %s",
            photo.media_id,
            reason,
            extra={"photo_id": photo.media_id, "city": city.slug},
        )
        photo.hidden = True
    try:
        with transaction.atomic():
            photo.save(force_insert=True)
    except IntegrityError:
        if not Photo.objects.filter(media_id=photo.media_id).exists():
            raise
        logger.debug("media %s already stored, skipped", photo.media_id)
        return None
    return photo
