"""Ingest: signed notification POSTs per second on one server process, against a plain Django view.

The project runs in one server process (`bench.settings`: the project's
settings and URLs plus a plain view) with the Instagram API pointed at a fake
that answers at once (tests/support/instagram.py, in a thread of this
process). A warm-up photo sets the city's cursor, so every later fetch that
the notifications cause finds nothing new, as most do. The load client sends
the same signed notification over keep-alive connections, as a proxy ending
TLS would (`X-Forwarded-Proto: https`); the baseline is the same POST to a
plain Django view on the same server. Rounds alternate and the ratio is the
median of the paired rounds' ratios.
"""

import json
import statistics
import time

from ingest.sources.instagram.signatures import sign_sha1
from tests.support.instagram import FakeInstagram, media_item

from . import httpload, servers
from .photos import PLAIN_PATH

CITY = "seattle"
GEOGRAPHY = "1257814"
CLIENT_ID, CLIENT_SECRET = "bench-client", "bench-secret"


def add_arguments(parser):
    parser.add_argument("--seconds", type=float, default=5.0, help="per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--client-processes", type=int, default=1)
    parser.add_argument("--server", choices=sorted(servers.SERVER_COMMANDS), default="uvicorn")


def notification() -> bytes:
    update = {
        "subscription_id": "1",
        "object": "geography",
        "object_id": GEOGRAPHY,
        "changed_aspect": "media",
        "time": int(time.time()),
    }
    return json.dumps([update]).encode()


def run(args) -> str:
    print(
        f"ingest: {args.connections} keep-alive connections, {args.rounds} rounds of "
        f"{args.seconds:g} s, server {args.server}; API answering at once, warm cursor",
        flush=True,
    )
    api = FakeInstagram(CLIENT_ID, CLIENT_SECRET)
    api.start()
    try:
        with servers.project(args.server, **_env(api)) as server:
            body = notification()
            headers = {
                "Content-Type": "application/json",
                "X-Forwarded-Proto": "https",
                "X-Hub-Signature": sign_sha1(body, CLIENT_SECRET),
            }
            sides = [
                ("ingest  ", f"/ingest/instagram/{CITY}/", []),
                ("baseline", PLAIN_PATH, []),
            ]
            _warm_up(api, server, body, headers)
            for number in range(1, args.rounds + 1):
                for label, path, loads in sides:
                    request = httpload.request_bytes(servers.HOST, server.port, path, body, headers)
                    cpu = server.cpu_seconds()
                    load = httpload.run(
                        servers.HOST,
                        server.port,
                        request,
                        args.connections,
                        args.seconds,
                        args.client_processes,
                    )
                    _report(label, number, load, server.cpu_seconds() - cpu)
                    loads.append(load)
            fetches = len(api.media_requests())
    finally:
        api.stop()
    ours, base = sides[0][2], sides[1][2]
    ratio = statistics.median(o.rate / b.rate for o, b in zip(ours, base, strict=True))
    refused = sum(load.answered - load.statuses[200] for load in ours + base)
    return (
        f"ingest ratio = {ratio:.2f} (median of {len(ours)} paired rounds; ingest "
        f"{statistics.median(o.rate for o in ours):,.0f} POSTs/s, plain view "
        f"{statistics.median(b.rate for b in base):,.0f}/s; {fetches} API fetches; "
        f"{refused} answers not 200)"
    )


def _env(api) -> dict:
    return {
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "INSTAGRAM_API_URL": api.url,
        "INSTAGRAM_CLIENT_ID": CLIENT_ID,
        "INSTAGRAM_CLIENT_SECRET": CLIENT_SECRET,
        "INGEST_RATE_PER_SECOND": "0",
    }


def _warm_up(api, server, body, headers):
    """One photo through the whole path, so the city has its geography and cursor."""
    api.add_media(GEOGRAPHY, media_item())
    request = httpload.request_bytes(
        servers.HOST, server.port, f"/ingest/instagram/{CITY}/", body, headers
    )
    load = httpload.run(servers.HOST, server.port, request, 1, 0.5)
    if set(load.statuses) != {200}:
        raise RuntimeError(f"the callback answered {dict(load.statuses)}")
    deadline = time.monotonic() + 30
    while not api.media_requests() and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)  # let the first fetch store its photo and move the cursor


def _report(label, number, load, server_cpu):
    statuses = ", ".join(f"{status}: {count}" for status, count in sorted(load.statuses.items()))
    print(
        f"  {label} round {number}: {load.rate:,.0f} POSTs/s ({statuses}); latency p50 "
        f"{load.percentile(50) * 1000:.1f} ms p99 {load.percentile(99) * 1000:.1f} ms; "
        f"cpu per request server {server_cpu / max(load.answered, 1) * 1e6:.0f} µs "
        f"client {load.client_cpu / max(load.answered, 1) * 1e6:.0f} µs",
        flush=True,
    )
