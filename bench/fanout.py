"""Fan-out: one city, N websocket clients, M photos a round; the project against bare `websockets`.

The project runs in one server process on a fresh SQLite database, served as
production serves it (`bench.serve`); photos enter through the bus exactly as
ingest publishes them (see `bench.asgi`) and reach the clients through relay →
channel layer → hub → consumer's send. The baseline broadcasts the same frames
to the same number of clients with `websockets.broadcast`, with the same
permessage-deflate setting. The clients behave like browsers (they offer
permessage-deflate). Both servers run side by side, each with its own client
connections, and the rounds alternate between them so that the load of a
shared machine hits both alike; the ratio is the median of the rounds' ratios.
"""

import contextlib
import os
import pstats
import statistics

from . import loadclient, servers
from .loadclient import LoadClient, Round

CITY = "seattle"


def add_arguments(parser):
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--photos", type=int, default=200, help="photos per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--client-processes", type=int, default=1, help="per server")
    parser.add_argument("--server", choices=sorted(servers.SERVER_COMMANDS), default="uvicorn")
    parser.add_argument(
        "--server-compression",
        choices=["on", "off"],
        default="off",
        help="permessage-deflate of both servers (production: off)",
    )
    parser.add_argument("--redis-url", default="", help="use the Redis channel layer at this URL")
    parser.add_argument("--redis-layer", choices=["pubsub", "core"], default="pubsub")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per round at most")
    parser.add_argument("--profile", metavar="FILE", help="cProfile the project server into FILE")
    loadclient.add_arguments(parser)


def run(args) -> str:
    layer = f"redis {args.redis_layer}" if args.redis_url else "in-memory"
    deflate = args.server_compression == "on"
    print(
        f"fan-out: {args.clients} clients on one city, {args.photos} photos x {args.rounds} "
        f"rounds, server {args.server}, layer {layer}, server compression "
        f"{args.server_compression}, clients {_offer(args)}, {args.client_processes} client "
        "process(es) per server",
        flush=True,
    )
    with contextlib.ExitStack() as stack:
        env = {"REDIS_CHANNEL_LAYER": args.redis_layer}
        if args.profile:
            env["BENCH_PROFILE"] = os.path.abspath(args.profile)
        ours = stack.enter_context(
            servers.project(args.server, compression=deflate, redis_url=args.redis_url, **env)
        )
        base = stack.enter_context(servers.baseline(compression=deflate))
        sides = [
            ("wazstagram", ours, _clients(stack, ours, f"/ws/cities/{CITY}/", args), []),
            ("baseline  ", base, _clients(stack, base, "/", args), []),
        ]
        for _, server, clients, _ in sides:
            clients.round(10, lambda server=server: server.publish(CITY, 10), 30)  # warm-up
        for number in range(1, args.rounds + 1):
            for label, server, clients, results in sides:
                results.append(_round(label, number, server, clients, args))
        if args.profile:
            ours.dump_profile()
            pstats.Stats(args.profile).sort_stats("tottime").print_stats(15)
    ours_rounds, base_rounds = sides[0][3], sides[1][3]
    ratios = [o.rate / b.rate for o, b in zip(ours_rounds, base_rounds, strict=True)]
    ratio = statistics.median(ratios)
    ours_mid, base_mid = _median_round(ours_rounds), _median_round(base_rounds)
    cpu = statistics.median(r.server_us_per_frame for r in ours_rounds)
    return (
        f"fanout ratio = {ratio:.2f} (median of {len(ratios)} paired rounds; wazstagram "
        f"{ours_mid.rate:,.0f} frames/s p50 {ours_mid.ms(50)} p99 {ours_mid.ms(99)} "
        f"lost {sum(r.lost for r in ours_rounds)}, server cpu {cpu:.1f} µs/frame, "
        f"{ours_mid.bytes_per_frame:,.0f} B/photo; baseline {base_mid.rate:,.0f} frames/s "
        f"p50 {base_mid.ms(50)} p99 {base_mid.ms(99)}, server cpu "
        f"{statistics.median(r.server_us_per_frame for r in base_rounds):.1f} µs/frame; "
        f"p99 ratio {ours_mid.percentile(99) / base_mid.percentile(99):.2f}; "
        f"{args.clients} clients)"
    )


def _offer(args) -> str:
    return "offering permessage-deflate" if args.compression else "offering no compression"


def _clients(stack, server, path, args) -> LoadClient:
    client = LoadClient(
        server.ws_url(path),
        server.base_url,
        args.clients,
        args.client_processes,
        compression=args.compression,
    )
    return stack.enter_context(client)


def _round(label, number, server, clients, args) -> Round:
    result = clients.measure(server, CITY, args.photos, args.timeout)
    print(
        f"  {label} round {number}: {result.rate:,.0f} frames/s "
        f"({result.frames:,} frames in {result.elapsed:.2f} s, lost {result.lost}), "
        f"latency p50 {result.ms(50)} p99 {result.ms(99)}; cpu per frame "
        f"server {result.server_us_per_frame:.1f} µs "
        f"client {result.client_cpu / max(result.frames, 1) * 1e6:.1f} µs; "
        f"{result.bytes_per_frame:,.0f} B/photo on the wire",
        flush=True,
    )
    return result


def _median_round(rounds: list[Round]) -> Round:
    rates = [r.rate for r in rounds]
    return rounds[rates.index(statistics.median_low(rates))]
