"""The relay: bus events into the channel layer groups the feed listens to."""

import asyncio
import logging
import weakref

from channels.layers import get_channel_layer

from feed.frames import layer_event, photo_frame, retract_frame
from feed.groups import ALL_GROUP, city_group

from .events import PHOTO, describe

logger = logging.getLogger(__name__)


async def deliver(events: list[dict], layer=None) -> None:
    """Send each event to its city's group and to the all-cities group, frame built once."""
    layer = layer or get_channel_layer()
    for event in events:
        kind, photo_id, city = describe(event)
        frame = photo_frame(event["photo"]) if kind == PHOTO else retract_frame(photo_id)
        message = layer_event(kind, photo_id, frame)
        await layer.group_send(city_group(city), message)
        await layer.group_send(ALL_GROUP, message)


_running: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def ensure_in_process_relay() -> None:
    """Start relaying this process's bus on the running loop, once per loop."""
    from .bus import get_bus

    loop = asyncio.get_running_loop()
    task = _running.get(loop)
    if task is None or task.done():
        _running[loop] = loop.create_task(_relay_forever(get_bus()))
        logger.info("in-process relay started")


async def _relay_forever(bus) -> None:
    await bus.consume(deliver, asyncio.Event())
