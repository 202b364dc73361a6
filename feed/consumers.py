"""The live stream of one city (or of all cities) over a websocket."""

import json

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from .frames import photo_frame
from .groups import ALL_CITIES, city_group
from .models import City, Photo

CLOSE_UNKNOWN_CITY = 4404


@database_sync_to_async
def _city_exists(slug):
    return slug == ALL_CITIES or City.objects.filter(slug=slug, active=True).exists()


@database_sync_to_async
def _history(slug, after=None):
    """Frames of the visible photos a page lacks, oldest first."""
    photos = Photo.objects.visible().select_related("city").after(after)
    if slug != ALL_CITIES:
        photos = photos.filter(city__slug=slug)
    latest = list(photos.latest_first(settings.FEED_HISTORY_SIZE))
    return [photo_frame(photo.to_message()) for photo in reversed(latest)]


class CityConsumer(AsyncWebsocketConsumer):
    """Sends the latest photos on connect, then every frame the relay sends to the group."""

    async def connect(self):
        self.slug = self.scope["url_route"]["kwargs"]["slug"]
        if not await _city_exists(self.slug):
            await self.close(code=CLOSE_UNKNOWN_CITY)
            return
        self.group = city_group(self.slug)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        for frame in await _history(self.slug):
            await self.send(text_data=frame)

    async def disconnect(self, code):
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        try:
            request = json.loads(text_data or "")
        except ValueError:
            return
        if isinstance(request, dict) and request.get("type") == "resume":
            for frame in await _history(self.slug, after=str(request.get("after") or "")):
                await self.send(text_data=frame)

    async def feed_frame(self, event):
        await self.send(text_data=event["frame"])
