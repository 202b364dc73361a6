"""The outbox runner: photos the bus refused are published again once it is back.

Every web process runs it in the background (OUTBOX_INTERVAL seconds between
passes), since every web process stores photos; `manage.py publish_pending`
runs the same pass by hand or in a loop where the background task is off.
A bus outage delays photos, it never drops them; pages de-duplicate by photo
id, so a photo published twice (a node dying between the bus accepting it and
marking it published) still shows once.
"""

import asyncio
import logging

from django.conf import settings
from django.db import close_old_connections

from .background import ensure_running, repeat
from .publish import publish_pending

logger = logging.getLogger(__name__)

BATCH = 500


def publish_pending_now() -> int:
    """One outbox pass, oldest first, until nothing old enough is pending; photos published.

    Never raises: a database or bus outage is logged and tried again next pass.
    """
    published = 0
    try:
        while (count := publish_pending(limit=BATCH)) == BATCH:
            published += count
        published += count
    except Exception:
        logger.exception("outbox pass failed; trying again in the next pass")
    finally:
        close_old_connections()
    return published


async def run_outbox(stop: asyncio.Event, interval: float) -> int:
    """Publish what is pending every `interval` seconds until `stop`; photos published."""
    return await repeat(publish_pending_now, interval, stop)


def ensure_in_process_outbox() -> None:
    """Run the outbox on the running loop (once per loop)."""
    ensure_running("outbox", lambda: run_outbox(asyncio.Event(), settings.OUTBOX_INTERVAL))
