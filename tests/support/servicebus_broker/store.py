"""The broker's state: topics, their subscriptions, messages and peek-locks.

Shared by the AMQP reactor thread and the admin HTTP threads, so every public
method takes the one lock. Messages are kept as the encoded AMQP bytes the
sender sent; the AMQP side stamps broker annotations on each delivery.
"""

import bisect
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

DEAD_LETTER_SUFFIX = "/$DeadLetterQueue"
MAX_DELIVERY_COUNT_EXCEEDED = "MaxDeliveryCountExceeded"


class NotFound(KeyError):
    """The entity named does not exist."""


class Conflict(KeyError):
    """The entity being created exists already."""


@dataclass
class StoredMessage:
    sequence_number: int
    encoded: bytes
    enqueued_at: float
    delivery_count: int = 0
    # Broker-set application properties, e.g. the dead-letter reason.
    extra_properties: dict = field(default_factory=dict)


@dataclass
class Lock:
    message: StoredMessage
    owner: object
    locked_until: float


class MessageQueue:
    """Messages of one receivable entity: a subscription or its dead-letter queue."""

    def __init__(self) -> None:
        self.available: list[StoredMessage] = []
        self.locks: dict[bytes, Lock] = {}

    def put(self, message: StoredMessage) -> None:
        bisect.insort(self.available, message, key=lambda m: m.sequence_number)


@dataclass
class Subscription:
    name: str
    properties: dict[str, str]
    lock_duration: float
    max_delivery_count: int
    created_at: float = field(default_factory=time.time)
    accessed_at: float = field(default_factory=time.time)
    active: MessageQueue = field(default_factory=MessageQueue)
    dead_letter: MessageQueue = field(default_factory=MessageQueue)


@dataclass
class Topic:
    name: str
    properties: dict[str, str]
    created_at: float = field(default_factory=time.time)
    accessed_at: float = field(default_factory=time.time)
    subscriptions: dict[str, Subscription] = field(default_factory=dict)
    transfers: int = 0  # AMQP transfers received: a batch of messages is one


