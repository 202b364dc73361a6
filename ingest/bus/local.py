"""The in-process bus: events go straight to the consumers running in this process."""

import asyncio
import logging
import threading

from ..events import InvalidEvent
from .base import BatchHandler, Bus

logger = logging.getLogger(__name__)

MAX_BATCH = 100
RETRY_FIRST, RETRY_MAX = 0.1, 2.0


class LocalBus(Bus):
    """Thread-safe fan-out to every `consume` loop of this process.

    `publish` may be called from any thread (ingest fetches in worker threads);
    each consumer gets the events on its own event loop.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._queues: list[tuple[asyncio.AbstractEventLoop, asyncio.Queue]] = []

    def publish_many(self, events: list[dict]) -> None:
        with self._lock:
            queues = list(self._queues)
        for loop, queue in queues:
            for event in events:
                try:
                    loop.call_soon_threadsafe(queue.put_nowait, event)
                except RuntimeError:  # that consumer's loop is closed
                    self._forget(queue)

    async def consume(self, handle_batch: BatchHandler, stop: asyncio.Event) -> None:
        queue: asyncio.Queue = asyncio.Queue()
        with self._lock:
            self._queues.append((asyncio.get_running_loop(), queue))
        stopping = asyncio.ensure_future(stop.wait())
        try:
            while not stop.is_set():
                getting = asyncio.ensure_future(queue.get())
                await asyncio.wait({getting, stopping}, return_when=asyncio.FIRST_COMPLETED)
                if not getting.done():
                    getting.cancel()
                    break
                batch = [getting.result()]
                while len(batch) < MAX_BATCH and not queue.empty():
                    batch.append(queue.get_nowait())
                await _handle_until_taken(handle_batch, batch, stop)
        finally:
            stopping.cancel()
            self._forget(queue)

    def _forget(self, queue: asyncio.Queue) -> None:
        with self._lock:
            self._queues = [entry for entry in self._queues if entry[1] is not queue]


async def _handle_until_taken(handle_batch: BatchHandler, batch: list, stop: asyncio.Event) -> None:
    """Relay a batch, again and again while the channel layer is away (Redis restarting).

    Dropping it would lose its photos for the open pages: they were stored and
    published, so nothing else sends them. Pages drop what a retry repeats.
    """
    delay = RETRY_FIRST
    while True:
        try:
            await handle_batch(batch)
            return
        except InvalidEvent:
            logger.exception("relay dropped %d in-process events: one is invalid", len(batch))
            return
        except Exception:
            if stop.is_set():
                logger.exception("relay failed for %d in-process events", len(batch))
                return
            logger.warning(
                "relay failed for %d in-process events; again in %.1f s",
                len(batch),
                delay,
                exc_info=delay == RETRY_FIRST,
            )
        await asyncio.sleep(delay)
        delay = min(2 * delay, RETRY_MAX)
