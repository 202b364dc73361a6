"""The process's hub: one channel-layer subscription per group, fanned out to local connections.

Putting every websocket in the group makes a photo for a city with a thousand
open pages a thousand layer messages, each decoded and dispatched by its own
consumer. Instead, per process (per event loop), the hub joins each group that
has local pages once, with a channel of its own, and hands every frame — text
serialized once by the relay — to the outbox of each local page. A burst of
frames goes out together (BATCH_IDLE, BATCH_MAX): it costs each connection one
wake-up, not one per photo (measured: about half the CPU per frame sent).

The subscription outlives layer trouble. When receiving fails (Redis
restarted: its groups, and any photo relayed meanwhile, are gone) the hub asks
the group's pages to reconnect (close code 4012), so that they resume from the
database and miss nothing, and joins the group again as soon as it can. Every
REFRESH seconds each group is joined again anyway (the layer's group expiry).
"""

import asyncio
import logging
import weakref

from channels.layers import get_channel_layer
from django.conf import settings

from wazstagram.metrics import FRAMES_DROPPED, FRAMES_SENT, HUB_BATCHES

from .frames import FRAMES_EVENT
from .latest import RESUME_LIMIT, LatestPhotos
from .outbox import Burst, Item, Outbox
from .recent import RecentIds

logger = logging.getLogger(__name__)

CHANNEL_PREFIX = "feed.hub"
REFRESH = 30.0
RETRY_FIRST, RETRY_MAX = 0.1, 1.0
# Frames are handed to the connections once none came for BATCH_IDLE seconds, or
# BATCH_MAX seconds after the first of them: a burst goes out together. A flush to a
# thousand pages costs 12-15 ms of the loop's time (a write per page), so waiting 10 ms
# for company instead of 2 ms halves the flushes at 100 photos a second and lowers the
# end-to-end latency, since the fetches wait less for the GIL (bench/RESULTS.md).
BATCH_IDLE, BATCH_MAX = 0.010, 0.02

_hubs: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def current_hub() -> "Hub":
    """The hub of the running event loop and the default channel layer."""
    layer = get_channel_layer()
    hubs = _hubs.setdefault(asyncio.get_running_loop(), {})
    if layer not in hubs:
        hubs[layer] = Hub(layer)
    return hubs[layer]


class Subscription:
    """One group as this process listens to it: a layer channel, its reader, the local outboxes."""

    def __init__(self, group: str, channel: str):
        self.group = group
        self.channel = channel
        self.outboxes: set[Outbox] = set()
        self.reader: asyncio.Task | None = None
        self.healthy = True  # in the layer's group, as far as this process knows
        self.latest: LatestPhotos | None = None  # kept once a page asked for it
        self._pending: list[Item] = []
        self._flush: asyncio.TimerHandle | None = None
        self._first = 0.0

    def dispatch(self, message: dict) -> int:
        """Take a layer event; frames go out together once the burst it belongs to is in."""
        if message.get("type") != FRAMES_EVENT:
            logger.debug("group %s: ignored a %r message", self.group, message.get("type"))
            return 0
        items = [tuple(item) for item in message["items"]]
        self._pending.extend(items)
        loop = asyncio.get_running_loop()
        now = loop.time()
        if self._flush is None:
            self._first = now
        else:
            self._flush.cancel()
        self._flush = loop.call_at(min(now + BATCH_IDLE, self._first + BATCH_MAX), self.flush)
        return len(items)

    def flush(self) -> None:
        burst = Burst(self._pending)
        self._pending, self._flush = [], None
        for outbox in self.outboxes:
            outbox.offer(burst)
        if self.latest is not None:
            self.latest.apply(burst.items)
        HUB_BATCHES.inc()
        FRAMES_SENT.inc(len(burst.items) * len(self.outboxes))

    def interrupt(self) -> None:
        """Frames may have been lost: the pages reconnect and resume from the database."""
        if self.latest is not None:
            self.latest.forget()
        for outbox in self.outboxes:
            outbox.interrupt()

    def close(self) -> None:
        self.reader.cancel()
        if self._flush is not None:
            self._flush.cancel()


