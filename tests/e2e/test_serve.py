"""`manage.py serve`, the documented way to run a web node, on the wire."""

import asyncio
import signal
import socket
import threading
from contextlib import ExitStack
from pathlib import Path

import pytest
import requests
import websockets
from websockets.client import ClientProtocol
from websockets.exceptions import ConnectionClosed
from websockets.frames import Opcode
from websockets.sync.client import connect
from websockets.uri import parse_uri

from feed.photo import MAX_CAPTION
from tests.support.frames import message_frames
from tests.support.live import LiveSite, photo_ids
from tests.support.waiting import wait_for

pytestmark = pytest.mark.slow
WAIT = 20
OVERSIZE = 15 * 1024 * 1024


@pytest.fixture
def node(tmp_path, redis_url):
    site = LiveSite(tmp_path, redis_url, serve=["--workers", "1"], LOG_LEVEL="WARNING")
    site.prepare()
    site.start()
    yield site
    site.close()


def resident_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def send_oversize(site) -> int | None:
    """One page-like connection sending one 15 MB frame; the close code it got."""
    with connect(f"{site.ws_url}/ws/cities/seattle/", origin=site.url, open_timeout=WAIT) as ws:
        try:
            ws.send(b"x" * OVERSIZE)
            while True:
                ws.recv(timeout=WAIT)
        except (ConnectionClosed, OSError):
            pass
        return ws.protocol.close_rcvd.code if ws.protocol.close_rcvd else None


