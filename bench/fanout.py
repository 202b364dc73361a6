"""Fan-out: one city, N websocket clients, M photos a round; the project against bare `websockets`.

The project runs in one server process on a fresh SQLite database; photos
enter through the bus exactly as ingest publishes them (see `bench.asgi`) and
reach the clients through relay → channel layer → hub → consumer's send. The
baseline broadcasts the same frames to the same number of clients with
`websockets.broadcast`. Both servers run side by side, each with its own
client connections, and the rounds alternate between them so that the load of
a shared machine hits both alike; the ratio is the median of the rounds' ratios.
"""

import contextlib
import os
import pstats
import statistics

from . import servers
from .loadclient import LoadClient, Round

CITY = "seattle"


def add_arguments(parser):
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--photos", type=int, default=200, help="photos per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--client-processes", type=int, default=1, help="per server")
    parser.add_argument("--server", choices=sorted(servers.SERVER_COMMANDS), default="uvicorn")
    parser.add_argument("--redis-url", default="", help="use the Redis channel layer at this URL")
    parser.add_argument("--redis-layer", choices=["core", "pubsub"], default="core")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per round at most")
    parser.add_argument("--profile", metavar="FILE", help="cProfile the project server into FILE")


def run(args) -> str:
    layer = f"redis {args.redis_layer}" if args.redis_url else "in-memory"
    print(
        f"fan-out: {args.clients} clients on one city, {args.photos} photos x {args.rounds} "
        f"rounds, server {args.server}, layer {layer}, {args.client_processes} client "
        "process(es) per server",
        flush=True,
    )
    with contextlib.ExitStack() as stack:
        env = {"REDIS_CHANNEL_LAYER": args.redis_layer}
        if args.profile:
            env["BENCH_PROFILE"] = os.path.abspath(args.profile)
        ours = stack.enter_context(servers.project(args.server, redis_url=args.redis_url, **env))
        base = stack.enter_context(servers.baseline())
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
    ratios = [_rate(o) / _rate(b) for o, b in zip(ours_rounds, base_rounds, strict=True)]
    ratio = statistics.median(ratios)
    ours_mid, base_mid = _median_round(ours_rounds), _median_round(base_rounds)
    return (
        f"fanout ratio = {ratio:.2f} (median of {len(ratios)} paired rounds; wazstagram "
        f"{_rate(ours_mid):,.0f} frames/s p50 {_ms(ours_mid, 50)} p99 {_ms(ours_mid, 99)} "
        f"lost {sum(r.lost for r in ours_rounds)}; baseline {_rate(base_mid):,.0f} frames/s "
        f"p50 {_ms(base_mid, 50)} p99 {_ms(base_mid, 99)}; p99 ratio "
        f"{ours_mid.percentile(99) / base_mid.percentile(99):.2f}; {args.clients} clients)"
    )


def _clients(stack, server, path, args) -> LoadClient:
    client = LoadClient(server.ws_url(path), server.base_url, args.clients, args.client_processes)
    return stack.enter_context(client)


def _round(label, number, server, clients, args) -> Round:
    cpu = server.cpu_seconds()
    result = clients.round(args.photos, lambda: server.publish(CITY, args.photos), args.timeout)
    server_cpu = server.cpu_seconds() - cpu
    print(
        f"  {label} round {number}: {_rate(result):,.0f} frames/s "
        f"({result.frames:,} frames in {result.elapsed:.2f} s, lost {result.lost}), "
        f"latency p50 {_ms(result, 50)} p99 {_ms(result, 99)}; cpu per frame "
        f"server {server_cpu / max(result.frames, 1) * 1e6:.0f} µs "
        f"client {result.client_cpu / max(result.frames, 1) * 1e6:.0f} µs",
        flush=True,
    )
    return result


def _rate(result: Round) -> float:
    return result.frames / result.elapsed


def _median_round(rounds: list[Round]) -> Round:
    rates = [_rate(r) for r in rounds]
    return rounds[rates.index(statistics.median_low(rates))]


def _ms(result: Round, p: float) -> str:
    return f"{result.percentile(p) * 1000:.0f} ms"
