"""A subscriber's callback endpoint, for checking what the source sends to it over HTTP."""

import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings

API = "/_instagram/v1"


@dataclass
class Received:
    method: str
    path: str
    query: dict
    headers: dict
    body: bytes


class CallbackServer:
    """Answers the hub challenge as told (`echo`, `wrong` or `refuse`), notifications with
    `notification_status`, and records every request."""

    def __init__(self):
        self.challenge = "echo"
        self.notification_status = 200
        self.received: list[Received] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.callback = self
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,))

    def start(self):
        self._thread.start()

    def stop(self):
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def of(self, method: str) -> list[Received]:
        return [r for r in self.received if r.method == method]


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        self._record()
        challenge = self.received.query.get("hub.challenge", "")
        status, body = {
            "echo": (200, challenge),
            "wrong": (200, challenge[::-1] + "x"),
            "refuse": (403, "wrong verify token"),
        }[self.server.callback.challenge]
        self._answer(status, body)

    def do_POST(self):
        self._record()
        self._answer(self.server.callback.notification_status, "ok")

    def _record(self):
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        self.received = Received(
            self.command,
            parts.path,
            {k: v[-1] for k, v in parse_qs(parts.query).items()},
            dict(self.headers),
            self.rfile.read(length) if length else b"",
        )
        self.server.callback.received.append(self.received)

    def _answer(self, status, body):
        payload = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format, *args):
        pass


@pytest.fixture
def callback_server():
    server = CallbackServer()
    server.start()
    yield server
    server.stop()


def credentials(**overrides) -> dict:
    return {
        "client_id": settings.INSTAGRAM_CLIENT_ID,
        "client_secret": settings.INSTAGRAM_CLIENT_SECRET,
        **overrides,
    }


@pytest.fixture
def subscribe(client, callback_server):
    """Subscribe a geography (default: around Seattle) with a callback on `callback_server`."""

    def subscribe(lat=47.606308, lng=-122.332072, radius=5000, path="/seattle/", **form):
        fields = {
            "object": "geography",
            "aspect": "media",
            "lat": lat,
            "lng": lng,
            "radius": radius,
            "callback_url": callback_server.url + path,
            "verify_token": "the-verify-token",
            **form,
        }
        return client.post(f"{API}/subscriptions/", credentials(**fields))

    return subscribe
