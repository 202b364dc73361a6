"""A stream's latest photos as this process's hub keeps them: connects and resumes without a query.

Read from the database once, after the hub joined the stream's group (so no
photo falls in between), then kept current by the hub's own frames: a photo
joins, a retract leaves. A pin moves a photo to or from the front of pages,
which the frames alone cannot place, so it makes the next reader load again;
so do lost frames (the hub's `forget`) and age (MAX_AGE: what retention
deleted, a city switched off). However many pages connect at once, one load
serves them all; frames arriving during it are applied after it.
"""

import asyncio
import time
from collections import OrderedDict

from channels.db import database_sync_to_async

from .frames import PHOTO, PIN, RETRACT, frame_of, photo_frame
from .history import city_is_live, latest_messages

MAX_AGE = 60.0
# A page back from a long absence gets at most this many missed photos (the latest).
RESUME_LIMIT = 100

# (photo id, photo frame text)
Entry = tuple[str, str]


class Opening:
    """What a new page gets: entries oldest first, pinned last, and their message built once."""

    def __init__(self, entries: list[Entry]):
        self.entries = entries
        self.message = frame_of([frame for _, frame in entries]) if entries else ""


class LatestPhotos:
    """The latest `size` visible photos of stream `slug` (and its pinned ones), as frames."""

    def __init__(self, slug: str, size: int, opening_size: int):
        self.slug = slug
        self._size = size
        self._opening_size = opening_size
        self._photos: OrderedDict[str, str] = OrderedDict()  # oldest first
        self._pinned: dict[str, str] = {}
        self._live = False
        self._loaded_at: float | None = None  # None: read again before answering
        self._loading: asyncio.Future | None = None
        self._arrived: list | None = None  # frames that came during a load
        self._opening: Opening | None = None

    async def opening(self) -> Opening | None:
        """The opening of a new page; None when `slug` is not a live stream."""
        await self._ensure_loaded()
        if not self._live:
            return None
        if self._opening is None:
            recent = list(self._photos.items())[-self._opening_size :]
            self._opening = Opening(recent + list(self._pinned.items()))
        return self._opening

    async def after(self, photo_id: str, limit: int) -> list[Entry] | None:
        """The photos stored after `photo_id`, oldest first; None when it is not among them."""
        await self._ensure_loaded()
        if photo_id not in self._photos:
            return None
        ids = list(self._photos)
        return [(i, self._photos[i]) for i in ids[ids.index(photo_id) + 1 :][-limit:]]

    def apply(self, items) -> None:
        """The hub's frames, as every page of the stream gets them."""
        if self._arrived is not None:
            self._arrived.extend(items)
        if self._loaded_at is None:
            return
        for kind, photo_id, frame in items:
            if kind == PHOTO and photo_id not in self._pinned:
                self._photos[photo_id] = frame
                self._photos.move_to_end(photo_id)
                if len(self._photos) > self._size:
                    self._photos.popitem(last=False)
            elif kind == RETRACT:
                self._photos.pop(photo_id, None)
                self._pinned.pop(photo_id, None)
            elif kind == PIN:
                self.forget()
                return
            else:
                continue
            self._opening = None

    def forget(self) -> None:
        """What is held may be wrong: the next reader loads again."""
        self._loaded_at = None
        self._opening = None

    async def _ensure_loaded(self) -> None:
        while self._loaded_at is None or time.monotonic() - self._loaded_at > MAX_AGE:
            if self._loading is None:
                self._loading = asyncio.ensure_future(self._load())
            await asyncio.shield(self._loading)

    async def _load(self) -> None:
        self._arrived = []
        try:
            messages = await database_sync_to_async(_read)(self.slug, self._size)
        finally:
            arrived, self._arrived, self._loading = self._arrived, None, None
        self._live = messages is not None
        self._photos = OrderedDict()
        self._pinned = {}
        for message in messages or []:
            held = self._pinned if message["pinned"] else self._photos
            held[message["id"]] = photo_frame(message)
        self._loaded_at = time.monotonic()
        self._opening = None
        self.apply(arrived)


def _read(slug: str, size: int) -> list[dict] | None:
    """One database connection for the whole question."""
    return latest_messages(slug, limit=size) if city_is_live(slug) else None
