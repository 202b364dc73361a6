"""Outages of the services a web node depends on, with the project running in daphne.

A Service Bus outage delays photos (the outbox publishes them once the bus is
back); a Redis restart costs open pages a reconnect, never a photo.
"""

import json
import re
import shutil
import threading
import time
import uuid

import pytest
from websockets.exceptions import ConnectionClosed, InvalidHandshake

from ingest.bus.servicebus import ServiceBusBus
from tests.support import waiting
from tests.support.frames import message_frames
from tests.support.live import LiveSite, photo_ids
from tests.support.prerequisites import missing
from tests.support.redis_server import RedisServer

from .test_city_page import open_live, post, tile

pytestmark = pytest.mark.live
WAIT = 30  # seconds: a guard against hangs, never a measured quantity


def wait_for(condition, what: str):
    return waiting.wait_for(condition, what, WAIT)


@pytest.fixture
def servicebus_site(tmp_path, redis_url, servicebus_broker):
    """A node whose bus is the local Service Bus broker, relaying in-process."""
    topic, subscription = "wazages", f"live-{uuid.uuid4().hex[:8]}"
    ServiceBusBus(servicebus_broker.connection_string, topic, subscription).ensure_subscription()
    site = LiveSite(
        tmp_path,
        redis_url,
        SERVICEBUS_CONNECTION_STRING=servicebus_broker.connection_string,
        SERVICEBUS_TOPIC=topic,
        SERVICEBUS_SUBSCRIPTION=subscription,
        REQUESTS_CA_BUNDLE=str(servicebus_broker.ca_file),
        RELAY_IN_PROCESS="true",
        OUTBOX_INTERVAL="0.2",
        OUTBOX_AFTER="1",
        LOG_LEVEL="DEBUG",
    )
    site.prepare()
    site.start()
    yield site
    site.close()


def test_photos_stored_while_the_bus_is_down_reach_open_pages_once_it_is_back(
    servicebus_site, servicebus_broker
):
    site = servicebus_site
    with site.open_stream("seattle") as stream:
        before = site.post_photo("seattle")
        assert photo_ids(stream, 1) == [before["id"]]

        servicebus_broker.go_down()
        missed = [site.add_photo("seattle"), site.add_photo("seattle")]
        site.poke("seattle")
        # The fetch stored both, the bus refused them: they wait in the outbox.
        wait_for(lambda: "2 new photos, 0 published" in site.log.read_text(), "the refusal")
        assert site.photos()[1:] == [(item["id"], None) for item in missed]

        servicebus_broker.come_back()
        assert photo_ids(stream, 2) == [item["id"] for item in missed]
        after = site.post_photo("seattle")
        assert photo_ids(stream, 1) == [after["id"]]

    def all_marked_published():
        photos = site.photos()
        return photos if all(at for _, at in photos) else None

    # A page can show a photo before its publisher has marked it published.
    published = wait_for(all_marked_published, "every photo marked published")
    assert [media_id for media_id, _ in published] == [
        item["id"] for item in [before, *missed, after]
    ]
    assert len(re.findall(r"published 2 photos", site.log.read_text())) == 1


@pytest.fixture(scope="module")
def private_redis(tmp_path_factory):
    if not shutil.which("redis-server"):
        missing("redis-server is not installed")
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module", params=["core", "pubsub"])
def redis_site(request, tmp_path_factory, private_redis):
    """A node whose channel layer (either kind) is a Redis server the test may restart."""
    # A short history: a page coming back gets what it missed through resume, not history.
    site = LiveSite(
        tmp_path_factory.mktemp("redis-site"),
        private_redis.url,
        FEED_HISTORY_SIZE="2",
        REDIS_CHANNEL_LAYER=request.param,
    )
    site.prepare()
    site.start()
    yield site
    site.close()


class ResumingPage:
    """A websocket client that behaves like the page: reconnects, resumes, drops duplicates."""

    def __init__(self, site, city="seattle"):
        self.site, self.city = site, city
        self.ids: list[str] = []
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="resuming-page", daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.is_set():
            try:
                with self.site.open_stream(self.city) as stream:
                    self.connections += 1
                    if self.ids:
                        stream.send(json.dumps({"type": "resume", "after": self.ids[-1]}))
                    while not self._stop.is_set():
                        self._take(stream)
            except (ConnectionClosed, InvalidHandshake, OSError):
                self._stop.wait(0.2)

    def _take(self, stream):
        try:
            frames = message_frames(stream.recv(timeout=0.2))
        except TimeoutError:
            return
        for frame in frames:
            if frame["type"] == "photo" and frame["photo"]["id"] not in self.ids:
                self.ids.append(frame["photo"]["id"])

    def close(self):
        self._stop.set()
        self._thread.join(WAIT)


@pytest.fixture
def pages(redis_site):
    """Four pages on the Redis site: two of Seattle, two of all cities (two groups)."""
    pages = [ResumingPage(redis_site, city) for city in ["seattle", "all"] * 2]
    yield pages
    for page in pages:
        page.close()


def test_a_redis_restart_under_load_costs_open_pages_a_reconnect_never_a_photo(
    redis_site, private_redis, pages
):
    pid = redis_site.process.pid
    wait_for(lambda: all(page.connections for page in pages), "the pages to connect")
    posted, stop = [], threading.Event()

    def post_steadily():
        while not stop.is_set():
            posted.append(redis_site.post_photo("seattle")["id"])
            time.sleep(0.05)

    poster = threading.Thread(target=post_steadily)
    poster.start()
    try:
        wait_for(lambda: len(posted) >= 5, "photos before the restart")
        # Every key gone and every connection cut at once, without downtime: the hard case,
        # where no receiver fails a second time while Redis is still away.
        private_redis.flash_restart()
        restarted_at = len(posted)
        wait_for(lambda: len(posted) >= restarted_at + 10, "photos after the restart")
    finally:
        stop.set()
        poster.join(WAIT)

    def missed():
        return {page.city: sorted(set(posted) - set(page.ids)) for page in pages}

    try:
        wait_for(lambda: not any(missed().values()), "every page to catch up")
    except AssertionError as error:
        raise AssertionError(f"{error}; missed per page: {missed()}") from None

    # Back to normal: the next photo arrives live, without another reconnect.
    connections = [page.connections for page in pages]
    last = redis_site.post_photo("seattle")["id"]
    wait_for(lambda: all(last in page.ids for page in pages), "the next photo")
    assert [page.connections for page in pages] == connections
    assert all(page.ids[-1] == last for page in pages)
    assert redis_site.process.poll() is None and redis_site.process.pid == pid


@pytest.mark.browser
def test_an_open_page_comes_through_a_redis_restart_without_a_gap(redis_site, private_redis, page):
    open_live(page, f"{redis_site.url}/cities/london/")
    before = post(redis_site, "london")
    page.wait_for_selector(tile(before), timeout=5_000)

    private_redis.restart()
    # While the page is away (or about to be); more than the history of 2 it gets back.
    during = [post(redis_site, "london") for _ in range(3)]

    for message in during:
        page.wait_for_selector(tile(message), timeout=WAIT * 1000)
    page.wait_for_selector('.status[data-state="live"]', timeout=WAIT * 1000)
    after = post(redis_site, "london")
    page.wait_for_selector(tile(after), timeout=WAIT * 1000)
    ids = page.eval_on_selector_all("#grid .tile", "tiles => tiles.map(t => t.dataset.id)")
    assert len(ids) == len(set(ids))
    assert page.errors == []
