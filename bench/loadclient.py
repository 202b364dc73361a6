"""The load client: N browser-like websocket connections over worker processes, timing every photo.

Each worker runs one asyncio loop with its share of the connections and
reports, per round, how many photos arrived (a batch message carries several,
each counted), when the last one did, the publish→receive latency of each
(from `published_at` in the photo), the bytes the connections received on the
wire and the CPU it used, so a run shows whether the client or the server was
the bottleneck. Connections offer permessage-deflate as Chromium does, unless
told not to: what the server then does is what browsers get.

A connection is websockets' sans-I/O client on a bare transport of uvloop's
event loop: the handshake, extension offer, inflation and answers to pings of
the library's asyncio client, without its per-message queue and task wake-up. A browser
parses frames in C++; the measuring side should cost the shared cores as little
as it can (the end-to-end run at 100 photos/s spends as much CPU on the clients
as on the server).
"""

import array
import asyncio
import contextlib
import re
import resource
import time
from dataclasses import dataclass, field

import uvloop
from websockets.client import ClientProtocol
from websockets.exceptions import InvalidHandshake
from websockets.extensions.permessage_deflate import ClientPerMessageDeflateFactory
from websockets.frames import Opcode
from websockets.http11 import Response
from websockets.uri import parse_uri

from wazstagram import collector

from .workerprocesses import WorkerProcesses, cpu_seconds

# Where a frame says when its photo left: ingest's publish time, by default.
PUBLISHED_AT = r'"published_at":([0-9.eE+-]+)'
CONNECT_CONCURRENCY = 64


def browser_extensions() -> list:
    """Chromium's offer: `permessage-deflate; client_max_window_bits`."""
    return [ClientPerMessageDeflateFactory(client_max_window_bits=True)]


def add_arguments(parser) -> None:
    """The load client's switch every benchmark has."""
    parser.add_argument(
        "--no-compression",
        dest="compression",
        action="store_false",
        help="clients offer no permessage-deflate (browsers do)",
    )


class BrowserPage(asyncio.Protocol):
    """One page's websocket: hands each text message to `on_text`, counts the bytes received.

    websockets writes the handshake and checks the answer; once open without an
    extension, a whole text frame is read here (a browser parses frames in C++, and
    websockets' parser costs this shared machine some 5 µs a frame), anything else
    (pings, a close, fragments, compressed frames) by websockets.
    """

    def __init__(self, url: str, origin: str, extensions, on_text, on_lost):
        self.protocol = ClientProtocol(
            parse_uri(url), origin=origin, extensions=extensions, max_size=None
        )
        self.on_text, self.on_lost = on_text, on_lost
        self.opened = asyncio.get_running_loop().create_future()
        self.lost = asyncio.get_running_loop().create_future()
        self.wire_bytes = 0
        self.transport = None
        self._head: bytes | None = b""  # the handshake's answer; None once websockets reads all
        self._frames: bytearray | None = None  # once open without an extension
        self._fragments: list[bytes] = []  # of a text message websockets reads

    def connection_made(self, transport) -> None:
        self.transport = transport
        self.protocol.send_request(self.protocol.connect())
        self._flush()

    def data_received(self, data: bytes) -> None:
        self.wire_bytes += len(data)
        if self._frames is not None:
            self._frames += data
            self._read_frames()
        elif self._head is None:
            self._to_websockets(data)
        else:
            self._head += data
            end = self._head.find(b"\r\n\r\n") + 4
            if end >= 4:
                answer, rest = self._head[:end], self._head[end:]
                self._head = None
                self._to_websockets(answer)
                if self._open_plain():
                    self._frames = bytearray(rest)
                    self._read_frames()
                else:  # a refusal's body, or frames of an extension
                    self._to_websockets(rest)

    def _open_plain(self) -> bool:
        """Open, and without an extension: frames are as the server sent them."""
        done = self.opened.done()
        return done and self.opened.exception() is None and not self.protocol.extensions

    def _read_frames(self) -> None:
        """Each whole unmasked text frame to `on_text`; other frames to websockets."""
        frames, start = self._frames, 0
        while len(frames) - start >= 2:
            first, length = frames[start], frames[start + 1] & 0x7F
            head = 2
            if length == 126:
                head, length = 4, int.from_bytes(frames[start + 2 : start + 4], "big")
            elif length == 127:
                head, length = 10, int.from_bytes(frames[start + 2 : start + 10], "big")
            end = start + head + length
            if len(frames) - start < head or len(frames) < end:
                break
            if first == 0x81:  # FIN, text, no extension bits; a server never masks
                self.on_text(frames[start + head : end].decode())
            else:
                self._to_websockets(bytes(frames[start:end]))
            start = end
        del frames[:start]

    def _to_websockets(self, data: bytes) -> None:
        self.protocol.receive_data(data)
        self._flush()  # pongs, and the answer to a close
        for event in self.protocol.events_received():
            if isinstance(event, Response):
                if self.protocol.handshake_exc is None:
                    self.opened.set_result(None)
                else:
                    self.opened.set_exception(self.protocol.handshake_exc)
            elif event.opcode in (Opcode.TEXT, Opcode.CONT):  # websockets yields frames
                self._fragments.append(event.data)
                if event.fin:
                    self.on_text(b"".join(self._fragments).decode())
                    self._fragments = []

    def connection_lost(self, exc) -> None:
        if not self.opened.done():
            self.opened.set_exception(ConnectionError("closed during the handshake"))
        self.lost.set_result(None)
        self.on_lost()

    async def close(self) -> None:
        self.on_lost = lambda: None  # our own close is not a page the server dropped
        self.protocol.send_close()
        self._flush()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(self.lost), 5)
        self.transport.close()

    def _flush(self) -> None:
        for data in self.protocol.data_to_send():
            if data:
                self.transport.write(data)
            elif self.transport.can_write_eof():  # websockets' end-of-stream marker
                self.transport.write_eof()


