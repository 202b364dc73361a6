"""The project served by daphne in a subprocess: real HTTP and websockets on a free port.

Production-like: DEBUG off, static files collected and served by the app, its
own SQLite file (migrated, cities seeded), the in-process bus and relay, and
the Redis channel layer at TEST_REDIS_URL. Photos arrive the way they do in
production: `post_photo` adds a media item to a fake Instagram API
(tests/support/instagram.py) and pokes the site's callback with a signed
notification; the site fetches, stores, publishes and relays it. Browser and
multi-process tests use it through the `live_site` fixture (tests/e2e/conftest.py).
With `builtin_source=True` the site is its own Instagram instead: the built-in
source is served and INSTAGRAM_API_URL points at it (`manage("subscribe")`,
`manage("simulate", ...)` drive it).
"""

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import requests
from websockets.sync.client import connect

from ingest.sources.instagram.signatures import sign_sha1
from tests.support.frames import message_frames
from tests.support.instagram import FakeInstagram, media_item

ROOT = Path(__file__).resolve().parents[2]
CLIENT_ID, CLIENT_SECRET = "live-site-client", "live-site-secret"
BIN = Path(sys.executable).parent
START_TIMEOUT = 30


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _geography(city: str) -> str:
    """The fake API's geography id of a city."""
    return f"9{sum(map(ord, city)):06d}"


def photo_ids(stream, count: int, timeout: float = 30) -> list[str]:
    """The ids of the next `count` photo frames on a live stream (other frames skipped)."""
    ids = []
    while len(ids) < count:
        for frame in message_frames(stream.recv(timeout=timeout)):
            if frame.get("type") == "photo":
                ids.append(frame["photo"]["id"])
    return ids[:count]


class LiveSite:
    """One daphne process and its database; `restart()` keeps the port and the data."""

    def __init__(
        self,
        workdir: Path,
        redis_url: str,
        builtin_source: bool = False,
        serve: list[str] | None = None,
        instagram: FakeInstagram | None = None,
        **env: str,
    ):
        """`serve`: run `manage.py serve` with these arguments instead of daphne.

        `instagram`: another site's fake API, so that nodes of one site share it.
        """
        self.workdir = workdir
        self.serve = serve
        self.owns_instagram = instagram is None and not builtin_source
        self.instagram = instagram or (
            None if builtin_source else FakeInstagram(CLIENT_ID, CLIENT_SECRET)
        )
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}"
        self.log = workdir / "daphne.log"
        self.process = None
        self.publisher = None
        self.env = {
            **os.environ,
            "DEBUG": "false",
            "SECRET_KEY": "live-site-secret-key-for-tests-only-0123456789abcdef",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "PUBLIC_BASE_URL": self.url,
            "DATABASE_URL": f"sqlite:///{workdir / 'site.sqlite3'}",
            "STATIC_ROOT": str(workdir / "static"),
            "REDIS_URL": redis_url,
            # A layer of its own: other suites may be using the same Redis server right now.
            "REDIS_PREFIX": f"live-{uuid.uuid4().hex[:12]}",
            "SECURE_SSL_REDIRECT": "false",
            "SECURE_HSTS_SECONDS": "0",
            "LOG_LEVEL": "WARNING",
            "INSTAGRAM_SOURCE_ENABLED": "true" if builtin_source else "false",
            "INSTAGRAM_API_URL": f"{self.url}/_instagram/v1"
            if builtin_source
            else self.instagram.url,
            "INSTAGRAM_CLIENT_ID": CLIENT_ID,
            "INSTAGRAM_CLIENT_SECRET": CLIENT_SECRET,
            "INSTAGRAM_VERIFY_TOKEN": "live-site-verify-token",
            # The demo source in production mode is a deliberate choice of these tests.
            "SILENCED_SYSTEM_CHECKS": "wazstagram.E003" if builtin_source else "",
            **env,
        }
        self.env.pop("DJANGO_SETTINGS_MODULE", None)

    def manage(self, *args: str) -> str:
        """Run a management command against this site; its output."""
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if done.returncode:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stderr[-3000:]}")
        return done.stdout

    def prepare(self) -> None:
        if self.owns_instagram:
            self.instagram.start()
        self.manage("migrate", "--noinput", "-v0")
        self.manage("collectstatic", "--noinput", "-v0")

    def start(self) -> None:
        with self.log.open("ab") as log:
            command = (
                [sys.executable, "manage.py", "serve", "--port", str(self.port), *self.serve]
                if self.serve is not None
                else [str(BIN / "daphne"), "-b", "127.0.0.1", "-p", str(self.port)]
                + ["wazstagram.asgi:application"]
            )
            self.process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"daphne exited:\n{self.log.read_text()[-3000:]}")
            try:
                if requests.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"daphne did not answer in {START_TIMEOUT} s:\n{self.log.read_text()}")

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def post_photo(self, city: str = "seattle", **overrides) -> dict:
        """Post a photo in `city` through the ingest path; the API's media item."""
        item = self.add_photo(city, **overrides)
        self.poke(city)
        return item

    def add_photo(self, city: str = "seattle", **overrides) -> dict:
        """A new media item at the fake API's geography of `city`, not fetched yet."""
        return self.instagram.add_media(_geography(city), media_item(**overrides))[0]

    def poke(self, city: str = "seattle") -> None:
        """A signed Realtime notification for `city`: the site fetches what is new."""
        body = json.dumps(
            [
                {
                    "subscription_id": "1",
                    "object": "geography",
                    "object_id": _geography(city),
                    "changed_aspect": "media",
                    "time": int(time.time()),
                }
            ]
        ).encode()
        response = requests.post(
            f"{self.url}/ingest/instagram/{city}/",
            data=body,
            headers={
                "Content-Type": "application/json",
                "X-Hub-Signature": sign_sha1(body, CLIENT_SECRET),
            },
            timeout=10,
        )
        response.raise_for_status()

    def open_stream(self, city: str = "seattle", **options):
        """A websocket on the city's live stream, opened as a page of this site opens it."""
        options.setdefault("origin", self.url)
        return connect(f"{self.ws_url}/ws/cities/{city}/", proxy=None, **options)

    def photos(self) -> list[tuple[str, float | None]]:
        """(media id, published_at) of every stored photo, in the order they were stored."""
        with sqlite3.connect(self.workdir / "site.sqlite3", timeout=20) as database:
            return database.execute(
                "SELECT media_id, published_at FROM feed_photo ORDER BY id"
            ).fetchall()

    def publish(self, *events: dict) -> None:
        """Store the events' photos in this site's database and relay them to its pages.

        For events the ingest path cannot make (a retract), straight into the channel layer.
        """
        if self.publisher is None:
            self.publisher = subprocess.Popen(
                [sys.executable, "-m", "tests.support.publish"],
                cwd=ROOT,
                env=self.env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
        self.publisher.stdin.write(json.dumps(list(events)) + "\n")
        self.publisher.stdin.flush()
        if self.publisher.stdout.readline().strip() != "ok":
            raise RuntimeError("publish failed (see the test's stderr)")

    def close(self) -> None:
        """Stop daphne, the publisher and the fake API."""
        self.stop()
        if self.owns_instagram:
            self.instagram.stop()
        if self.publisher is not None:
            self.publisher.stdin.close()
            self.publisher.wait(10)
            self.publisher = None
