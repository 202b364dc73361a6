"""Limits on what one client may do to the live stream, as ASGI middleware.

A page sends next to nothing (a `resume` after each reconnect), so the stream
refuses what no page would do: a frame over FEED_CLIENT_MAX_FRAME bytes
(close 1009), frames faster than FEED_CLIENT_RATE_PER_SECOND with bursts of
FEED_CLIENT_RATE_BURST (close 1008; daphne sends these two as 4009 and 4008),
and more than
FEED_CONNECTIONS_PER_ADDRESS open connections from one address to this
process (handshake refused). Each refusal is logged with the address.
"""

import logging
from collections import Counter

from django.conf import settings

from wazstagram.clientaddress import client_address
from wazstagram.ratelimit import TokenBucket

logger = logging.getLogger(__name__)

CLOSE_POLICY = 1008
CLOSE_TOO_BIG = 1009
# Under daphne the codes become 4008 and 4009: the private-use mirror of the standard ones.
PRIVATE_CODE_BASE = 3000


class StreamGuard:
    def __init__(self, app):
        self.app = app
        self.open = Counter()  # connections per client address, in this process

    async def __call__(self, scope, receive, send):
        if scope["type"] != "websocket":
            return await self.app(scope, receive, send)
        address = _address(scope)
        limit = settings.FEED_CONNECTIONS_PER_ADDRESS
        if limit and self.open[address] >= limit:
            logger.warning(
                "websocket from %s refused: %d connections already open",
                address,
                limit,
                extra={"address": address},
            )
            await receive()  # websocket.connect
            await send({"type": "websocket.close", "code": CLOSE_POLICY})
            return
        self.open[address] += 1
        try:
            frames = _FrameGuard(receive, send, address)
            await self.app(scope, frames.receive, frames.send)
        finally:
            self.open[address] -= 1
            if not self.open[address]:
                del self.open[address]


class _FrameGuard:
    """One connection's frames: too big or too many close it."""

    def __init__(self, receive, send, address: str):
        self._receive, self._send, self.address = receive, send, address
        self.bucket = TokenBucket(
            settings.FEED_CLIENT_RATE_PER_SECOND, settings.FEED_CLIENT_RATE_BURST
        )
        self.closed = False

    async def receive(self):
        message = await self._receive()
        if message["type"] != "websocket.receive" or self.closed:
            return message
        size = len(message.get("bytes") or b"") + len((message.get("text") or "").encode())
        if size > settings.FEED_CLIENT_MAX_FRAME:
            return await self._close(CLOSE_TOO_BIG, f"a frame of {size} bytes")
        if not self.bucket.allow():
            return await self._close(CLOSE_POLICY, "too many frames")
        return message

    async def send(self, message):
        if not self.closed:  # the application may still be sending as it learns of the close
            await self._send(message)

    async def _close(self, code: int, reason: str) -> dict:
        logger.warning(
            "websocket from %s closed (%d): %s",
            self.address,
            code,
            reason,
            extra={"address": self.address},
        )
        try:
            await self._send({"type": "websocket.close", "code": code})
        except Exception:
            # Autobahn (daphne) lets an application send only 1000 and 3000-4999.
            await self._send({"type": "websocket.close", "code": PRIVATE_CODE_BASE + code})
        self.closed = True
        return {"type": "websocket.disconnect", "code": code}


def _address(scope) -> str:
    peer = (scope.get("client") or ("", 0))[0] or ""
    return client_address(peer, _header(scope, b"x-forwarded-for"), _header(scope, b"forwarded"))


def _header(scope, name: bytes) -> str | None:
    """All values of one request header, joined as one list; None when absent."""
    values = [value for key, value in scope.get("headers", []) if key == name]
    return b",".join(values).decode("latin-1") if values else None