class Hub:
    """The groups this process's connections listen to, and counts of what went through."""

    def __init__(self, layer):
        self.layer = layer
        self.subscriptions: dict[str, Subscription] = {}
        self.frames = 0  # frames received from the layer
        self.dropped = 0  # frames dropped for slow connections
        self._lock = asyncio.Lock()
        self._refresher: asyncio.Task | None = None

    async def join(
        self, group: str, send, reconnect, sent: RecentIds, name: str, send_now=None
    ) -> Outbox:
        """A connection's outbox, receiving every frame sent to `group` from now on.

        `send(frame)` sends a frame; `send_now(frame)`, if the server offers it, writes
        one at once or returns False; `reconnect()` closes the connection so that the
        page comes back and resumes. Raises when the layer cannot be reached.
        """
        outbox = Outbox(
            send, reconnect, sent, settings.FEED_CLIENT_QUEUE, name, self._count_drop, send_now
        )
        async with self._lock:
            subscription = self.subscriptions.get(group)
            if subscription is None:
                subscription = await self._subscribe(group)
            elif not subscription.healthy:
                await self.layer.group_add(group, subscription.channel)
                subscription.healthy = True
            subscription.outboxes.add(outbox)
        return outbox

    def latest_photos(self, group: str, slug: str) -> LatestPhotos:
        """The latest photos of stream `slug`, kept by the subscription to its `group`.

        Only while a page of the group is here (it joined first): the frames keep them.
        """
        subscription = self.subscriptions[group]
        if subscription.latest is None:
            size = max(RESUME_LIMIT, settings.FEED_HISTORY_SIZE)
            subscription.latest = LatestPhotos(slug, size, settings.FEED_HISTORY_SIZE)
        return subscription.latest

    async def leave(self, group: str, outbox: Outbox) -> None:
        outbox.close()
        async with self._lock:
            subscription = self.subscriptions.get(group)
            if subscription is None:
                return
            subscription.outboxes.discard(outbox)
            if not subscription.outboxes:
                await self._unsubscribe(subscription)

    def stats(self) -> dict:
        return {
            "groups": len(self.subscriptions),
            "connections": sum(len(s.outboxes) for s in self.subscriptions.values()),
            "frames": self.frames,
            "dropped": self.dropped,
        }

    def _count_drop(self) -> None:
        self.dropped += 1
        FRAMES_DROPPED.inc()

    async def _subscribe(self, group: str) -> Subscription:
        subscription = Subscription(group, await self.layer.new_channel(CHANNEL_PREFIX))
        await self.layer.group_add(group, subscription.channel)
        self.subscriptions[group] = subscription
        subscription.reader = asyncio.get_running_loop().create_task(self._read(subscription))
        if self._refresher is None:
            self._refresher = asyncio.get_running_loop().create_task(self._refresh())
        logger.debug("joined group %s as %s", group, subscription.channel)
        return subscription

    async def _unsubscribe(self, subscription: Subscription) -> None:
        del self.subscriptions[subscription.group]
        subscription.close()
        if not self.subscriptions and self._refresher is not None:
            self._refresher.cancel()
            self._refresher = None
        try:
            await self.layer.group_discard(subscription.group, subscription.channel)
        except Exception as error:  # its messages find no reader; the layer expires it
            logger.warning("could not leave group %s: %r", subscription.group, error)

    async def _read(self, subscription: Subscription) -> None:
        delay = RETRY_FIRST
        while True:
            try:
                message = await self.layer.receive(subscription.channel)
            except Exception as error:
                self._lost(error)
                await asyncio.sleep(delay)
                delay = min(2 * delay, RETRY_MAX)
                await self._rejoin()
                continue
            delay = RETRY_FIRST
            self.frames += subscription.dispatch(message)

    def _lost(self, error: Exception) -> None:
        """A receive failed: every group of this process may be gone (one Redis, one failure).

        The layer reports a lost connection to one receiver only, so all groups'
        pages are asked to reconnect, not just those of the group that noticed.
        """
        lost = [s for s in self.subscriptions.values() if s.healthy]
        if lost:
            logger.warning(
                "channel layer receive failed (%r); %d pages asked to reconnect",
                error,
                sum(len(s.outboxes) for s in lost),
            )
        for subscription in lost:
            subscription.healthy = False
            subscription.interrupt()

    async def _rejoin(self) -> None:
        for subscription in list(self.subscriptions.values()):
            if not subscription.healthy and await self._add(subscription):
                subscription.healthy = True
                logger.warning("group %s: joined again", subscription.group)

    async def _refresh(self) -> None:
        while True:
            await asyncio.sleep(REFRESH)
            async with self._lock:
                for subscription in self.subscriptions.values():
                    await self._add(subscription)

    async def _add(self, subscription: Subscription) -> bool:
        try:
            await self.layer.group_add(subscription.group, subscription.channel)
        except Exception as error:
            logger.debug("group %s: join failed (%r)", subscription.group, error)
            return False
        return True
