"""Running one source against its double over real sockets, until what a test waits for."""

import asyncio
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


def run_until(source, condition, timeout: float = 20.0):
    """Run `source` as `runsources` does until `condition()` (a database read) holds.

    Returns the run's counts; fails when the condition never held.
    """
    return asyncio.run(_run_until(source, condition, timeout))


async def _run_until(source, condition, timeout: float):
    stop = asyncio.Event()
    runner = asyncio.create_task(run_sources([source], stop, report_interval=3600))
    deadline = time.monotonic() + timeout
    try:
        while not await asyncio.to_thread(_holds, condition):
            assert not runner.done(), "the runner ended by itself"
            assert time.monotonic() < deadline, "what the test waited for never happened"
            await asyncio.sleep(0.05)
    finally:
        stop.set()
        counts = await asyncio.wait_for(runner, 15)
    return counts[source.name]


def _holds(condition) -> bool:
    try:
        return bool(condition())
    except OperationalError:  # the in-memory test SQLite: a table the runner is writing
        return False
    finally:
        close_old_connections()
