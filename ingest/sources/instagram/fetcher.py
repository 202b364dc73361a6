"""Coalesced fetches: one API fetch in flight per city, however many pokes arrive.

A poke during a running fetch asks for exactly one more fetch after it; ten
pokes during a slow fetch cost two API calls, not ten (5,000 calls an hour).
The callback answers before any of this runs. Each city has one long-lived
worker thread, started by its first poke: a busy city costs no thread start
per fetch, keeps its API connection from one fetch to the next, and its
database connection while fetches follow each other.
"""

import logging
import threading

from django.db import close_old_connections

logger = logging.getLogger(__name__)

_changed = threading.Condition()
_workers: dict[str, threading.Thread] = {}
# Cities with a fetch handed to their worker or running; a city is idle when it is not here.
_running: set[str] = set()
# The geographies of the fetch handed to a city's worker and not yet started.
_handed: dict[str, list[str]] = {}
# Cities poked during their running fetch, with the geographies of the latest poke.
_again: dict[str, list[str]] = {}


def request_fetch(slug: str, object_ids: list[str]) -> None:
    """Fetch the city's new media soon, in the background."""
    with _changed:
        if slug in _running:
            _again[slug] = object_ids
            return
        _running.add(slug)
        _handed[slug] = object_ids
        worker = _workers.get(slug)
        if worker is None or not worker.is_alive():
            # Daemon: a fetch cut short at exit leaves the cursor where it was.
            worker = threading.Thread(target=_work, args=(slug,), name=f"fetch-{slug}", daemon=True)
            _workers[slug] = worker
            worker.start()
        _changed.notify_all()


def _work(slug: str) -> None:
    """The city's worker: each fetch handed to it, then the one asked for meanwhile, if any."""
    from .fetch import fetch_city

    try:
        while True:
            with _changed:
                _changed.wait_for(lambda: slug in _handed)
                object_ids = _handed.pop(slug)
            try:
                fetch_city(slug, object_ids)
            except Exception:
                logger.exception("fetch for %s failed", slug)
                close_old_connections()
            with _changed:
                more = slug in _again
            if not more:  # going idle; back to back fetches keep their database connection
                close_old_connections()
            with _changed:
                if slug in _again:
                    _handed[slug] = _again.pop(slug)
                else:
                    _running.discard(slug)
                    _changed.notify_all()
    except BaseException:
        with _changed:
            _running.discard(slug)
            _handed.pop(slug, None)
            _again.pop(slug, None)
            _changed.notify_all()
        raise


def wait_idle(timeout: float = 10.0) -> bool:
    """Block until no fetch is running or asked for (tests, graceful shutdown); False on timeout."""
    with _changed:
        return _changed.wait_for(lambda: not _running, timeout)
