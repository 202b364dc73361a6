"""The bus between ingest and the front-end nodes."""

import abc
import asyncio
from collections.abc import Awaitable, Callable

BatchHandler = Callable[[list[dict]], Awaitable[None]]


class BusError(Exception):
    """An event could not be published; the caller keeps it for a later try."""


class Bus(abc.ABC):
    """Publish events from any thread; consume them in batches on an event loop."""

    def publish(self, event: dict) -> None:
        self.publish_many([event])

    @abc.abstractmethod
    def publish_many(self, events: list[dict]) -> None:
        """Publish events in order; raise BusError when any could not be published."""

    @abc.abstractmethod
    async def consume(self, handle_batch: BatchHandler, stop: asyncio.Event) -> None:
        """Hand batches of events to `handle_batch` until `stop` is set.

        An event is settled only after `handle_batch` returned; when it raises,
        the bus offers the batch again (where the backend can).
        """

    async def check(self) -> None:
        """Raise when the bus cannot be reached (for /readyz)."""

    def close(self) -> None:
        """Release connections."""
