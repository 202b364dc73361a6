"""The relay: bus events into the channel layer groups the feed listens to."""

import asyncio
import time

from channels.layers import get_channel_layer

from feed.frames import (
    decided_frame,
    layer_event,
    photo_frame,
    pin_frame,
    queued_frame,
    retract_frame,
)
from feed.groups import ALL_GROUP, DESK_ALL_GROUP, city_group, desk_group
from wazstagram.metrics import RELAY_BATCHES, RELAY_EVENTS, RELAY_LAG

from .background import ensure_running
from .events import DECIDED, DESK_EVENTS, PHOTO, PIN, QUEUED, describe


async def deliver(events: list[dict], layer=None) -> None:
    """Send each event to its city's group and to the all-cities group, frame built once.

    A batch's frames travel to each group as one layer message, in order.
    """
    layer = layer or get_channel_layer()
    RELAY_BATCHES.inc()
    RELAY_EVENTS.inc(len(events))
    now = time.time()
    by_group: dict[str, list] = {}
    for event in events:
        kind, photo_id, city = describe(event)
        if kind == PHOTO and isinstance(published := event["photo"].get("published_at"), float):
            RELAY_LAG.observe(max(0.0, now - published))
        item = (kind, photo_id, _frame(kind, photo_id, event))
        if kind in DESK_EVENTS:
            groups = (desk_group(city), DESK_ALL_GROUP)
        else:
            groups = (city_group(city), ALL_GROUP)
        for group in groups:
            by_group.setdefault(group, []).append(item)
    for group, items in by_group.items():
        await layer.group_send(group, layer_event(items))


def _frame(kind: str, photo_id: str, event: dict) -> str:
    if kind == PHOTO:
        return photo_frame(event["photo"])
    if kind == PIN:
        return pin_frame(event["photo"], bool(event.get("pinned")))
    if kind == QUEUED:
        return queued_frame(event["photo"])
    if kind == DECIDED:
        return decided_frame(photo_id, str(event.get("action")), str(event.get("by")))
    return retract_frame(photo_id)


def ensure_in_process_relay() -> None:
    """Relay this process's bus on the running loop (once per loop)."""
    from .bus import get_bus

    ensure_running("in-process relay", lambda: get_bus().consume(deliver, asyncio.Event()))
