"""Compression: the project with its server's permessage-deflate off (production) and on.

Browsers offer permessage-deflate on every websocket, so whether pages get
compressed frames is the server's choice alone. Two project servers run side
by side, one with it off and one with it on, each with its own browser-like
clients on one city; rounds of photos alternate between them. For each: the
bytes a page receives on the wire per photo, the server's CPU per delivered
photo, the latency, and the memory of an idle connection (resident memory
before and after the clients connected, over their number).
"""

import contextlib
import statistics
import time

from . import loadclient, servers
from .loadclient import LoadClient, Round

CITY = "seattle"
SETTLE = 2.0  # seconds for a server to finish the last handshakes and collect garbage


def add_arguments(parser):
    parser.add_argument("--clients", type=int, default=1000, help="per server")
    parser.add_argument("--photos", type=int, default=200, help="photos per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--client-processes", type=int, default=1, help="per server")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per round at most")
    loadclient.add_arguments(parser)


def run(args) -> str:
    print(
        f"compression: {args.clients} clients per server on one city, {args.photos} photos x "
        f"{args.rounds} rounds, server permessage-deflate off and on, clients offering "
        f"{'permessage-deflate' if args.compression else 'no compression'}",
        flush=True,
    )
    with contextlib.ExitStack() as stack:
        sides = {}
        for label, deflate in (("off", False), ("on", True)):
            server = stack.enter_context(servers.project(compression=deflate))
            clients, per_connection = _connect(stack, server, args)
            sides[label] = (server, clients, per_connection, [])
        for server, clients, _, _ in sides.values():
            clients.measure(server, CITY, 10, 30)  # warm-up
        for number in range(1, args.rounds + 1):
            for label, (server, clients, _, results) in sides.items():
                results.append(clients.measure(server, CITY, args.photos, args.timeout))
                _print(label, number, results[-1])
    parts = [_summary(label, side[2], side[3]) for label, side in sides.items()]
    return f"compression: {', '.join(parts)} ({args.clients} clients, {args.photos} photos a round)"


def _connect(stack, server, args) -> tuple[LoadClient, float]:
    """The server's clients, and its memory per idle connection once they are open."""
    url = server.ws_url(f"/ws/cities/{CITY}/")
    with LoadClient(url, server.base_url, 1, compression=args.compression):
        pass
    time.sleep(SETTLE)
    before = server.rss_bytes()
    clients = stack.enter_context(
        LoadClient(
            url,
            server.base_url,
            args.clients,
            args.client_processes,
            compression=args.compression,
        )
    )
    time.sleep(SETTLE)
    return clients, (server.rss_bytes() - before) / args.clients


def _print(label: str, number: int, result: Round) -> None:
    print(
        f"  {label:3} round {number}: {result.bytes_per_frame:,.0f} B/photo on the wire, "
        f"server {result.server_us_per_frame:.1f} µs/frame, {result.rate:,.0f} frames/s "
        f"(lost {result.lost}), latency p50 {result.ms(50)} p99 {result.ms(99)}",
        flush=True,
    )


def _summary(label: str, per_connection: float, rounds: list[Round]) -> str:
    def median(value):
        return statistics.median(value(r) for r in rounds)

    return (
        f"{label} {median(lambda r: r.bytes_per_frame):,.0f} B/photo "
        f"{median(lambda r: r.server_us_per_frame):.1f} µs/frame "
        f"p50 {median(lambda r: r.percentile(50)) * 1000:.0f} ms "
        f"p99 {median(lambda r: r.percentile(99)) * 1000:.0f} ms "
        f"{per_connection / 1024:.1f} KiB/connection lost {sum(r.lost for r in rounds)}"
    )