def test_oversize_frames_are_refused_on_the_wire_and_memory_stays_flat(node):
    before = resident_kib(node.process.pid)
    codes = []
    threads = [
        threading.Thread(target=lambda: codes.append(send_oversize(node))) for _ in range(20)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    after = resident_kib(node.process.pid)

    # "Message too big" from the server as the header arrived (a client still sending may
    # see its connection reset before the close frame).
    assert len(codes) == 20 and set(codes) <= {1009, None} and 1009 in codes
    # 20 buffered frames would be 300 MB; the server read none of them.
    assert after - before < 40 * 1024, (before, after)
    assert requests.get(f"{node.url}/healthz", timeout=5).status_code == 200


IDLE_PAGES, ARRIVING = 1000, 20


def test_an_idle_page_costs_the_node_under_20_kib(tmp_path, redis_url):
    """uvicorn's own protocol with a channels consumer held about 28 KiB a page."""
    site = LiveSite(tmp_path, redis_url, serve=["--workers", "1"], FEED_CONNECTIONS_PER_ADDRESS="0")
    site.prepare()
    site.start()
    try:
        asyncio.run(_hold_idle_pages(site))
    finally:
        site.close()


async def _hold_idle_pages(site):
    url, origin = f"{site.ws_url}/ws/cities/seattle/", site.url

    async def page():  # as a browser's: deflate offered, then idle
        return await websockets.connect(url, origin=origin, open_timeout=WAIT, proxy=None)

    warm = [await page() for _ in range(20)]  # the hub's first subscriber, caches, arenas
    before = resident_kib(site.process.pid)
    pages = []
    for _ in range(IDLE_PAGES // ARRIVING):  # pages arrive a few at a time, not all at once
        pages += await asyncio.gather(*(page() for _ in range(ARRIVING)))
    await asyncio.sleep(1)
    after = resident_kib(site.process.pid)
    await asyncio.gather(*(connection.close() for connection in warm + pages))
    assert (after - before) / IDLE_PAGES < 20, (before, after)


# 12 MB in all, captions of the longest a photo keeps.
STALLING_PHOTOS, QUEUE, CAPTION = 3000, 50, "words " * (MAX_CAPTION // 6)


class StalledPage:
    """A page whose tab stopped reading: a small receive buffer it does not empty."""

    def __init__(self, site):
        self.socket = socket.socket()
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        self.socket.settimeout(WAIT)
        self.socket.connect(("127.0.0.1", site.port))
        self.protocol = ClientProtocol(
            parse_uri(f"{site.ws_url}/ws/cities/seattle/"), origin=site.url, max_size=None
        )
        self.protocol.send_request(self.protocol.connect())
        self._flush()
        while not self.protocol.events_received():  # the handshake's response (no photo yet)
            self.protocol.receive_data(self.socket.recv(65536))
        assert self.protocol.handshake_exc is None

    def photo_ids_until(self, last_id: str) -> list[str]:
        """It reads again: the ids of the photos it gets, up to `last_id`."""
        ids = []
        while last_id not in ids:
            data = self.socket.recv(65536)
            assert data, f"closed by the server after {len(ids)} photos: {self.protocol.close_rcvd}"
            self.protocol.receive_data(data)
            self._flush()  # pongs
            for event in self.protocol.events_received():
                if event.opcode == Opcode.TEXT:
                    ids += [f["photo"]["id"] for f in message_frames(event.data.decode())]
        return ids

    def _flush(self):
        self.socket.sendall(b"".join(self.protocol.data_to_send()))

    def close(self):
        self.socket.close()


def test_a_page_that_stops_reading_loses_its_own_oldest_photos_and_holds_up_no_one(
    tmp_path, redis_url
):
    site = LiveSite(
        tmp_path,
        redis_url,
        serve=["--workers", "1"],
        FEED_CLIENT_QUEUE=str(QUEUE),
        INGEST_MAX_PAGES=str(STALLING_PHOTOS // 20 + 1),  # the fake API's pages are of 20
    )
    site.prepare()
    site.start()
    try:
        with site.open_stream("seattle", open_timeout=WAIT, max_size=None) as healthy:
            stalled = StalledPage(site)
            first = site.post_photo("seattle")  # the cursor: the next poke fetches all that follow
            assert photo_ids(healthy, 1, WAIT) == [first["id"]]
            items = [site.add_photo("seattle") for _ in range(STALLING_PHOTOS)]
            for item in items:
                item["caption"]["text"] = CAPTION
            site.poke("seattle")

            assert photo_ids(healthy, STALLING_PHOTOS, WAIT) == [item["id"] for item in items]
            got = stalled.photo_ids_until(items[-1]["id"])
            stalled.close()
    finally:
        site.close()

    # What the sockets and the server's buffer held before its writes paused, then the
    # newest FEED_CLIENT_QUEUE, in order: the others were dropped for this page alone.
    ids = [item["id"] for item in items]
    assert got == [first["id"]] + [photo_id for photo_id in ids if photo_id in set(got)]
    assert got[-QUEUE:] == ids[-QUEUE:] and len(got) < 1 + STALLING_PHOTOS, len(got)
    assert "dropping the oldest" in site.log.read_text()


def test_sigterm_closes_open_pages_with_service_restart_and_exits_cleanly(node):
    with node.open_stream("seattle", open_timeout=WAIT) as stream:
        node.process.send_signal(signal.SIGTERM)
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                stream.recv(timeout=WAIT)
    assert closed.value.rcvd.code == 1012  # the page reconnects, elsewhere if need be
    # uvicorn re-raises the signal once shut down: "terminated by SIGTERM", which systemd
    # and other supervisors count as a clean stop.
    assert node.process.wait(WAIT) in (0, -signal.SIGTERM)
    node.process = None


def test_one_worker_per_core_with_redis_each_serving(tmp_path, redis_url):
    site = LiveSite(tmp_path, redis_url, serve=["--workers", "2"])
    site.prepare()
    site.start()
    try:
        workers = wait_for(lambda: len(_workers(site.process.pid)) == 2, "two workers")
        assert workers
        for _ in range(10):
            assert requests.get(f"{site.url}/healthz", timeout=5).status_code == 200
        with socket.create_connection(("127.0.0.1", site.port), timeout=5):
            pass
    finally:
        site.close()


def _workers(pid: int) -> list[int]:
    """The server's worker processes (not multiprocessing's resource tracker)."""
    path = Path(f"/proc/{pid}/task/{pid}/children")
    children = [int(child) for child in path.read_text().split()] if path.exists() else []
    return [
        child
        for child in children
        if b"resource_tracker" not in Path(f"/proc/{child}/cmdline").read_bytes()
    ]


SEATTLE_PAGES = ("wazstagram_open_pages", (("city", "seattle"),))


def scrape(site) -> dict:
    """Every sample of /metrics as {(name, sorted labels): value}."""
    from prometheus_client.parser import text_string_to_metric_families

    text = requests.get(f"{site.url}/metrics", timeout=5).text
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_metrics_add_up_across_two_workers_and_move_when_a_photo_is_delivered(tmp_path, redis_url):
    site = LiveSite(tmp_path, redis_url, serve=["--workers", "2"])
    site.prepare()
    site.start()
    try:
        wait_for(lambda: len(_workers(site.process.pid)) == 2, "two workers")
        with ExitStack() as stack:
            pages = [
                stack.enter_context(site.open_stream("seattle", open_timeout=WAIT))
                for _ in range(6)
            ]
            wait_for(lambda: scrape(site).get(SEATTLE_PAGES) == 6, "the pages to be in")
            photo = site.post_photo("seattle")
            for page in pages:
                assert photo_ids(page, 1, WAIT) == [photo["id"]]
            metrics = scrape(site)
    finally:
        site.close()

    assert metrics[SEATTLE_PAGES] == 6  # both workers' pages, added up
    assert metrics[("wazstagram_frames_sent_total", ())] >= 6
    assert (
        metrics[("wazstagram_notifications_total", (("result", "200"), ("source", "instagram")))]
        >= 1
    )
    assert metrics[("wazstagram_fetches_total", (("result", "ok"), ("source", "instagram")))] >= 1
    assert metrics[("wazstagram_relay_events_total", ())] >= 1
    assert metrics[("wazstagram_outbox_pending", ())] == 0
