"""The relay: bus events into the channel layer groups the feed listens to."""

import asyncio
import time

from channels.layers import get_channel_layer

from feed.frames import layer_event, photo_frame, retract_frame
from feed.groups import ALL_GROUP, city_group
from wazstagram.metrics import RELAY_BATCHES, RELAY_EVENTS, RELAY_LAG

from .background import ensure_running
from .events import PHOTO, describe


async def deliver(events: list[dict], layer=None) -> None:
    """Send each event to its city's group and to the all-cities group, frame built once."""
    layer = layer or get_channel_layer()
    RELAY_BATCHES.inc()
    RELAY_EVENTS.inc(len(events))
    now = time.time()
    for event in events:
        kind, photo_id, city = describe(event)
        if kind == PHOTO and isinstance(published := event["photo"].get("published_at"), float):
            RELAY_LAG.observe(max(0.0, now - published))
        frame = photo_frame(event["photo"]) if kind == PHOTO else retract_frame(photo_id)
        message = layer_event(kind, photo_id, frame)
        await layer.group_send(city_group(city), message)
        await layer.group_send(ALL_GROUP, message)


def ensure_in_process_relay() -> None:
    """Relay this process's bus on the running loop (once per loop)."""
    from .bus import get_bus

    ensure_running("in-process relay", lambda: get_bus().consume(deliver, asyncio.Event()))
