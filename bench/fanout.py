"""Fan-out: one city, N websocket clients, M photos a round; the project against bare `websockets`.

The project runs in one server process on a fresh SQLite database; photos
enter through the bus exactly as ingest publishes them (see `bench.asgi`) and
reach the clients through relay → channel layer → consumer. The baseline
broadcasts the same frames to the same number of clients with
`websockets.broadcast`. Both are measured with the same client.
"""

import statistics

from . import servers
from .loadclient import LoadClient, Round

CITY = "seattle"


def add_arguments(parser):
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--photos", type=int, default=200, help="photos per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--client-processes", type=int, default=1)
    parser.add_argument("--server", choices=sorted(servers.SERVER_COMMANDS), default="daphne")
    parser.add_argument("--redis-url", default="", help="use the Redis channel layer at this URL")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per round at most")


def measure(server, path, args, label) -> Round:
    """Rounds against one server; the median round by throughput."""
    rounds = []
    with LoadClient(server.ws_url(path), server.base_url, args.clients, args.client_processes) as c:
        c.round(min(args.photos, 10), lambda: server.publish(CITY, min(args.photos, 10)), 30)
        for number in range(1, args.rounds + 1):
            cpu = server.cpu_seconds()
            result = c.round(args.photos, lambda: server.publish(CITY, args.photos), args.timeout)
            server_cpu = server.cpu_seconds() - cpu
            rounds.append(result)
            print(
                f"  {label} round {number}: {result.frames / result.elapsed:,.0f} frames/s "
                f"({result.frames:,} frames in {result.elapsed:.2f} s, lost {result.lost}), "
                f"latency p50 {result.percentile(50) * 1000:.0f} ms "
                f"p99 {result.percentile(99) * 1000:.0f} ms; "
                f"cpu server {server_cpu / result.elapsed:.0%} "
                f"client {result.client_cpu / result.elapsed:.0%}",
                flush=True,
            )
    throughputs = [r.frames / r.elapsed for r in rounds]
    return rounds[throughputs.index(statistics.median_low(throughputs))]


def run(args) -> str:
    print(
        f"fan-out: {args.clients} clients on one city, "
        f"{args.photos} photos x {args.rounds} rounds, "
        f"server {args.server}, layer {'redis' if args.redis_url else 'in-memory'}, "
        f"{args.client_processes} client process(es)",
        flush=True,
    )
    with servers.project(args.server, redis_url=args.redis_url) as server:
        ours = measure(server, f"/ws/cities/{CITY}/", args, "wazstagram")
    with servers.baseline() as server:
        base = measure(server, "/", args, "baseline  ")
    ours_rate, base_rate = ours.frames / ours.elapsed, base.frames / base.elapsed
    ratio = ours_rate / base_rate
    return (
        f"fanout ratio = {ratio:.2f} (wazstagram {ours_rate:,.0f} frames/s, "
        f"p50 {_ms(ours, 50)} p99 {_ms(ours, 99)}, lost {ours.lost}; "
        f"baseline {base_rate:,.0f} frames/s, p50 {_ms(base, 50)} p99 {_ms(base, 99)}; "
        f"{args.clients} clients, p99 ratio {ours.percentile(99) / base.percentile(99):.2f})"
    )


def _ms(result: Round, p: float) -> str:
    return f"{result.percentile(p) * 1000:.0f} ms"
