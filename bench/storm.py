"""Pages that reconnect like stream.js, held by worker processes, for the reconnect storm.

Each page keeps the ids it has and when each arrived, and on a close (any code
but 4404/4403) waits the page's own back-off with jitter, reconnects and sends
`{"type": "resume", "after": <newest id>}`. Only the first connect is gated (to
set up quickly); reconnects are not, so the storm reaches the server as real
pages would make it. The workers judge afterwards, from the photos the bench
published and when, how long each page took to be back and caught up.
"""

import asyncio
import contextlib
import json
import random
import sys
import time

import uvloop
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake

from .loadclient import browser_extensions, raise_open_files_limit
from .workerprocesses import WorkerProcesses, cpu_seconds

# feed/static/feed/stream.js, in seconds.
BASE_DELAY, MAX_DELAY, STABLE_AFTER = 0.5, 15.0, 10.0
FINAL_CODES = (4404, 4403)
SETUP_CONCURRENCY = 64
OPEN_TIMEOUT = 60.0  # a browser waits about as long before it gives a handshake up


def backoff(attempt: int) -> float:
    ceiling = min(MAX_DELAY, BASE_DELAY * 2**attempt)
    return ceiling / 2 + random.random() * (ceiling / 2)


class Pages:
    """`count` pages on `url`, spread over `processes` workers; see the module docstring."""

    def __init__(self, url: str, origin: str, count: int, processes: int, compression: bool):
        self.count = count
        self._processes = WorkerProcesses(_worker, count, processes, url, origin, compression)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def caught_up(self, since: float = 0.0, ids: tuple[str, ...] = ()) -> tuple[int, int]:
        """(pages back with their history since `since`, how many of them have all `ids`)."""
        answers = self._processes.ask(("status", since, ids), 60)
        return sum(a[0] for a in answers), sum(a[1] for a in answers)

    def mark(self) -> None:
        """A phase starts: count reconnect attempts from now."""
        self._processes.ask(("mark",), 60)

    def judge(self, published: list[tuple[str, float]], closed_at: float) -> dict:
        """How the pages came back after `closed_at`, given the photos published and when."""
        total = {"back": [], "missed_pages": 0, "missed_photos": 0, "attempts": 0, "failed": 0}
        total["cpu"] = 0.0
        for answer in self._processes.ask(("judge", published, closed_at), 300):
            total["back"].extend(answer.pop("back"))
            for key, value in answer.items():
                total[key] += value
        total["back"].sort()
        return total

    def close(self) -> None:
        self._processes.close(30)


class _Page:
    __slots__ = ("arrivals", "last_id", "attempt", "opened_at", "back_at", "has_history")
    __slots__ += ("connection", "attempts", "failed")

    def __init__(self):
        self.arrivals: dict[str, float] = {}  # photo id → when it first arrived
        self.last_id = None  # city.js' lastId: the id of the last photo received
        self.attempt = 0  # stream.js' back-off attempt
        self.opened_at = 0.0
        self.back_at = 0.0  # when the current connection brought its first message
        self.has_history = False
        self.connection = None
        self.attempts = self.failed = 0


def _worker(pipe, count, url, origin, compression):
    raise_open_files_limit(count + 256)
    uvloop.run(_Worker(pipe, url, origin, count, compression).run())


class _Worker:
    def __init__(self, pipe, url, origin, count, compression):
        self.pipe, self.url, self.origin = pipe, url, origin
        self.extensions = browser_extensions() if compression else []
        self.pages = [_Page() for _ in range(count)]
        self.stopping = False
        self.cpu_mark = 0.0

    async def run(self):
        loop = asyncio.get_running_loop()
        gate = asyncio.Semaphore(SETUP_CONCURRENCY)
        lives = [asyncio.create_task(self._live(page, gate)) for page in self.pages]
        while True:
            command = await loop.run_in_executor(None, self.pipe.recv)
            if command[0] == "stop":
                break
            self.pipe.send(getattr(self, f"_{command[0]}")(*command[1:]))
        self.stopping = True
        open_ = [p.connection for p in self.pages if p.connection is not None]
        await asyncio.gather(*(c.close() for c in open_), return_exceptions=True)
        for life in lives:
            life.cancel()

    def _status(self, since, ids):
        ready = [p for p in self.pages if p.has_history and p.back_at > since]
        return len(ready), sum(all(i in p.arrivals for i in ids) for p in ready)

    def _mark(self):
        self.cpu_mark = cpu_seconds()
        for page in self.pages:
            page.attempts = page.failed = 0

    def _judge(self, published, closed_at):
        back, missed_pages, missed_photos = [], 0, 0
        for page in self.pages:
            missing = sum(photo_id not in page.arrivals for photo_id, _ in published)
            missed_photos += missing
            missed_pages += missing > 0
            if page.has_history and page.back_at > closed_at:
                owed = [page.arrivals.get(i, 0.0) for i, at in published if at <= page.back_at]
                back.append(max([page.back_at, *owed]) - closed_at)
        return {
            "back": back,
            "missed_pages": missed_pages,
            "missed_photos": missed_photos,
            "attempts": sum(p.attempts for p in self.pages),
            "failed": sum(p.failed for p in self.pages),
            "cpu": cpu_seconds() - self.cpu_mark,
        }

    async def _live(self, page, gate):
        """stream.js' connectStream, for one page."""
        while not self.stopping:
            page.attempts += 1
            code = await self._visit(page, gate if not page.back_at else None)
            if self.stopping or code in FINAL_CODES:
                return
            if page.opened_at and time.time() - page.opened_at > STABLE_AFTER:
                page.attempt = 0
            page.opened_at = 0.0
            await asyncio.sleep(backoff(page.attempt))
            page.attempt += 1

    async def _visit(self, page, gate) -> int | None:
        """One connection, from opening to its close code (None: it never opened)."""
        try:
            async with gate or contextlib.nullcontext():
                connection = await connect(
                    self.url,
                    origin=self.origin,
                    compression=None,
                    extensions=self.extensions,
                    open_timeout=OPEN_TIMEOUT,
                    max_size=None,
                )
        except (OSError, TimeoutError, InvalidHandshake):
            page.failed += 1
            return None
        page.connection, page.opened_at = connection, time.time()
        try:
            if page.last_id is not None:
                await connection.send(json.dumps({"type": "resume", "after": page.last_id}))
            async for message in connection:
                self._receive(page, message)
        except ConnectionClosed:
            pass
        page.connection, page.has_history = None, False
        return connection.close_code

    def _receive(self, page, text):
        now = time.time()
        message = json.loads(text)
        frames = message["frames"] if message.get("type") == "batch" else [message]
        for frame in frames:
            if frame.get("type") == "photo":
                photo_id = sys.intern(frame["photo"]["id"])
                page.last_id = photo_id
                page.arrivals.setdefault(photo_id, now)
        if not page.has_history:
            page.has_history, page.back_at = True, now
