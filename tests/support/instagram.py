"""A stand-in for the shut-down Instagram API: a real HTTP server on a free loopback port.

It speaks the legacy Instagram v1 JSON as Instagram documented it (media/recent with
`min_id`/`count`/`next_min_id`, subscriptions create/list/delete with client
credentials) and records every request, so tests assert what the API saw.
`respond()` queues canned answers (status, body, headers, latency, or held
until the test releases them) that take precedence over the normal behaviour,
for failures and slow answers.
The hub challenge on subscribe is left to the built-in source's tests.
"""

import bisect
import itertools
import json
import socket
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

_sequence = itertools.count(1_700_000_000)


def media_item(**overrides) -> dict:
    """One media item exactly as /geographies/<id>/media/recent lists it; ids grow with each."""
    number = next(_sequence)
    user_id = str(number % 997)
    item = {
        "id": f"{number}_{user_id}",
        "type": "image",
        "link": f"https://instagram.test/p/{number}/",
        "created_time": str(1361473445 + number % 100_000),
        "images": {
            "thumbnail": {"url": f"https://img.test/{number}_t.jpg", "width": 150, "height": 150},
            "low_resolution": {
                "url": f"https://img.test/{number}_l.jpg",
                "width": 306,
                "height": 306,
            },
            "standard_resolution": {
                "url": f"https://img.test/{number}_s.jpg",
                "width": 640,
                "height": 640,
            },
        },
        "caption": {
            "text": f"photo {number}",
            "from": {"id": user_id, "username": f"user{user_id}", "full_name": f"User {user_id}"},
            "id": str(number + 1),
            "created_time": str(1361473445 + number % 100_000),
        },
        "user": {
            "id": user_id,
            "username": f"user{user_id}",
            "full_name": f"User {user_id}",
            "profile_picture": f"https://img.test/u/{user_id}.jpg",
        },
        "location": {"latitude": 47.61, "longitude": -122.33, "name": "Pike Place", "id": 42},
        "likes": {"count": number % 50, "data": []},
        "tags": ["city"],
    }
    item.update(overrides)
    return item


def media_page(*items: dict) -> dict:
    """A media/recent answer holding `items` (give them oldest first; it lists newest first)."""
    ids = [item["id"] for item in items if isinstance(item, dict) and "id" in item]
    newest = ids[-1] if ids else None
    return {
        "meta": {"code": 200},
        "data": list(reversed(items)),
        "pagination": {"next_min_id": newest} if newest else {},
    }


def meta_error(code: int, error_type: str, message: str) -> dict:
    return {"meta": {"code": code, "error_type": error_type, "error_message": message}}


@dataclass
class ApiRequest:
    method: str
    path: str
    query: dict
    form: dict
    at: float = field(default_factory=time.monotonic)


@dataclass
class _Canned:
    status: int | None
    body: object
    headers: dict
    delay: float
    hold: threading.Event | None
    path: str
    drop: bool


def _order(media_id: str) -> tuple:
    head = media_id.split("_", 1)[0]
    return (int(head), media_id) if head.isdigit() else (0, media_id)


def _media_order(item: dict) -> tuple:
    return _order(item["id"])


