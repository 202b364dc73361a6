"""End to end: notification → API fetch → store → bus → relay → websocket, at a steady rate.

A fake Instagram API (tests/support/instagram.py, in a thread of this
process) gets a new media item whose caption carries the time it was posted,
and at once a signed notification pokes the site's callback; the site fetches
it, stores it, publishes it on the bus, relays it into the channel layer, and
its hub sends it to every (browser-like) client. Latency runs from that caption
time to the frame's arrival, so it covers the whole path; the photo's publish
time in the frame splits it at the bus ("before the bus": as the first page of
each client process saw it). Two set-ups: the embedded defaults (in-process
bus and relay, in-memory layer), and Redis (the default pub/sub layer) with the
local Service Bus broker (tests/support/servicebus_broker, in a thread here)
and `manage.py relay` in its own process, as in production.
"""

import contextlib
import http.client
import json
import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from ingest.sources.instagram.signatures import sign_sha1
from tests.support.instagram import FakeInstagram, media_item

from . import loadclient, servers
from .loadclient import LoadClient, Round

CITY = "seattle"
GEOGRAPHY = "1257814"
CLIENT_ID, CLIENT_SECRET = "bench-client", "bench-secret"
# The caption of a benchmark photo: when it was posted, which the clients read back.
STAMP = r'"caption":"posted ([0-9.]+)"'
SETUPS = ["embedded", "servicebus"]
POSTERS = 16  # connections posting notifications, as Instagram's pokes overlap


def add_arguments(parser):
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=100.0, help="photos per second")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--setup", choices=SETUPS + ["both"], default="both")
    parser.add_argument("--client-processes", type=int, default=1)
    parser.add_argument("--server", choices=sorted(servers.SERVER_COMMANDS), default="uvicorn")
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0"),
        help="for the servicebus set-up",
    )
    loadclient.add_arguments(parser)


def run(args) -> str:
    setups = SETUPS if args.setup == "both" else [args.setup]
    photos = round(args.rate * args.seconds)
    print(
        f"end to end: {photos} photos at {args.rate:g}/s to {args.clients} clients, "
        f"server {args.server}, set-ups {', '.join(setups)}, clients offering "
        f"{'permessage-deflate' if args.compression else 'no compression'}",
        flush=True,
    )
    summaries = []
    for setup in setups:
        result, posted_in = _run_setup(setup, photos, args)
        line = (
            f"{setup}: p50 {result.ms(50)} p99 {result.ms(99)} max {result.ms(100)}, "
            f"lost {result.lost}, posted at {photos / posted_in:,.0f}/s"
        )
        before_bus = f"p50 {result.ms(50, result.upstream)} p99 {result.ms(99, result.upstream)}"
        print(
            f"  {line} ({result.frames:,} frames, {result.bytes_per_frame:,.0f} B/photo; "
            f"before the bus {before_bus}; CPU per second: "
            f"server {result.server_cpu / result.elapsed:.2f}, "
            f"clients {result.client_cpu / result.elapsed:.2f})",
            flush=True,
        )
        summaries.append(line)
    return f"end to end ({photos} photos at {args.rate:g}/s, {args.clients} clients): " + (
        "; ".join(summaries)
    )


def _run_setup(setup: str, photos: int, args) -> tuple[Round, float]:
    """The round's result, and how long posting took (the callback may not keep the rate)."""
    api = FakeInstagram(CLIENT_ID, CLIENT_SECRET)
    api.start()
    with contextlib.ExitStack() as stack:
        stack.callback(api.stop)
        env = _env(api)
        if setup == "servicebus":
            env.update(_servicebus_env(stack, args.redis_url))
        server = stack.enter_context(servers.project(args.server, **env))
        if setup == "servicebus":
            stack.enter_context(_relay(server))
        clients = stack.enter_context(
            LoadClient(
                server.ws_url(f"/ws/cities/{CITY}/"),
                server.base_url,
                args.clients,
                args.client_processes,
                stamp=STAMP,
                compression=args.compression,
            )
        )
        poster = _Poster(api, server)
        stack.callback(poster.close)
        _warm_up(clients, poster)
        server_cpu = server.cpu_seconds()
        result = clients.round(photos, lambda: poster.post_steadily(photos, args.rate), 60)
        result.server_cpu = server.cpu_seconds() - server_cpu
        return result, poster.posted_in


def _env(api) -> dict:
    return {
        "INSTAGRAM_API_URL": api.url,
        "INSTAGRAM_CLIENT_ID": CLIENT_ID,
        "INSTAGRAM_CLIENT_SECRET": CLIENT_SECRET,
        "INGEST_RATE_PER_SECOND": "0",
    }


def _servicebus_env(stack, redis_url) -> dict:
    from tests.support.servicebus_broker.broker import LocalServiceBusBroker

    broker = stack.enter_context(LocalServiceBusBroker())
    return {
        "REDIS_URL": redis_url,
        "REDIS_PREFIX": f"wzbench{os.getpid()}",  # alone on a shared Redis
        "SERVICEBUS_CONNECTION_STRING": broker.connection_string,
        "REQUESTS_CA_BUNDLE": str(broker.ca_file),
    }


@contextlib.contextmanager
def _relay(server):
    """`manage.py relay` with the server's environment, in its own process."""
    process = subprocess.Popen(
        [sys.executable, "manage.py", "relay"], cwd=servers.ROOT, env=server.env
    )
    try:
        yield process
    finally:
        servers.stop(process, 15)


class _Poster:
    """Posts photos the way Instagram does: new media at the API, then a signed poke.

    A callback answers in tens of milliseconds, so one connection waiting for each
    answer cannot keep up a rate of 100/s: pokes go out over POSTERS connections.
    """

    def __init__(self, api, server):
        self.api, self.port = api, server.port
        self.posted_in = 0.0
        self._media = threading.Lock()  # media reach the API in the order of their ids
        self._local = threading.local()
        self._connections: list[http.client.HTTPConnection] = []
        self._pool = ThreadPoolExecutor(POSTERS)

    def post(self) -> None:
        with self._media:
            item = media_item()
            item["caption"]["text"] = f"posted {time.time():.6f}"
            self.api.add_media(GEOGRAPHY, item)
        body = json.dumps(
            [{"object": "geography", "object_id": GEOGRAPHY, "changed_aspect": "media"}]
        ).encode()
        connection = self._connection()
        connection.request(
            "POST",
            f"/ingest/instagram/{CITY}/",
            body,
            {
                "Content-Type": "application/json",
                "X-Forwarded-Proto": "https",
                "X-Hub-Signature": sign_sha1(body, CLIENT_SECRET),
            },
        )
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(f"the callback answered {response.status}")

    def post_steadily(self, photos: int, rate: float) -> None:
        start = time.monotonic()
        posts = []
        for number in range(photos):
            time.sleep(max(0.0, start + number / rate - time.monotonic()))
            posts.append(self._pool.submit(self.post))
        for post in posts:
            post.result()
        self.posted_in = time.monotonic() - start

    def close(self) -> None:
        self._pool.shutdown()
        for connection in self._connections:
            connection.close()

    def _connection(self) -> http.client.HTTPConnection:
        if not hasattr(self._local, "connection"):
            self._local.connection = http.client.HTTPConnection(servers.HOST, self.port, timeout=30)
            self._connections.append(self._local.connection)
        return self._local.connection


def _warm_up(clients, poster) -> None:
    """Photos until one reaches every client: the relay's subscription exists, code is loaded."""
    for _ in range(5):
        if clients.round(1, poster.post, 20).lost == 0:
            return
    raise RuntimeError("no warm-up photo reached the clients")
