"""HTTP load: keep-alive connections in worker processes sending one request over and over.

Each worker opens its share of the connections and, for a fixed time, sends
the same prepared request on each as soon as the previous answer is in; it
reports the answers by status, their latencies and the CPU it used.
"""

import array
import asyncio
import multiprocessing
import resource
import time
from collections import Counter
from dataclasses import dataclass, field

import uvloop


@dataclass
class Load:
    """What the workers saw of one timed run."""

    seconds: float
    statuses: Counter = field(default_factory=Counter)
    latencies: array.array = field(default_factory=lambda: array.array("d"))
    client_cpu: float = 0.0

    @property
    def answered(self) -> int:
        return sum(self.statuses.values())

    @property
    def rate(self) -> float:
        return self.answered / self.seconds

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def request_bytes(host: str, port: int, path: str, body: bytes, headers: dict) -> bytes:
    """An HTTP/1.1 keep-alive POST of `body` with `headers`."""
    lines = [f"POST {path} HTTP/1.1", f"Host: {host}:{port}", f"Content-Length: {len(body)}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def run(host, port, request: bytes, connections: int, seconds: float, processes: int = 1) -> Load:
    """Send `request` on `connections` keep-alive connections for `seconds`; what came back."""
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    shares = [connections // processes + (i < connections % processes) for i in range(processes)]
    workers = [
        context.Process(target=_worker, args=(results, host, port, request, share, seconds))
        for share in shares
        if share
    ]
    for worker in workers:
        worker.start()
    load = Load(seconds)
    for _ in workers:
        statuses, latencies, cpu = results.get(timeout=seconds + 120)
        load.statuses.update(statuses)
        load.latencies.extend(latencies)
        load.client_cpu += cpu
    for worker in workers:
        worker.join(30)
    return load


def _worker(results, host, port, request, connections, seconds):
    results.put(uvloop.run(_load(host, port, request, connections, seconds)))


async def _load(host, port, request, connections, seconds):
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = usage.ru_utime + usage.ru_stime
    statuses: Counter = Counter()
    latencies = array.array("d")
    streams = [await asyncio.open_connection(host, port) for _ in range(connections)]
    deadline = time.monotonic() + seconds
    await asyncio.gather(
        *(_keep_sending(r, w, request, deadline, statuses, latencies) for r, w in streams)
    )
    for _, writer in streams:
        writer.close()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return statuses, latencies, usage.ru_utime + usage.ru_stime - cpu


async def _keep_sending(reader, writer, request, deadline, statuses, latencies):
    while (sent := time.monotonic()) < deadline:
        writer.write(request)
        head = await reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        await reader.readexactly(length)
        latencies.append(time.monotonic() - sent)
        statuses[status] += 1
