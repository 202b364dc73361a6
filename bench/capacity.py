"""Capacity: idle websocket connections held by one server process, and memory per connection.

The project serves in one process; client processes open N connections to
one city and leave them idle. Resident memory (VmRSS) is read before (after
one connection came and went, so the code is loaded) and once all are open;
the difference over N is the memory per connection. A photo is then
published to all of them, to show they are alive. The bare `websockets`
server holding as many is measured the same way, for reference.
"""

import time

from . import servers
from .loadclient import LoadClient, raise_open_files_limit

CITY = "seattle"
SETTLE = 2.0  # seconds for the server to finish the last handshakes and collect garbage


def add_arguments(parser):
    parser.add_argument("--connections", type=int, default=10_000)
    parser.add_argument("--client-processes", type=int, default=4)
    parser.add_argument("--server", choices=sorted(servers.SERVER_COMMANDS), default="uvicorn")
    parser.add_argument(
        "--database-url", default="", help="an existing database instead of a fresh SQLite file"
    )


def run(args) -> str:
    # Server processes inherit this limit; each client process raises its own.
    raise_open_files_limit(args.connections + 1024)
    print(
        f"capacity: {args.connections:,} idle connections on one process, server {args.server}, "
        f"{args.client_processes} client processes",
        flush=True,
    )
    database = {"DATABASE_URL": args.database_url} if args.database_url else {}
    with servers.project(args.server, **database) as server:
        ours = _hold(server, f"/ws/cities/{CITY}/", args)
    with servers.baseline() as server:
        base = _hold(server, "/", args)
    return (
        f"capacity: {ours['held']:,} of {args.connections:,} connections held, "
        f"{ours['per_connection'] / 1024:.1f} KiB each (bare websockets "
        f"{base['per_connection'] / 1024:.1f} KiB); a photo reached {ours['reached']:,}"
    )


def _hold(server, path, args) -> dict:
    url = server.ws_url(path)
    with LoadClient(url, server.base_url, 1):
        pass
    time.sleep(SETTLE)
    before = server.rss_bytes()
    started = time.monotonic()
    with LoadClient(url, server.base_url, args.connections, args.client_processes) as clients:
        opened = time.monotonic() - started
        time.sleep(SETTLE)
        after = server.rss_bytes()
        result = clients.round(1, lambda: server.publish(CITY, 1), 120)
    held = args.connections
    per_connection = (after - before) / held
    label = "wazstagram" if "cities" in path else "baseline  "
    print(
        f"  {label}: {held:,} connections opened in {opened:.1f} s; RSS {before / 2**20:.0f} → "
        f"{after / 2**20:.0f} MiB, {per_connection / 1024:.1f} KiB per connection; one photo "
        f"reached {result.frames:,} in {result.elapsed * 1000:.0f} ms",
        flush=True,
    )
    return {"held": held, "per_connection": per_connection, "reached": result.frames}
