"""uvicorn's websockets sans-I/O protocol, lighter per idle page and per frame sent.

An idle page costs its process mostly what the server keeps per connection
(bench/RESULTS.md, Capacity). uvicorn's protocol holds an `asyncio.Queue` for the
app's `receive` (four deques of 760 bytes each, for a queue that is empty nearly
always), an `asyncio.Event` for the socket's write readiness (one more), and the
handshake's parsed request and response for as long as the page stays open. This
protocol keeps the same behaviour with a list and a future in place of the queue,
a flag in place of the event, and lets the handshake's request and response go once
the page is accepted.

A photo goes to every page of its city as the same text. Without compression (the
project's choice, bench/RESULTS.md) its websocket frame is the same bytes for every
page, so a text frame is built once per process (`PreparedFrames`) and written as it
is, instead of being encoded and framed again for each page by websockets. And when the
socket takes writes, the hub need not start a task per page to send it: the scope's
extension SEND_NOW writes a text frame at once, or says it cannot (the socket is paused,
compressing or closing) and the page's writer sends it through ASGI's `send` as usual.
`manage.py serve` passes it to uvicorn as its `ws` protocol class. It relies on the
names uvicorn's protocol gives those (`queue`, `writable`, `request`, `response`; uvicorn
is pinned in requirements.lock): should an upgrade rename them, uvicorn goes on with its
own objects and only the memory comes back, which tests/e2e/test_serve.py measures.
"""

import asyncio

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.frames import Frame, Opcode
from websockets.protocol import State


class Inbox:
    """What uvicorn asks of the queue behind `receive`: one reader, messages in order."""

    __slots__ = ("_messages", "_waiter")

    def __init__(self):
        self._messages: list = []
        self._waiter: asyncio.Future | None = None

    def put_nowait(self, message) -> None:
        self._messages.append(message)
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    async def get(self):
        while not self._messages:
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        return self._messages.pop(0)

    def empty(self) -> bool:
        return not self._messages


class WriteGate:
    """Whether the socket takes writes (uvicorn's `writable` event): open unless paused."""

    __slots__ = ("_open", "_waiters")

    def __init__(self):
        self._open = True
        self._waiters: list[asyncio.Future] | None = None

    def is_set(self) -> bool:
        return self._open

    def set(self) -> None:
        self._open = True
        waiters, self._waiters = self._waiters, None
        for waiter in waiters or ():
            if not waiter.done():
                waiter.set_result(None)

    def clear(self) -> None:
        self._open = False

    async def wait(self) -> None:
        if self._open:
            return
        waiter = asyncio.get_running_loop().create_future()
        self._waiters = [*(self._waiters or ()), waiter]
        await waiter


class PreparedFrames:
    """The unmasked, uncompressed websocket frames of the last texts sent, by text."""

    def __init__(self, size: int = 8):
        self.size = size
        self._frames: dict[str, bytes] = {}

    def __call__(self, text: str) -> bytes:
        frame = self._frames.get(text)  # the same str object for every page: hashed once
        if frame is None:
            frame = Frame(Opcode.TEXT, text.encode()).serialize(mask=False, extensions=[])
            if len(self._frames) >= self.size:
                del self._frames[next(iter(self._frames))]
            self._frames[text] = frame
        return frame


prepared_frames = PreparedFrames()

# The scope extension: `scope["extensions"][SEND_NOW](text) -> bool`.
SEND_NOW = "wazstagram.websocket.send_now"


class LeanWebSocketProtocol(WebSocketsSansIOProtocol):
    """uvicorn's sans-I/O websocket protocol with the lighter inbox and write gate."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.queue = Inbox()
        self.writable = WriteGate()

    def handle_connect(self, event) -> None:
        super().handle_connect(event)  # the scope, and the application's task, not run yet
        self.scope["extensions"][SEND_NOW] = self.send_now

    def send_now(self, text: str) -> bool:
        """Write a text frame at once if the socket takes it as it is; False when it cannot."""
        if not (self.writable.is_set() and self._sends_plain_frames()):
            return False
        self.transport.write(prepared_frames(text))
        return True

    async def send(self, message) -> None:
        text = message.get("text") if message["type"] == "websocket.send" else None
        if text is not None and message.get("bytes") is None:
            await self.writable.wait()
            if self.send_now(text):
                return
        await super().send(message)
        if message["type"] == "websocket.accept":  # what the handshake parsed is done with
            # The scope has its own copy of the headers; websockets' parser keeps the
            # request object itself alive while the connection lasts, so empty it.
            self.request.headers.clear()
            self.request = self.response = None

    def _sends_plain_frames(self) -> bool:
        """Open, not compressing, in no fragmented message: websockets would write
        exactly the prepared frame (what `send_text` checks, then `send_frame`)."""
        conn = self.conn
        return (
            self.handshake_complete
            and self.initial_response is None
            and not (self.disconnected or self.close_sent or conn.extensions)
            and conn.state is State.OPEN
            and not conn.expect_continuation_frame
        )
