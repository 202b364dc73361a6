"""The load client: N websocket connections spread over worker processes, timing every photo frame.

Each worker runs one asyncio loop with its share of the connections and
reports, per round, how many photo frames arrived, when the last one did, the
publish→receive latency of each (from `published_at` in the frame) and the CPU
it used, so a run shows whether the client or the server was the bottleneck.
"""

import array
import asyncio
import multiprocessing
import re
import resource
import time
from dataclasses import dataclass, field

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from wazstagram import collector

# Where a frame says when its photo left: ingest's publish time, by default.
PUBLISHED_AT = r'"published_at":([0-9.eE+-]+)'
CONNECT_CONCURRENCY = 64


@dataclass
class Round:
    """What all workers saw of one round of publishing."""

    expected: int
    started: float
    frames: int = 0
    last: float = 0.0
    latencies: array.array = field(default_factory=lambda: array.array("d"))
    client_cpu: float = 0.0
    closed: int = 0

    @property
    def elapsed(self) -> float:
        return max(self.last - self.started, 1e-9)

    @property
    def lost(self) -> int:
        return self.expected - self.frames

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def raise_open_files_limit(wanted: int) -> None:
    """Allow `wanted` sockets in this process, up to the hard limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


class LoadClient:
    """Connections held open by worker processes; `round()` measures one burst of photos."""

    def __init__(
        self, url: str, origin: str, clients: int, processes: int = 1, stamp: str = PUBLISHED_AT
    ):
        self.clients = clients
        shares = [clients // processes + (i < clients % processes) for i in range(processes)]
        context = multiprocessing.get_context("spawn")
        self._pipes = []
        self._workers = []
        for share in shares:
            parent, child = context.Pipe()
            worker = context.Process(
                target=_worker, args=(child, url, origin, share, stamp), daemon=True
            )
            worker.start()
            self._pipes.append(parent)
            self._workers.append(worker)

    def __enter__(self):
        connected = sum(self._ask(("ready",), timeout=300))
        if connected != self.clients:
            self.close()
            raise RuntimeError(f"only {connected} of {self.clients} connections opened")
        return self

    def __exit__(self, *exc):
        self.close()

    def round(self, photos: int, publish, timeout: float) -> Round:
        """Publish `photos` (by calling `publish()`) and wait until every client has them all."""
        started = time.time()
        for pipe in self._pipes:
            pipe.send(("round", photos, started, timeout))
        publish()
        result = Round(expected=photos * self.clients, started=started)
        for frames, last, latencies, cpu, closed in self._ask(None, timeout=timeout + 30):
            result.frames += frames
            result.last = max(result.last, last)
            result.latencies.extend(latencies)
            result.client_cpu += cpu
            result.closed += closed
        return result

    def close(self) -> None:
        for pipe in self._pipes:
            try:
                pipe.send(("stop",))
            except OSError:
                pass
        for worker in self._workers:
            worker.join(10)
            if worker.is_alive():
                worker.terminate()
                worker.join()

    def _ask(self, command, timeout: float) -> list:
        if command is not None:
            for pipe in self._pipes:
                pipe.send(command)
        answers = []
        deadline = time.monotonic() + timeout
        for pipe in self._pipes:
            if not pipe.poll(max(0.0, deadline - time.monotonic())):
                raise TimeoutError("a client worker did not answer")
            answers.append(pipe.recv())
        return answers


def _worker(pipe, url, origin, clients, stamp):
    raise_open_files_limit(clients + 256)
    asyncio.run(_Worker(pipe, url, origin, clients, stamp).run())


class _Worker:
    def __init__(self, pipe, url, origin, clients, stamp):
        self.pipe, self.url, self.origin, self.clients = pipe, url, origin, clients
        self.stamp = re.compile(stamp)
        self.counts = [0] * clients
        self.latencies = array.array("d")
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
        connections = await asyncio.gather(*(self._connect(gate) for _ in range(self.clients)))
        connections = [c for c in connections if c is not None]
        readers = [asyncio.create_task(self._read(i, c)) for i, c in enumerate(connections)]
        # Like the servers: the measuring side should not stall its thousand sockets collecting.
        collector.tune(collector.DEFAULT_THRESHOLDS)
        self.pipe.send(len(connections))
        while True:
            command = await loop.run_in_executor(None, self.pipe.recv)
            if command[0] == "stop":
                break
            _, photos, started, timeout = command
            self.pipe.send(await self._round(photos, started, timeout))
        for reader in readers:
            reader.cancel()
        await asyncio.gather(*(c.close() for c in connections), return_exceptions=True)

    async def _connect(self, gate):
        async with gate:
            try:
                return await connect(
                    self.url, origin=self.origin, compression=None, open_timeout=120, max_size=None
                )
            except (OSError, TimeoutError, ConnectionClosed):
                return None

    async def _round(self, photos, started, timeout):
        cpu = _cpu_seconds()
        self.counts = [0] * self.clients
        self.latencies = array.array("d")
        self.since, self.expected, self.complete, self.last = started, photos, 0, 0.0
        self.done.clear()
        if photos and self.clients:
            try:
                await asyncio.wait_for(self.done.wait(), timeout)
            except TimeoutError:
                pass
        self.expected = 0
        frames = sum(self.counts)
        return frames, self.last, self.latencies, _cpu_seconds() - cpu, self.closed

    async def _read(self, index, connection):
        try:
            async for frame in connection:
                now = time.time()
                match = self.stamp.search(frame)
                if match is None:
                    continue
                published_at = float(match.group(1))
                if published_at < self.since or not self.expected:
                    continue
                self.latencies.append(now - published_at)
                self.last = now
                self.counts[index] += 1
                if self.counts[index] == self.expected:
                    self.complete += 1
                    if self.complete == self.clients:
                        self.done.set()
        except ConnectionClosed:
            self.closed += 1


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime
