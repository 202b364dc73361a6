"""channels-redis' pub/sub layer, made to say when it may have missed messages.

Pub/sub keeps nothing for a subscriber that is away: a message published while a
node's connection to Redis is down never reaches it, and redis-py connects and
subscribes again by itself, silently. Here, once the subscriber connection is back
and subscribed again, every receive waiting on the layer raises `LayerInterrupted`,
which the hub answers as it answers the core layer's failing receive: its pages
resume from the database, so they miss nothing.

While Redis is away the library's receive loop logs a traceback every second; the
outage is one warning here instead, and its end another.

Why pub/sub at all: Redis pushes each message to the node in one read, where the core
layer's receive takes four round trips per message, each waiting for an event loop
busy writing frames (bench/RESULTS.md, End to end).
"""

import asyncio
import logging
import time
import weakref

from channels_redis.pubsub import (
    RedisPubSubChannelLayer,
    RedisPubSubLoopLayer,
    RedisSingleShardConnection,
)
from channels_redis.utils import _wrap_close, decode_hosts
from redis.asyncio.client import PubSub
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)


class LayerInterrupted(ConnectionError):
    """The connection to Redis was lost and is back: messages may have been missed."""


# What a channel's queue holds after an interruption, in place of a message.
_INTERRUPTED = object()


class _Outage(logging.Filter):
    """The library's failed receives while Redis is unreachable, said once per outage.

    Kept per receive task (one per shard's connection), which is where the library logs.
    """

    LOST = (OSError, RedisConnectionError, RedisTimeoutError)

    def __init__(self):
        super().__init__()
        # Receive task → [time.monotonic() of the outage's first failure, failures].
        self.outages: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        task = asyncio.current_task() if isinstance(error, self.LOST) else None
        if task is None:
            return True  # anything else is the library's to say
        if task not in self.outages:
            self.outages[task] = [time.monotonic(), 0]
            logger.warning(
                "lost the connection to Redis (%s); receiving again once it is back", error
            )
        self.outages[task][1] += 1
        return False

    def ended(self, task: asyncio.Task | None) -> None:
        """The receive task received again: its outage, if any, is over."""
        if (outage := self.outages.pop(task, None)) is not None:
            since, failures = outage
            logger.warning(
                "the connection to Redis is back (away %.1f s, %d attempts failed)",
                time.monotonic() - since,
                failures,
            )


_outage = _Outage()


class ResumingPubSubChannelLayer(RedisPubSubChannelLayer):
    """The pub/sub layer whose receivers hear of every reconnect."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        logging.getLogger("channels_redis.pubsub").addFilter(_outage)  # added once, however many

    def _get_layer(self):
        loop = asyncio.get_running_loop()
        if loop not in self._layers:
            self._layers[loop] = _LoopLayer(*self._args, **self._kwargs, channel_layer=self)
            _wrap_close(self, loop)
        return self._layers[loop]

    def deserialize(self, message):
        if message is _INTERRUPTED:
            raise LayerInterrupted("the connection to Redis was lost: messages may be missing")
        return super().deserialize(message)


class _LoopLayer(RedisPubSubLoopLayer):
    def __init__(self, hosts=None, *args, **kwargs):
        super().__init__(hosts, *args, **kwargs)
        self._shards = [_Shard(host, self) for host in decode_hosts(hosts)]


class _Shard(RedisSingleShardConnection):
    def _ensure_redis(self):
        if self._redis is None:
            super()._ensure_redis()
            # The library's pub/sub object, not connected yet, replaced by one that notices.
            self._pubsub = _NoticingPubSub(self._redis.connection_pool, self._interrupt)

    def _receive_message(self, message):
        _outage.ended(self._receive_task)  # a receive worked, with or without a message
        super()._receive_message(message)

    def _interrupt(self) -> None:
        for queue in self.channel_layer.channels.values():
            queue.put_nowait(_INTERRUPTED)


class _NoticingPubSub(PubSub):
    def __init__(self, connection_pool, on_reconnect):
        super().__init__(connection_pool)
        self._on_reconnect = on_reconnect

    async def on_connect(self, connection):
        """redis-py calls this on each connect after the first one: subscribe again, then tell."""
        await super().on_connect(connection)
        self._on_reconnect()