@dataclass
class Round:
    """What all workers saw of one round of publishing."""

    expected: int
    started: float
    frames: int = 0
    last: float = 0.0
    latencies: array.array = field(default_factory=lambda: array.array("d"))
    # Stamp to publish time of each photo as one page saw it, when the stamp is not that time.
    upstream: array.array = field(default_factory=lambda: array.array("d"))
    client_cpu: float = 0.0
    closed: int = 0
    wire_bytes: int = 0
    server_cpu: float = 0.0  # the server's CPU seconds over the round (`LoadClient.measure`)

    @property
    def elapsed(self) -> float:
        return max(self.last - self.started, 1e-9)

    @property
    def lost(self) -> int:
        return self.expected - self.frames

    @property
    def bytes_per_frame(self) -> float:
        """Bytes received on the wire per photo delivered to a page."""
        return self.wire_bytes / max(self.frames, 1)

    @property
    def rate(self) -> float:
        return self.frames / self.elapsed

    @property
    def server_us_per_frame(self) -> float:
        return self.server_cpu / max(self.frames, 1) * 1e6

    def percentile(self, p: float, latencies: array.array | None = None) -> float:
        ordered = sorted(self.latencies if latencies is None else latencies)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]

    def ms(self, p: float, latencies: array.array | None = None) -> str:
        return f"{self.percentile(p, latencies) * 1000:.0f} ms"