class FakeInstagram:
    """The API at `self.url` (…/v1) for one client id and secret."""

    def __init__(self, client_id: str, client_secret: str):
        self.client_id, self.client_secret = client_id, client_secret
        self.media: dict[str, list[dict]] = defaultdict(list)
        self.subscriptions: dict[str, dict] = {}
        self.requests: list[ApiRequest] = []
        self._canned: deque[_Canned] = deque()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._ids = itertools.count(1)
        self._connections: set = set()
        self.connections_opened = 0
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.fake = self
        self._server.daemon_threads = False  # server_close() joins the handler threads
        self._server.handle_error = lambda request, address: None  # client gone after a timeout
        self.url = f"http://127.0.0.1:{self._server.server_port}/v1"
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="fake-instagram"
        )

    def start(self):
        self._thread.start()

    def stop(self):
        self._stopping.set()
        self._server.shutdown()
        self.drop_connections()  # kept-alive connections would hold their handler threads
        self._server.server_close()
        self._thread.join()

    def add_media(self, object_id: str, *items: dict) -> list[dict]:
        """New media at a geography, kept in id order as the API's index keeps them."""
        with self._lock:
            for item in items:
                bisect.insort(self.media[str(object_id)], item, key=_media_order)
        return list(items)

    def respond(
        self,
        status=None,
        body=None,
        *,
        headers=None,
        delay=0.0,
        hold=None,
        times=1,
        path="",
        drop=False,
    ):
        """The next `times` requests whose path contains `path` get this answer.

        It comes after `delay` seconds, or once the `hold` event is set; without
        `status` and `body` it is the normal answer, only late. `drop` closes
        the connection without any answer.
        """
        canned = _Canned(status, body, headers or {}, delay, hold, path, drop)
        with self._lock:
            self._canned.extend([canned] * times)

    def drop_connections(self) -> None:
        """Close every open connection, idle kept-alive ones included, as a restarted API would."""
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def media_requests(self) -> list[ApiRequest]:
        with self._lock:
            return [r for r in self.requests if r.path.endswith("/media/recent")]

    def _handle(self, handler: "_Handler") -> None:
        parts = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        form = parse_qs(handler.rfile.read(length).decode()) if length else {}
        request = ApiRequest(
            handler.command,
            parts.path,
            {k: v[-1] for k, v in parse_qs(parts.query).items()},
            {k: v[-1] for k, v in form.items()},
        )
        with self._lock:
            self.requests.append(request)
            canned = next((c for c in self._canned if c.path in request.path), None)
            if canned:
                self._canned.remove(canned)
        headers = {}
        if canned:
            self._stopping.wait(canned.delay)
            while canned.hold and not canned.hold.wait(0.05) and not self._stopping.is_set():
                pass
            headers = canned.headers
            if canned.drop:
                handler.close_connection = True
                return
        if canned and (canned.status, canned.body) != (None, None):
            status, body = canned.status or 200, canned.body
        else:
            status, body = self._answer(request)
        payload = body if isinstance(body, bytes) else json.dumps(body).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(payload)))
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(payload)

    def _answer(self, request: ApiRequest) -> tuple[int, dict]:
        path = request.path.removeprefix("/v1").rstrip("/")
        params = {**request.query, **request.form}
        if params.get("client_id") != self.client_id:
            return 400, meta_error(400, "OAuthClientException", "Invalid client id")
        if path.startswith("/geographies/") and path.endswith("/media/recent"):
            return 200, self._recent(path.split("/")[2], request.query)
        if path != "/subscriptions":
            return 404, meta_error(404, "APINotFoundError", "this endpoint does not exist")
        if params.get("client_secret") != self.client_secret:
            return 400, meta_error(400, "OAuthClientException", "Invalid client secret")
        with self._lock:
            if request.method == "POST":
                return 200, {"meta": {"code": 200}, "data": self._subscribe(request.form)}
            if request.method == "GET":
                return 200, {"meta": {"code": 200}, "data": list(self.subscriptions.values())}
            if request.method == "DELETE":
                if request.query.get("object") == "all":
                    self.subscriptions.clear()
                elif self.subscriptions.pop(request.query.get("id", ""), None) is None:
                    return 400, meta_error(400, "APISubscriptionError", "No such subscription")
                return 200, {"meta": {"code": 200}, "data": None}
        return 405, meta_error(405, "APIMethodError", "method not allowed")

    def _recent(self, object_id: str, query: dict) -> dict:
        """Media newer than min_id: the oldest `count` of them, newest first."""
        min_id, count = query.get("min_id"), int(query.get("count") or 20)
        with self._lock:
            media = self.media[object_id]
            # An index lookup, not a scan: the benchmarks post thousands to one geography.
            start = bisect.bisect_right(media, _order(min_id), key=_media_order) if min_id else 0
            page = media[start : start + count][::-1]
        pagination = {"next_min_id": page[0]["id"]} if page else {}
        return {"meta": {"code": 200}, "data": page, "pagination": pagination}

    def _subscribe(self, form: dict) -> dict:
        number = next(self._ids)
        subscription = {
            "id": str(number),
            "object": form.get("object"),
            "object_id": str(1_257_800 + number),
            "aspect": form.get("aspect"),
            "callback_url": form.get("callback_url"),
            "type": "subscription",
        }
        self.subscriptions[subscription["id"]] = subscription
        return subscription


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the real API
    # Headers and body are two writes: with Nagle's algorithm the body waits for the
    # client's delayed ACK, and a fetch takes 40 ms instead of 3 (seen in bench/endtoend).
    disable_nagle_algorithm = True

    def setup(self):
        super().setup()
        fake = self.server.fake
        with fake._lock:
            fake._connections.add(self.connection)
            fake.connections_opened += 1

    def finish(self):
        fake = self.server.fake
        with fake._lock:
            fake._connections.discard(self.connection)
        super().finish()

    def do_GET(self):
        self.server.fake._handle(self)

    do_POST = do_DELETE = do_GET

    def log_message(self, format, *args):
        pass


@pytest.fixture
def fake_instagram(settings):
    """The API at a local address; INSTAGRAM_API_URL points at it for the test."""
    from ingest.sources.instagram import fetcher

    fake = FakeInstagram(settings.INSTAGRAM_CLIENT_ID, settings.INSTAGRAM_CLIENT_SECRET)
    fake.start()
    settings.INSTAGRAM_API_URL = fake.url
    yield fake
    fetcher.wait_idle(30)  # no fetch may outlive its API
    fake.stop()
