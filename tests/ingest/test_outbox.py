"""The outbox: a bus outage delays photos, never drops them, and never shows one twice."""

import asyncio
import os
import signal
import threading
import time

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.core.management import CommandError, call_command
from django.db import close_old_connections, connection

from feed.models import Photo
from ingest.bus import Bus, BusError, get_bus
from ingest.outbox import publish_pending_now, run_outbox
from ingest.publish import publish_pending
from tests.support.frames import receive_frames
from tests.support.instagram import media_item
from wazstagram.asgi import websocket as websocket_app

from .conftest import GEOGRAPHY
from .test_fetch import apoke

pytestmark = pytest.mark.django_db(transaction=True)


class FlakyBus(Bus):
    """The process's bus, with an outage switch (as a Service Bus namespace going away)."""

    def __init__(self):
        self.down = False
        self.fault = BusError("namespace unreachable")
        self.entered = threading.Event()
        self.hold: threading.Event | None = None

    def publish_many(self, events):
        self.entered.set()
        if self.hold:
            self.hold.wait(10)
        if self.down:
            raise self.fault
        get_bus().publish_many(events)

    async def consume(self, handle_batch, stop):
        await get_bus().consume(handle_batch, stop)


@pytest.fixture
def flaky_bus(monkeypatch, settings):
    settings.OUTBOX_AFTER = 0
    bus = FlakyBus()
    monkeypatch.setattr("ingest.publish.get_bus", lambda: bus)
    return bus


@pytest.fixture
async def seattle_stream(in_process_relay):
    """A page of Seattle's live stream: `await stream.photo_ids(n)`."""
    communicator = WebsocketCommunicator(
        websocket_app,
        "/ws/cities/seattle/",
        headers=[(b"origin", b"http://localhost"), (b"host", b"localhost")],
    )
    connected, _ = await communicator.connect(timeout=5)
    assert connected

    async def photo_ids(count):
        frames = await receive_frames(communicator, count, timeout=10)
        return [frame["photo"]["id"] for frame in frames]

    communicator.photo_ids = photo_ids
    yield communicator
    await communicator.disconnect()
    await get_channel_layer().flush()


@pytest.fixture
async def outbox():
    """The outbox running on the test's loop, as it runs in a web process."""
    stop = asyncio.Event()
    task = asyncio.create_task(run_outbox(stop, interval=0.05))
    yield
    stop.set()
    await asyncio.wait_for(task, 10)


def pending_ids():
    return list(
        Photo.objects.filter(published_at__isnull=True)
        .order_by("pk")
        .values_list("media_id", flat=True)
    )


async def test_photos_stored_during_a_bus_outage_reach_the_page_once_when_it_is_back(
    subscribed, fake_instagram, flaky_bus, seattle_stream, outbox, bus_tap, async_client, settings
):
    flaky_bus.down = True
    missed = fake_instagram.add_media(GEOGRAPHY, media_item(), media_item())
    await apoke(async_client, settings)
    assert await sync_to_async(pending_ids)() == [item["id"] for item in missed]
    assert await seattle_stream.receive_nothing(timeout=0.3)

    flaky_bus.down = False
    assert await seattle_stream.photo_ids(2) == [item["id"] for item in missed]
    later = fake_instagram.add_media(GEOGRAPHY, media_item())
    await apoke(async_client, settings)

    assert await seattle_stream.photo_ids(1) == [later[0]["id"]]
    assert await sync_to_async(pending_ids)() == []
    published = await asyncio.to_thread(bus_tap.photo_ids)
    assert published == [item["id"] for item in missed + later]


def test_an_outbox_pass_survives_any_failure_and_the_next_pass_publishes(
    flaky_bus, make_photo, bus_tap, caplog
):
    photo = make_photo(published_at=None)
    flaky_bus.down, flaky_bus.fault = True, RuntimeError("the SDK broke in a new way")

    assert publish_pending_now() == 0
    assert "outbox pass failed" in caplog.text

    flaky_bus.down = False
    assert publish_pending_now() == 1
    assert bus_tap.photo_ids() == [photo.media_id]


def test_publish_pending_command_publishes_oldest_first(flaky_bus, make_photo, bus_tap, capsys):
    photos = [make_photo(published_at=None) for _ in range(3)]

    call_command("publish_pending")

    assert capsys.readouterr().out.strip() == "published 3 photos; 0 still pending"
    assert bus_tap.photo_ids() == [photo.media_id for photo in photos]


def test_publish_pending_command_fails_while_the_bus_is_down(flaky_bus, make_photo, bus_tap):
    make_photo(published_at=None)
    flaky_bus.down = True

    with pytest.raises(CommandError, match="1 photos still pending"):
        call_command("publish_pending")

    assert bus_tap.photo_ids() == []


def test_publish_pending_loop_runs_until_sigterm(flaky_bus, make_photo, bus_tap, capsys):
    photo = make_photo(published_at=None)

    def stop_once_published():
        deadline = time.monotonic() + 30  # then stop anyway: the assertions tell what was missed
        while not Photo.objects.filter(pk=photo.pk, published_at__isnull=False).exists():
            if time.monotonic() > deadline:
                break
            threading.Event().wait(0.05)
        close_old_connections()
        os.kill(os.getpid(), signal.SIGTERM)  # to the process, as a supervisor sends it

    threading.Thread(target=stop_once_published).start()
    call_command("publish_pending", "--loop", "--interval", "0.05")

    assert "outbox stopped: 1 photos published" in capsys.readouterr().out
    assert bus_tap.photo_ids() == [photo.media_id]


def test_two_nodes_publishing_pending_photos_at_once_publish_each_once(
    flaky_bus, make_photo, bus_tap
):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite has no row locks: one node per database file")
    photo = make_photo(published_at=None)
    flaky_bus.entered, flaky_bus.hold = threading.Event(), threading.Event()
    first = []

    def node():
        try:
            first.append(publish_pending())
        finally:
            close_old_connections()

    busy = threading.Thread(target=node)
    busy.start()
    assert flaky_bus.entered.wait(10)  # the first node holds the photo, publishing it
    second = publish_pending()
    flaky_bus.hold.set()
    busy.join(10)

    assert (first, second) == ([1], 0)
    assert bus_tap.photo_ids() == [photo.media_id]
