"""Moderators' decisions onto the bus, so that every node's pages and desks see them."""

import logging
import time

from .bus import BusError, get_bus
from .events import decided_event, pin_event
from .publish import publish

logger = logging.getLogger(__name__)


def publish_approved(sender, photos, **kwargs):
    """Approved photos go out like new ones (the outbox retries what the bus refused)."""
    publish(photos)


def publish_pin(sender, photo, pinned, **kwargs):
    nonce = int(time.time() * 1000)  # a pin and its unpin are two events, not duplicates
    _send(pin_event(photo.to_message(), pinned, nonce), "pin")


def publish_decided(sender, decision, **kwargs):
    by = decision.moderator.get_username() if decision.moderator else ""
    _send(
        decided_event(decision.media_id, decision.city.slug, decision.action, by, decision.pk),
        "decision",
    )


def _send(event: dict, what: str) -> None:
    try:
        get_bus().publish(event)
    except BusError:
        logger.exception("could not publish a %s; pages and desks see it on reload", what)