def raise_open_files_limit(wanted: int) -> None:
    """Allow `wanted` sockets in this process, up to the hard limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


class LoadClient:
    """Connections held open by worker processes; `round()` measures one burst of photos."""

    def __init__(
        self,
        url: str,
        origin: str,
        clients: int,
        processes: int = 1,
        stamp: str = PUBLISHED_AT,
        compression: bool = True,
    ):
        self.clients = clients
        self.opening_seconds = 0.0  # how long the connections took to open, set on entering
        self._processes = WorkerProcesses(
            _worker, clients, processes, url, origin, stamp, compression
        )

    def __enter__(self):
        started = time.monotonic()
        connected = sum(self._processes.ask(("ready",), timeout=300))
        self.opening_seconds = time.monotonic() - started
        if connected != self.clients:
            self.close()
            raise RuntimeError(f"only {connected} of {self.clients} connections opened")
        return self

    def __exit__(self, *exc):
        self.close()

    def round(self, photos: int, publish, timeout: float) -> Round:
        """Publish `photos` (by calling `publish()`) and wait until every client has them all.

        The `timeout` runs from the end of `publish()`, however long publishing took.
        """
        started = time.time()
        # Publish only once every worker counts: a worker whose loop is slow to read the
        # command would otherwise skip photos that arrived before it did (0 frames, seen
        # on a loaded machine).
        self._processes.ask(("round", photos, started), timeout=60)
        publish()
        self._processes.send(("published", timeout))
        result = Round(expected=photos * self.clients, started=started)
        for frames, last, latencies, upstream, cpu, closed, wire in self._processes.ask(
            None, timeout=timeout + 30
        ):
            result.upstream.extend(upstream)
            result.frames += frames
            result.wire_bytes += wire
            result.last = max(result.last, last)
            result.latencies.extend(latencies)
            result.client_cpu += cpu
            result.closed += closed
        return result

    def measure(self, server, city: str, photos: int, timeout: float) -> Round:
        """A round of `photos` published by `server`'s trigger, with the server's CPU over it."""
        cpu = server.cpu_seconds()
        result = self.round(photos, lambda: server.publish(city, photos), timeout)
        result.server_cpu = server.cpu_seconds() - cpu
        return result

    def close(self) -> None:
        self._processes.close(10)


def _worker(pipe, clients, url, origin, stamp, compression):
    raise_open_files_limit(clients + 256)
    uvloop.run(_Worker(pipe, url, origin, clients, stamp, compression).run())


class _Worker:
    def __init__(self, pipe, url, origin, clients, stamp, compression):
        self.pipe, self.url, self.origin, self.clients = pipe, url, origin, clients
        self.extensions = browser_extensions() if compression else None  # [] sends an empty header
        self.connections = []
        self.stamp = re.compile(stamp)
        # A stamp other than the publish time splits each photo's way at the bus.
        self.splits = stamp != PUBLISHED_AT
        self.published_at = re.compile(PUBLISHED_AT)
        self.counts = [0] * clients
        self.latencies = array.array("d")
        self.upstream = array.array("d")
        self.since = float("inf")
        self.expected = 0
        self.complete = 0
        self.last = 0.0
        self.closed = 0
        self.done = asyncio.Event()

    async def run(self):
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, self.pipe.recv)  # ("ready",)
        gate = asyncio.Semaphore(CONNECT_CONCURRENCY)
        connections = await asyncio.gather(*(self._connect(gate, i) for i in range(self.clients)))
        self.connections = connections = [c for c in connections if c is not None]
        # Like the servers: the measuring side should not stall its thousand sockets collecting.
        collector.tune(collector.DEFAULT_THRESHOLDS)
        self.pipe.send(len(connections))
        while True:
            command = await loop.run_in_executor(None, self.pipe.recv)
            if command[0] == "stop":
                break
            _, photos, started = command
            self.pipe.send(await self._round(photos, started))
        await asyncio.gather(*(c.close() for c in connections), return_exceptions=True)

    async def _connect(self, gate, index):
        uri = parse_uri(self.url)
        loop = asyncio.get_running_loop()
        async with gate:
            try:
                _, page = await loop.create_connection(
                    lambda: BrowserPage(
                        self.url,
                        self.origin,
                        self.extensions,
                        lambda text: self._received(index, text),
                        self._lost,
                    ),
                    uri.host,
                    uri.port,
                )
                await asyncio.wait_for(page.opened, 120)
                return page
            except (OSError, TimeoutError, InvalidHandshake):
                return None

    async def _round(self, photos, started):
        cpu, wire = cpu_seconds(), self._wire_bytes()
        self.counts = [0] * self.clients
        self.latencies, self.upstream = array.array("d"), array.array("d")
        self.since, self.expected, self.complete, self.last = started, photos, 0, 0.0
        self.done.clear()
        self.pipe.send("counting")
        # ("published", timeout): publishing is over, wait at most that long from now.
        _, timeout = await asyncio.get_running_loop().run_in_executor(None, self.pipe.recv)
        if photos and self.clients:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.done.wait(), timeout)
        self.expected = 0
        frames = sum(self.counts)
        cpu, wire = cpu_seconds() - cpu, self._wire_bytes() - wire
        return frames, self.last, self.latencies, self.upstream, cpu, self.closed, wire

    def _wire_bytes(self) -> int:
        return sum(c.wire_bytes for c in self.connections)

    def _received(self, index, message):
        now = time.time()
        for match in self.stamp.finditer(message):  # one photo, or a batch of them
            stamped = float(match.group(1))
            if stamped < self.since or not self.expected:
                continue
            self.latencies.append(now - stamped)
            if index == 0 and self.splits:
                published = self.published_at.search(message, match.end())
                self.upstream.append(float(published[1]) - stamped)
            self.last = now
            self.counts[index] += 1
            if self.counts[index] == self.expected:
                self.complete += 1
                if self.complete == self.clients:
                    self.done.set()

    def _lost(self):
        self.closed += 1
