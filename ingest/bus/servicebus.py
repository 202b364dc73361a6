"""The bus on Azure Service Bus: one topic, one subscription per channel layer.

Publishing sends each event as one message (JSON body, `message_id` = the
event id so duplicate detection can work, `subject` = the event type,
application property `city`), several per AMQP transfer when several are
ready. Consuming receives in peek-lock mode and settles only after the batch
was handed on: complete on success, abandon on failure (Service Bus
redelivers, and dead-letters after the subscription's max delivery count),
dead-letter at once what can never be an event.

The SDK's keep-alive is off for the sender and the receiver: every 30 seconds it
holds the connection's socket for a read of up to 0.2 s, and a publish (or the
relay's receive) that comes meanwhile waits for it — a stall of every photo
behind it (bench/RESULTS.md, End to end). The relay's receive loop keeps its
connection busy itself; a sender left idle for SENDER_IDLE is closed, so the next
publish starts on a fresh connection instead of one the namespace dropped (it
closes connections silent for its idle timeout, 120 s on Azure): a send into that
one fails, or waits for the SDK's retry.
"""

import asyncio
import datetime
import json
import logging
import threading
import time

from azure.core.exceptions import AzureError, ResourceExistsError, ResourceNotFoundError
from azure.servicebus import ServiceBusClient, ServiceBusMessage
from azure.servicebus.aio import ServiceBusClient as AsyncServiceBusClient
from azure.servicebus.exceptions import MessageLockLostError, MessageSizeExceededError
from azure.servicebus.management import ServiceBusAdministrationClient

from ..events import InvalidEvent, describe, event_id
from .base import BatchHandler, Bus, BusError

logger = logging.getLogger(__name__)

DUPLICATE_DETECTION_WINDOW = datetime.timedelta(minutes=10)

MAX_BATCH = 100
RECEIVE_WAIT = 1.0  # seconds a receive call waits; also how soon a stop is noticed
# A wait that has run out before the SDK looks at it: the receive call returns
# what the receiver already holds instead of polling the socket (0.2 s).
BUFFERED_ONLY = 1e-9
SUBSCRIPTION_IDLE_LIFETIME = datetime.timedelta(hours=1)
MAX_DELIVERY_COUNT = 10
BACKOFF_FIRST, BACKOFF_MAX = 0.5, 30.0
# Seconds without a publish after which the sender's connection is closed and the next
# publish opens a new one: half the namespace's idle timeout.
SENDER_IDLE = 60.0
# The SDK's keep-alive, off (see the module's docstring).
NO_KEEP_ALIVE = {"keep_alive": 0}
# The SDK retries transient failures itself, with exponential backoff.
SDK_RETRY = {"retry_total": 3, "retry_backoff_factor": 0.5, "retry_backoff_max": 10}


