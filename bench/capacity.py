"""Capacity: idle websocket connections one server process holds, memory each, connect rate.

The project serves in one process; browser-like client processes open N
connections to one city and leave them idle. Resident memory (VmRSS) is read
before (after one connection came and went, so the code is loaded) and once
all are open; the difference over N is the memory per connection. How long
the N took to open gives the connect rate (each connect asks the database for
the city and its history; the bare server does nothing). A photo is then
published to all of them, to show they are alive. The bare `websockets`
server holding as many is measured the same way, for reference.
"""

import time

from . import loadclient, servers
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
    loadclient.add_arguments(parser)


def run(args) -> str:
    # Server processes inherit this limit; each client process raises its own.
    raise_open_files_limit(args.connections + 1024)
    print(
        f"capacity: {args.connections:,} idle connections on one process, server {args.server}, "
        f"{args.client_processes} client processes, clients offering "
        f"{'permessage-deflate' if args.compression else 'no compression'}",
        flush=True,
    )
    database = {"DATABASE_URL": args.database_url} if args.database_url else {}
    with servers.project(args.server, **database) as server:
        ours = _hold("wazstagram", server, f"/ws/cities/{CITY}/", args)
    with servers.baseline() as server:
        base = _hold("baseline  ", server, "/", args)
    rate_ratio = base["opened_in"] / ours["opened_in"]  # connections/s, project over baseline
    return (
        f"capacity: {ours['held']:,} of {args.connections:,} connections held, "
        f"{ours['per_connection'] / 1024:.1f} KiB each (bare websockets "
        f"{base['per_connection'] / 1024:.1f} KiB); opened in {ours['opened_in']:.1f} s "
        f"(bare {base['opened_in']:.1f} s), connect rate ratio {rate_ratio:.2f}; "
        f"a photo reached {ours['reached']:,}"
    )


def _hold(label, server, path, args) -> dict:
    url = server.ws_url(path)
    with LoadClient(url, server.base_url, 1, compression=args.compression):
        pass
    time.sleep(SETTLE)
    before = server.rss_bytes()
    with LoadClient(
        url, server.base_url, args.connections, args.client_processes, compression=args.compression
    ) as clients:
        opened = clients.opening_seconds
        time.sleep(SETTLE)
        after = server.rss_bytes()
        result = clients.round(1, lambda: server.publish(CITY, 1), 120)
    held = args.connections
    per_connection = (after - before) / held
    print(
        f"  {label}: {held:,} connections opened in {opened:.1f} s "
        f"({held / opened:,.0f}/s); RSS {before / 2**20:.0f} → {after / 2**20:.0f} MiB, "
        f"{per_connection / 1024:.1f} KiB per connection; one photo reached "
        f"{result.frames:,} in {result.elapsed * 1000:.0f} ms",
        flush=True,
    )
    return {
        "held": held,
        "per_connection": per_connection,
        "reached": result.frames,
        "opened_in": opened,
    }
