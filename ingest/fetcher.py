"""Coalesced fetches: one API fetch in flight per city, however many pokes arrive.

A poke during a running fetch asks for exactly one more fetch after it; ten
pokes during a slow fetch cost two API calls, not ten (5,000 calls an hour).
The callback answers before any of this runs.
"""

import logging
import threading

from django.db import close_old_connections

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_running: dict[str, threading.Thread] = {}
# Cities poked during their running fetch, with the geographies of the latest poke.
_again: dict[str, list[str]] = {}


def request_fetch(slug: str, object_ids: list[str]) -> None:
    """Fetch the city's new media soon, in the background."""
    with _lock:
        if slug in _running:
            _again[slug] = object_ids
            return
        worker = threading.Thread(
            target=_fetch_until_quiet, args=(slug, object_ids), name=f"fetch-{slug}"
        )
        _running[slug] = worker
    worker.start()


def _fetch_until_quiet(slug: str, object_ids: list[str]) -> None:
    from .fetch import fetch_city

    try:
        while True:
            try:
                fetch_city(slug, object_ids)
            except Exception:
                logger.exception("fetch for %s failed", slug)
            finally:
                close_old_connections()
            with _lock:
                if slug not in _again:
                    del _running[slug]
                    return
                object_ids = _again.pop(slug)
    except BaseException:
        with _lock:
            _running.pop(slug, None)
            _again.pop(slug, None)
        raise


def wait_idle(timeout: float = 10.0) -> bool:
    """Block until no fetch is running (tests and graceful shutdown); False on timeout."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        with _lock:
            workers = list(_running.values())
        if not workers:
            return True
        for worker in workers:
            worker.join(max(0.0, deadline - time.monotonic()))
        if time.monotonic() >= deadline:
            with _lock:
                return not _running
