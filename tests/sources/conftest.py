"""Running one source as `runsources` does, against its double over real sockets."""

import asyncio
import threading
import time

import pytest
from django.db import OperationalError, close_old_connections

from ingest.sources.runner import run_sources
from tests.ingest.conftest import bus_tap  # noqa: F401 - the bus as a relay sees it


@pytest.fixture(autouse=True)
def _quick_sources(settings):
    settings.SOURCE_BACKOFF = 0.05
    settings.SOURCE_MAX_BACKOFF = 0.2
    settings.SOURCE_TIMEOUT = 5
    settings.INGEST_CITY_CACHE_SECONDS = 0.2


class Running:
    """The source runner on a loop of its own thread, while the test acts and waits."""

    def __init__(self, source, report_interval: float = 3600):
        self.source, self.report_interval = source, report_interval
        self.counts = None
        self._started = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"run-{source.name}")

    def __enter__(self):
        self._thread.start()
        assert self._started.wait(10)
        return self

    def _run(self):
        async def run():
            self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
            self._started.set()
            counts = await run_sources([self.source], self._stop, self.report_interval)
            self.counts = counts[self.source.name]

        asyncio.run(run())

    def wait_for(self, condition, timeout: float = 20.0):
        """Until `condition()` (a database read, say) holds; fails after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while not _holds(condition):
            assert self._thread.is_alive(), "the runner ended by itself"
            assert time.monotonic() < deadline, "what the test waited for never happened"
            time.sleep(0.05)

    def __exit__(self, *exc):
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(20)
        assert not self._thread.is_alive(), "the runner did not stop"


def run_until(source, condition, timeout: float = 20.0):
    """Run `source` until `condition()` holds; the run's counts."""
    with Running(source) as running:
        running.wait_for(condition, timeout)
    return running.counts


def _holds(condition) -> bool:
    try:
        return bool(condition())
    except OperationalError:  # the in-memory test SQLite: a table the runner is writing
        return False
    finally:
        close_old_connections()
