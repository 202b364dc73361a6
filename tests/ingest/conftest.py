"""Ingest test helpers: signed notifications to the real callback, a subscribed city."""

import asyncio
import itertools
import json
import threading
import time

import pytest

from ingest.bus import get_bus
from ingest.events import retract_event
from ingest.models import Subscription
from ingest.sources.instagram.signatures import sign_sha1

GEOGRAPHY = "1257814"


def notification(*object_ids: str) -> bytes:
    """A Realtime notification body poking these geographies."""
    return json.dumps(
        [
            {
                "subscription_id": "1",
                "object": "geography",
                "object_id": object_id,
                "changed_aspect": "media",
                "time": 1297286541,
            }
            for object_id in object_ids
        ]
    ).encode()


@pytest.fixture(autouse=True)
def _quick_retries(settings):
    settings.INSTAGRAM_BACKOFF = 0.01
    settings.INSTAGRAM_MAX_BACKOFF = 2


@pytest.fixture
def no_fetch(monkeypatch):
    """Records the fetches the callback asks for instead of running them."""
    pokes = []
    monkeypatch.setattr(
        "ingest.sources.instagram.fetcher.request_fetch",
        lambda slug, ids: pokes.append((slug, ids)),
    )
    return pokes


@pytest.fixture
def notify(client, settings):
    """POST a signed notification for a city's geography; returns the response."""

    def notify(slug="seattle", object_id=GEOGRAPHY):
        body = notification(object_id)
        return client.post(
            f"/ingest/instagram/{slug}/",
            body,
            content_type="application/json",
            headers={"X-Hub-Signature": sign_sha1(body, settings.INSTAGRAM_CLIENT_SECRET)},
        )

    return notify


@pytest.fixture
def subscribed(seattle):
    """Seattle subscribed to geography GEOGRAPHY, nothing fetched yet."""
    return Subscription.objects.create(city=seattle, instagram_id="1", object_id=GEOGRAPHY)


class BusTap:
    """A consumer of the in-process bus on its own loop, as a relay would be."""

    def __init__(self):
        self._seen: list[dict] = []
        self._loop = asyncio.new_event_loop()
        self._stop: asyncio.Event | None = None
        self._sentinels = itertools.count()
        ready = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(ready,), name="bus-tap")
        self._thread.start()
        assert ready.wait(10)

    def _run(self, ready):
        async def consume():
            self._stop = asyncio.Event()
            self._loop.call_soon(ready.set)  # once consume() has joined the bus

            async def collect(batch):
                self._seen.extend(batch)

            await get_bus().consume(collect, self._stop)

        self._loop.run_until_complete(consume())

    def events(self) -> list[dict]:
        """Every event published so far (a marker event sent last proves nothing is in flight)."""
        marker = retract_event(f"tap-{next(self._sentinels)}", "tap")
        get_bus().publish(marker)
        deadline = time.monotonic() + 10
        while marker not in self._seen:
            assert time.monotonic() < deadline, "the bus did not deliver"
            time.sleep(0.01)
        return [event for event in self._seen if event.get("city") != "tap"]

    def photo_ids(self) -> list[str]:
        return [event["photo"]["id"] for event in self.events() if event["type"] == "photo"]

    def close(self):
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)
        self._loop.close()


@pytest.fixture
def bus_tap():
    tap = BusTap()
    yield tap
    tap.close()
