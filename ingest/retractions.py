"""Hidden photos leave every open page: the feed's signal becomes retract events on the bus."""

import logging

from .bus import BusError, get_bus
from .events import retract_event

logger = logging.getLogger(__name__)


def publish_retractions(sender, photos, **kwargs):
    events = [retract_event(photo_id, city) for photo_id, city in photos]
    try:
        get_bus().publish_many(events)
    except BusError:
        logger.exception("could not publish %d retractions; pages drop them on reload", len(events))
        return
    logger.info("published %d retractions", len(events))
