"""The live stream of one city (or of all cities) over a websocket."""

import json

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from .frames import RETRACT, photo_frame
from .groups import city_group
from .history import city_is_live, latest_messages
from .recent import RecentIds

CLOSE_UNKNOWN_CITY = 4404
MAX_PHOTO_ID = 64
# A page back from a long absence gets at most this many missed photos (the latest).
MAX_RESUME = 100


class CityConsumer(AsyncWebsocketConsumer):
    """Sends the latest photos on connect, then every frame the relay sends to the stream.

    A connection never gets the same photo twice: it remembers the ids it sent
    (history, resume and live frames may overlap around a connect).
    """

    async def connect(self):
        self.slug = self.scope["url_route"]["kwargs"]["slug"]
        self.sent = RecentIds(max(256, 4 * settings.FEED_HISTORY_SIZE))
        if not await database_sync_to_async(city_is_live)(self.slug):
            # Accept first: a close before the handshake reaches a browser as a bare 403.
            await self.accept()
            await self.close(code=CLOSE_UNKNOWN_CITY)
            return
        await self.accept()
        # Join before reading history: a photo stored meanwhile arrives live, not lost.
        await self.join_stream()
        await self.send_history()

    async def disconnect(self, code):
        if getattr(self, "joined", False):
            await self.leave_stream()

    async def receive(self, text_data=None, bytes_data=None):
        try:
            request = json.loads(text_data or "")
        except ValueError:
            return
        if not isinstance(request, dict) or request.get("type") != "resume":
            return
        after = request.get("after")
        if isinstance(after, str | int) and 0 < len(str(after)) <= MAX_PHOTO_ID:
            await self.send_history(after=str(after), limit=MAX_RESUME)

    async def send_history(self, after=None, limit=None):
        messages = await database_sync_to_async(latest_messages)(self.slug, after, limit)
        for message in messages:
            if self.sent.add(message["id"]):
                await self.send(text_data=photo_frame(message))

    # Delivery: how frames reach this connection. Swappable without touching the rest.

    async def join_stream(self):
        self.group = city_group(self.slug)
        await self.channel_layer.group_add(self.group, self.channel_name)
        self.joined = True

    async def leave_stream(self):
        await self.channel_layer.group_discard(self.group, self.channel_name)
        self.joined = False

    async def feed_frame(self, event):
        """A `feed.frame` channel-layer event: a frame serialized once by the relay."""
        await self.deliver_frame(event["kind"], event["id"], event["frame"])

    async def deliver_frame(self, kind: str, photo_id: str, frame: str):
        if kind == RETRACT:
            self.sent.discard(photo_id)
        elif not self.sent.add(photo_id):
            return
        await self.send(text_data=frame)
