"""The live stream of one city (or of all cities) over a websocket."""

import json

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from wazstagram.leanwebsocket import SEND_NOW
from wazstagram.metrics import OPEN_PAGES

from .frames import frame_of, photo_frame
from .groups import city_group
from .history import latest_messages
from .hub import current_hub
from .latest import RESUME_LIMIT, Entry
from .recent import RecentIds

CLOSE_UNKNOWN_CITY = 4404
# Live frames may have been lost: the page reconnects and resumes (like 1012 "service
# restart", which servers may not send).
CLOSE_RECONNECT = 4012
MAX_PHOTO_ID = 64


class CityConsumer(AsyncWebsocketConsumer):
    """Sends the latest photos on connect, then every frame the relay sends to the stream.

    A connection never gets the same photo twice: it remembers the ids it sent
    (history, resume and live frames may overlap around a connect). History and
    resumes come from the hub's cache of the stream's latest photos: in steady
    state a connect costs the database nothing.
    """

    async def __call__(self, scope, receive, send):
        """channels' consumer loop, reading the one source this consumer has.

        It listens to no layer channel (the hub feeds its outbox), so it needs none of
        channels' machinery for several sources: a task and an `asyncio.wait` per page.
        """
        self.scope, self.channel_layer, self.base_send = scope, None, send
        try:
            while True:
                await self.dispatch(await receive())
        except StopConsumer:
            pass

    # channels' dispatch and websocket_disconnect, without their thread hop per message to
    # close stale database connections: this consumer touches the database only through
    # database_sync_to_async, which closes them itself, and a reconnect storm of thousands
    # of pages would queue as many hops on the thread pool.
    async def dispatch(self, message):
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def websocket_disconnect(self, message):
        await self.disconnect(message["code"])
        raise StopConsumer()

    async def connect(self):
        self.slug = self.scope["url_route"]["kwargs"]["slug"]
        self.sent = RecentIds(max(256, 4 * settings.FEED_HISTORY_SIZE))
        # Accept first: a close before the handshake reaches a browser as a bare 403.
        await self.accept()
        # Join before reading history: a photo stored meanwhile arrives live, not lost.
        await self.join_stream()
        opening = await self.latest.opening()
        if opening is None:
            await self.leave_stream()
            await self.close(code=CLOSE_UNKNOWN_CITY)
            return
        await self.send_entries(opening.entries, opening.message)

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
            await self.send_entries(await self.missed(str(after)))

    async def missed(self, after: str) -> list[Entry]:
        """The photos stored after `after` (at most RESUME_LIMIT, the latest)."""
        entries = await self.latest.after(after, RESUME_LIMIT)
        if entries is None:  # older than what the hub keeps
            messages = await database_sync_to_async(latest_messages)(self.slug, after, RESUME_LIMIT)
            entries = [(message["id"], photo_frame(message)) for message in messages]
        return entries

    async def send_entries(self, entries: list[Entry], message: str = ""):
        """The photos this page lacks, in one websocket message (`message`: all of them)."""
        lacking = [self.sent.add(photo_id) for photo_id, _ in entries]
        if message and all(lacking):
            await self.send(text_data=message)
            return
        frames = [frame for (_, frame), new in zip(entries, lacking, strict=True) if new]
        if frames:
            await self.send(text_data=frame_of(frames))

    # Delivery: how frames reach this connection. Swappable without touching the rest.
    # The process's hub listens to the channel layer once per group and feeds this
    # connection's outbox; the connection itself needs no layer channel.
    channel_layer_alias = None

    async def join_stream(self):
        self.group = city_group(self.slug)
        self.hub = current_hub()
        self.outbox = await self.hub.join(
            self.group,
            self.send_frame,
            self.reconnect,
            self.sent,
            name=self.scope["path"],
            send_now=self.scope.get("extensions", {}).get(SEND_NOW),
        )
        self.latest = self.hub.latest_photos(self.group, self.slug)
        self.joined = True
        OPEN_PAGES.labels(self.slug).inc()

    async def leave_stream(self):
        await self.hub.leave(self.group, self.outbox)
        self.joined = False
        OPEN_PAGES.labels(self.slug).dec()

    async def send_frame(self, frame: str):
        """One live frame, serialized once by the relay and forwarded as it is."""
        await self.send(text_data=frame)

    async def reconnect(self):
        await self.close(code=CLOSE_RECONNECT)