class Store:
    """Topics and subscriptions, addressed the way AMQP link addresses name them."""

    def __init__(self, default_lock_duration: float = 60.0) -> None:
        self._lock = threading.Lock()
        self._topics: dict[str, Topic] = {}
        self._sequence = 0
        self.default_lock_duration = default_lock_duration

    # --- administration -------------------------------------------------

    def create_topic(self, name: str, properties: dict[str, str]) -> Topic:
        with self._lock:
            if name.lower() in self._topics:
                raise Conflict(name)
            topic = self._topics[name.lower()] = Topic(name, properties)
            return topic

    def topics(self) -> list[Topic]:
        with self._lock:
            return list(self._topics.values())

    def topic(self, name: str) -> Topic:
        with self._lock:
            return self._topic(name)

    def delete_topic(self, name: str) -> None:
        with self._lock:
            self._topic(name)
            del self._topics[name.lower()]

    def create_subscription(
        self,
        topic_name: str,
        name: str,
        properties: dict[str, str],
        lock_duration: float | None,
        max_delivery_count: int,
    ) -> Subscription:
        with self._lock:
            topic = self._topic(topic_name)
            if name.lower() in topic.subscriptions:
                raise Conflict(name)
            subscription = Subscription(
                name, properties, lock_duration or self.default_lock_duration, max_delivery_count
            )
            topic.subscriptions[name.lower()] = subscription
            return subscription

    def subscriptions(self, topic_name: str) -> list[Subscription]:
        with self._lock:
            return list(self._topic(topic_name).subscriptions.values())

    def subscription(self, topic_name: str, name: str) -> Subscription:
        with self._lock:
            return self._subscription(topic_name, name)

    def delete_subscription(self, topic_name: str, name: str) -> None:
        with self._lock:
            self._subscription(topic_name, name)
            del self._topic(topic_name).subscriptions[name.lower()]

    def set_accessed_at(self, topic_name: str, name: str, when: float) -> None:
        """Lets tests make a subscription look idle without waiting."""
        with self._lock:
            self._subscription(topic_name, name).accessed_at = when

    # --- messaging ------------------------------------------------------

    def check_address(self, path: str) -> None:
        """Raise NotFound unless `path` names a topic, subscription or dead-letter queue."""
        with self._lock:
            self._resolve(path)

    def publish(self, topic_name: str, messages: list[bytes]) -> None:
        """Fan the messages of one transfer out to every subscription of the topic, in order."""
        with self._lock:
            topic = self._topic(topic_name)
            now = time.time()
            topic.accessed_at = now
            topic.transfers += 1
            for encoded in messages:
                for subscription in topic.subscriptions.values():
                    self._sequence += 1
                    subscription.active.put(StoredMessage(self._sequence, encoded, now))

    def lock_next(self, path: str, owner: object) -> tuple[bytes, Lock] | None:
        """Lock the first available message of an entity for `owner`; None when empty."""
        with self._lock:
            subscription, queue = self._resolve(path)
            now = time.time()
            subscription.accessed_at = now
            if not queue.available:
                return None
            token = uuid.uuid4().bytes
            lock = Lock(queue.available.pop(0), owner, now + subscription.lock_duration)
            queue.locks[token] = lock
            return token, lock

    def settle(self, path: str, token: bytes, outcome: str, properties: dict | None = None) -> bool:
        """Apply `complete`, `abandon`, `release` or `dead-letter`; False if the lock is gone."""
        with self._lock:
            subscription, queue = self._resolve(path)
            lock = queue.locks.pop(token, None)
            if lock is None:
                return False
            subscription.accessed_at = time.time()
            message = lock.message
            if outcome == "abandon":
                self._abandon(subscription, queue, message)
            elif outcome == "release":
                queue.put(message)
            elif outcome == "dead-letter":
                message.extra_properties.update(properties or {})
                subscription.dead_letter.put(message)
            return True

    def abandon_owned_by(self, owner: object) -> None:
        """A receiver went away: its locked messages are abandoned for redelivery."""
        with self._lock:
            for subscription, queue in self._queues():
                for token, lock in list(queue.locks.items()):
                    if lock.owner is owner:
                        del queue.locks[token]
                        self._abandon(subscription, queue, lock.message)

    def expire_locks(self) -> list[bytes]:
        """Abandon every message whose lock ran out; return their lock tokens."""
        with self._lock:
            now = time.time()
            expired = []
            for subscription, queue in self._queues():
                for token, lock in list(queue.locks.items()):
                    if lock.locked_until <= now:
                        del queue.locks[token]
                        self._abandon(subscription, queue, lock.message)
                        expired.append(token)
            return expired

    # --- helpers (caller holds the lock) --------------------------------

    def _topic(self, name: str) -> Topic:
        try:
            return self._topics[name.lower()]
        except KeyError:
            raise NotFound(name) from None

    def _subscription(self, topic_name: str, name: str) -> Subscription:
        try:
            return self._topic(topic_name).subscriptions[name.lower()]
        except KeyError:
            raise NotFound(f"{topic_name}/Subscriptions/{name}") from None

    def _resolve(self, path: str) -> tuple[Subscription | None, MessageQueue | None]:
        """Map `topic`, `topic/Subscriptions/name[/$DeadLetterQueue]` to its queue."""
        dead_letter = path.endswith(DEAD_LETTER_SUFFIX)
        parts = path.removesuffix(DEAD_LETTER_SUFFIX).split("/")
        if len(parts) == 1:
            self._topic(parts[0])
            return None, None
        if len(parts) != 3 or parts[1].lower() != "subscriptions":
            raise NotFound(path)
        subscription = self._subscription(parts[0], parts[2])
        return subscription, subscription.dead_letter if dead_letter else subscription.active

    def _queues(self) -> Iterator[tuple[Subscription, MessageQueue]]:
        for topic in self._topics.values():
            for subscription in topic.subscriptions.values():
                yield subscription, subscription.active
                yield subscription, subscription.dead_letter

    @staticmethod
    def _abandon(subscription: Subscription, queue: MessageQueue, message: StoredMessage) -> None:
        message.delivery_count += 1
        if (
            queue is subscription.active
            and message.delivery_count >= subscription.max_delivery_count
        ):
            message.extra_properties.update(
                DeadLetterReason=MAX_DELIVERY_COUNT_EXCEEDED,
                DeadLetterErrorDescription=(
                    f"Message could not be consumed after {message.delivery_count} attempts."
                ),
            )
            subscription.dead_letter.put(message)
        else:
            queue.put(message)