class ServiceBusBus(Bus):
    """Publish from any thread through one shared sender; consume on an event loop."""

    def __init__(self, connection_string: str, topic: str, subscription: str) -> None:
        self.connection_string = connection_string
        self.topic = topic
        self.subscription = subscription
        self._lock = threading.Lock()
        self._client = None
        self._sender = None
        self._sent_at = 0.0  # time.monotonic() of the sender's last publish

    # --- publishing -----------------------------------------------------

    def publish_many(self, events: list[dict]) -> None:
        messages = [to_message(event) for event in events]
        with self._lock:
            try:
                self._send(messages)
            except (AzureError, OSError) as error:
                self._close_sender()  # the next publish starts on a fresh connection
                raise BusError(f"{len(messages)} events not published: {error}") from error

    def _send(self, messages: list[ServiceBusMessage]) -> None:
        now = time.monotonic()
        if self._sender is not None and now - self._sent_at > SENDER_IDLE:
            self._close_sender()
        self._sent_at = now
        if self._sender is None:
            self._client = ServiceBusClient.from_connection_string(
                self.connection_string, **SDK_RETRY
            )
            self._sender = self._client.get_topic_sender(self.topic, **NO_KEEP_ALIVE)
        batch = self._sender.create_message_batch()
        for message in messages:
            try:
                batch.add_message(message)
            except MessageSizeExceededError:
                self._sender.send_messages(batch)
                batch = self._sender.create_message_batch()
                batch.add_message(message)
        self._sender.send_messages(batch)

    def _close_sender(self) -> None:
        if self._client is not None:
            try:
                self._client.close()
            except (AzureError, OSError):
                logger.debug("closing a broken Service Bus sender failed", exc_info=True)
        self._client = self._sender = None

    def close(self) -> None:
        with self._lock:
            self._close_sender()

    # --- consuming ------------------------------------------------------

    async def consume(self, handle_batch: BatchHandler, stop: asyncio.Event) -> None:
        """Relay batches until `stop`; reconnect with backoff while the namespace is away."""
        delay = BACKOFF_FIRST
        while not stop.is_set():
            try:
                await asyncio.to_thread(self.ensure_subscription)
                async with AsyncServiceBusClient.from_connection_string(
                    self.connection_string, **SDK_RETRY
                ) as client:
                    # Prefetch keeps messages flowing while a batch is relayed.
                    receiver = client.get_subscription_receiver(
                        self.topic, self.subscription, prefetch_count=MAX_BATCH, **NO_KEEP_ALIVE
                    )
                    async with receiver:
                        delay = BACKOFF_FIRST
                        await self._receive_until(stop, receiver, handle_batch)
            except (AzureError, OSError) as error:
                logger.warning("Service Bus unreachable (%s); retrying in %.1fs", error, delay)
                await _sleep_unless(stop, delay)
                delay = min(delay * 2, BACKOFF_MAX)

    async def _receive_until(self, stop, receiver, handle_batch: BatchHandler) -> None:
        while not stop.is_set():
            messages = await _next_batch(receiver)
            if messages:
                await self._settle_batch(receiver, messages, handle_batch)

    async def _settle_batch(self, receiver, messages, handle_batch: BatchHandler) -> None:
        """Hand the good events on, then settle every message of the batch."""
        events, good, poison = [], [], []
        for message in messages:
            try:
                events.append(from_message(message))
                good.append(message)
            except InvalidEvent as error:
                poison.append((message, error))
        for message, error in poison:
            await _settle(
                receiver.dead_letter_message,
                message,
                reason="InvalidEvent",
                error_description=str(error)[:1000],
            )
        try:
            if events:
                await handle_batch(events)
        except Exception:
            logger.exception("relay failed; abandoning %d messages for redelivery", len(good))
            for message in good:
                await _settle(receiver.abandon_message, message)
            return
        for message in good:
            await _settle(receiver.complete_message, message)
        logger.info(
            "relayed batch: %d received, %d delivered, %d dead-lettered",
            len(messages),
            len(good),
            len(poison),
        )

    def ensure_subscription(self) -> None:
        """Create the topic and this node's subscription when missing (a race is fine)."""
        with self.administration() as admin:
            try:
                admin.get_topic(self.topic)
            except ResourceNotFoundError:
                # The event id is the message id: a photo republished (the outbox after a
                # lost acknowledgement) within the window is dropped by the topic.
                _created(
                    admin.create_topic,
                    self.topic,
                    requires_duplicate_detection=True,
                    duplicate_detection_history_time_window=DUPLICATE_DETECTION_WINDOW,
                )
            try:
                admin.get_subscription(self.topic, self.subscription)
            except ResourceNotFoundError:
                _created(
                    admin.create_subscription,
                    self.topic,
                    self.subscription,
                    auto_delete_on_idle=SUBSCRIPTION_IDLE_LIFETIME,
                    max_delivery_count=MAX_DELIVERY_COUNT,
                )
                logger.info("created subscription %s/%s", self.topic, self.subscription)

    def administration(self, **options) -> ServiceBusAdministrationClient:
        return ServiceBusAdministrationClient.from_connection_string(
            self.connection_string, **options
        )

    async def check(self) -> None:
        def get_topic():
            # No retries: a probe answers now, and its thread cannot be cancelled.
            with self.administration(retry_total=0) as admin:
                admin.get_topic(self.topic)

        await asyncio.to_thread(get_topic)


def to_message(event: dict) -> ServiceBusMessage:
    _, _, city = describe(event)
    return ServiceBusMessage(
        json.dumps(event, separators=(",", ":")),
        content_type="application/json",
        message_id=event_id(event),
        subject=event["type"],
        application_properties={"city": city},
    )


def from_message(message) -> dict:
    """The event a received message carries; InvalidEvent for a poison message."""
    try:
        event = json.loads(b"".join(message.body))
    except (TypeError, ValueError) as error:
        raise InvalidEvent(f"body is not JSON: {error}") from error
    describe(event)
    return event


async def _next_batch(receiver) -> list:
    """Wait for one message, then add what has arrived meanwhile.

    One `receive_messages(MAX_BATCH)` call would hold a lone photo back for
    the SDK's 0.2 s "further pull" wait; a photo should not wait for company.
    What arrived meanwhile is already buffered, thanks to the prefetch.
    """
    first = await receiver.receive_messages(1, max_wait_time=RECEIVE_WAIT)
    if not first:
        return []
    return first + await receiver.receive_messages(MAX_BATCH - 1, max_wait_time=BUFFERED_ONLY)


async def _settle(settle, message, **details) -> None:
    """Settle one message; a lost lock (expired, or its connection dropped) is no failure.

    Service Bus delivers such a message again and the pages drop the photo they
    already show, so the rest of the batch is still settled.
    """
    try:
        await settle(message, **details)
    except MessageLockLostError:
        logger.warning("lock of message %s lost; it will be delivered again", message.message_id)


def _created(create, *args, **kwargs) -> None:
    try:
        create(*args, **kwargs)
    except ResourceExistsError:
        pass  # another node created it first


async def _sleep_unless(stop: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), seconds)
    except TimeoutError:
        pass
