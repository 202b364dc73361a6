"""Retention: photos older than PHOTO_RETENTION_DAYS leave the database; pinned ones stay.

Deleted in small batches by primary key, each batch its own short transaction,
so pages and ingest never wait behind one long delete of a large table.
"""

import asyncio
import logging
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone

from ingest.background import ensure_running, repeat

from .models import Photo

logger = logging.getLogger(__name__)

BATCH = 500
# Seconds between the web process's retention passes.
PASS_EVERY = 3600.0


def prune(days: int, batch: int = BATCH) -> int:
    """Delete the photos stored more than `days` days ago; how many were deleted (0 keeps all)."""
    if days <= 0:
        return 0
    cutoff = timezone.now() - timedelta(days=days)
    deleted = 0
    while True:
        ids = list(
            Photo.objects.filter(stored_at__lt=cutoff, pinned_at__isnull=True)
            .order_by("pk")
            .values_list("pk", flat=True)[:batch]
        )
        if not ids:
            break
        deleted += Photo.objects.filter(pk__in=ids).delete()[0]
    if deleted:
        logger.info("retention: deleted %d photos older than %d days", deleted, days)
    return deleted


def prune_now() -> int:
    """One retention pass of the web process; never raises (a failed pass waits for the next)."""
    try:
        return prune(settings.PHOTO_RETENTION_DAYS)
    except Exception:
        logger.exception("retention pass failed; next in %.0f s", PASS_EVERY)
        return 0
    finally:
        close_old_connections()


def ensure_in_process_retention() -> None:
    """Run retention on the running loop (once per loop)."""
    ensure_running("retention", lambda: repeat(prune_now, PASS_EVERY, asyncio.Event()))
