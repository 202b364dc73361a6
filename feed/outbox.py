"""One connection's live frames on their way out: bounded, so a slow page holds back no one else.

The hub only appends to an outbox (never waits on a socket); the outbox's own
writer task sends its frames in order, all that wait in one websocket message (a
batch), so a burst of photos costs the page one write. When a page takes a burst
whole, as nearly every page does, it sends the burst's batch built once for the
whole process. A page that does not keep up fills its
queue, and then its oldest frames are dropped — counted and logged — instead of
the process buffering without end or the other pages waiting for it.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable

from .frames import PHOTO, PIN, QUEUED, RETRACT, frame_of
from .recent import RecentIds

# Kinds that show a photo: each reaches a connection once.
ONCE = (PHOTO, QUEUED)

logger = logging.getLogger(__name__)

# (kind, photo id, frame text): one tuple per layer event, shared by every outbox.
Item = tuple[str, str, str]


class Burst:
    """Items that arrived together, and their websocket message, built once when first sent."""

    __slots__ = ("items", "_message")

    def __init__(self, items: list[Item]):
        self.items = items
        self._message: str | None = None

    @property
    def message(self) -> str:
        if self._message is None:
            self._message = frame_of([item[2] for item in self.items])
        return self._message


class Outbox:
    """Frames for one connection, all that wait in one message: written at once when the
    socket takes it (`send_now`), else by a writer task that waits for the socket.

    `sent` remembers the photos this connection has been given (history included),
    so a photo is queued once; a retract makes its photo sendable again.
    """

    def __init__(
        self,
        send: Callable[[str], Awaitable[None]],
        reconnect: Callable[[], Awaitable[None]],
        sent: RecentIds,
        limit: int,
        name: str,
        on_drop: Callable[[], None],
        send_now: Callable[[str], bool] | None = None,
    ):
        self._send = send
        self._send_now = send_now
        self._reconnect = reconnect
        self._sent = sent
        self._limit = limit
        self._name = name
        self._on_drop = on_drop
        self._queue: list[Item] = []  # idle, nearly always: 56 bytes (a deque is 760)
        self._whole: Burst | None = None  # the burst that is exactly what the queue holds
        self._writer: asyncio.Task | None = None
        self.dropped = 0

    def offer(self, burst: Burst) -> None:
        whole = not self._queue and len(burst.items) <= self._limit
        for item in burst.items:
            kind, photo_id, _ = item
            if kind == RETRACT:
                self._sent.discard(photo_id)
            elif kind in ONCE and not self._sent.add(photo_id):
                whole = False
                continue
            elif kind == PIN:
                self._sent.add(photo_id)  # it carries the photo: no need to send it again
            if len(self._queue) >= self._limit:
                self._drop_oldest()
            self._queue.append(item)
        self._whole = burst if whole else None
        if self._writer is None and self._queue:
            message = self._take()
            if not self._sent_now(message):
                self._writer = asyncio.get_running_loop().create_task(self._write(message))

    def interrupt(self) -> None:
        """Live frames may have been lost: have the page reconnect and resume."""
        self._clear()
        asyncio.get_running_loop().create_task(self._ask_to_reconnect())

    def close(self) -> None:
        """The connection is gone: stop writing, say what it missed."""
        if self._writer is not None:
            self._writer.cancel()
        self._clear()
        if self.dropped:
            logger.warning("slow connection %s closed; %d frames dropped", self._name, self.dropped)

    def _clear(self) -> None:
        self._queue = []
        self._whole = None

    def _take(self) -> str:
        """All waiting frames as one websocket message, the queue emptied."""
        if self._whole is not None:
            message = self._whole.message
        else:
            message = frame_of([item[2] for item in self._queue])
        self._clear()
        return message

    def _drop_oldest(self) -> None:
        kind, photo_id, _ = self._queue.pop(0)
        if kind == PHOTO:
            # Never sent: a resume from this page may ask for it again.
            self._sent.discard(photo_id)
        self.dropped += 1
        self._on_drop()
        if self.dropped == 1:
            logger.warning(
                "slow connection %s: %d frames waiting, dropping the oldest",
                self._name,
                self._limit,
            )

    async def _ask_to_reconnect(self) -> None:
        try:
            await self._reconnect()
        except Exception as error:  # already gone
            logger.debug("connection %s: close failed (%r)", self._name, error)

    def _sent_now(self, message: str) -> bool:
        """Sent without a writer task: the socket took it at once (`send_now`)."""
        if self._send_now is None:
            return False
        try:
            return self._send_now(message)
        except Exception as error:  # never let one page break the hub's flush to the others
            logger.debug("connection %s: send failed (%r)", self._name, error)
            return False

    async def _write(self, message: str) -> None:
        try:
            await self._send(message)
            while self._queue:
                await self._send(self._take())
        except Exception as error:  # the socket is gone; the disconnect closes this outbox
            logger.debug("connection %s: send failed (%r)", self._name, error)
            self._clear()
        finally:
            self._writer = None
