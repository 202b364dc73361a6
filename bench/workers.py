"""Workers: the project on the Redis channel layer, served by one worker process and by two.

`manage.py serve` runs one worker per core with Redis; this measures what the
second costs. Two project servers run side by side (`bench.serve --workers 1`
and `--workers 2`, each with its own Redis prefix), each with its own
browser-like clients on one city, spread by the kernel over the worker
processes. A round's photos are published once, through the trigger of
whichever process takes the request: its in-process relay sends them into the
layer, and each process's hub hands them to its pages. Reported: the server's
CPU per delivered photo (every process of it), the ratio two processes ÷ one,
and lost photos (a page on either process must get every one).
"""

import contextlib
import os
import statistics
import time

from . import loadclient, servers
from .loadclient import LoadClient, Round

CITY = "seattle"
SETTLE = 2.0  # seconds for the workers to start, or closed clients to be gone


def add_arguments(parser):
    parser.add_argument("--clients", type=int, default=1000, help="per server")
    # CPU is read in clock ticks (10 ms): at about 1 µs a frame, 200 photos to 1,000 pages
    # are some 20 ticks a round, and one tick either way per process moved the ratio by 0.2.
    parser.add_argument("--photos", type=int, default=500, help="photos per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--client-processes", type=int, default=1, help="per server")
    parser.add_argument(
        "--redis-url", default=os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    )
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per round at most")
    loadclient.add_arguments(parser)


def run(args) -> str:
    print(
        f"workers: {args.clients} clients per server on one city, {args.photos} photos x "
        f"{args.rounds} rounds, Redis pub/sub layer, 1 and 2 worker processes, clients offering "
        f"{'permessage-deflate' if args.compression else 'no compression'}",
        flush=True,
    )
    with contextlib.ExitStack() as stack:
        sides = {}
        for workers in (1, 2):
            server = stack.enter_context(
                servers.project(
                    workers=workers,
                    redis_url=args.redis_url,
                    REDIS_PREFIX=f"wzbench{os.getpid()}w{workers}",  # alone on a shared Redis
                )
            )
            clients, pages = _clients_on_every_process(server, workers, args)
            stack.callback(clients.close)
            sides[workers] = (server, clients, pages, [])
        for server, clients, _, _ in sides.values():
            clients.measure(server, CITY, 10, 30)  # warm-up
        for number in range(1, args.rounds + 1):
            for workers, (server, clients, _, results) in sides.items():
                results.append(clients.measure(server, CITY, args.photos, args.timeout))
                _print(workers, number, results[-1])
    one, two = sides[1][3], sides[2][3]
    # CPU is counted in clock ticks: the ratio of totals, not of each round's few ticks.
    ratio = _per_frame(two) / _per_frame(one) if _per_frame(one) else float("nan")
    return (
        f"workers ratio = {ratio:.2f} (server cpu per frame, 2 processes ÷ 1, "
        f"over {len(one)} paired rounds; 1 process {_summary(one)}; 2 processes "
        f"{_summary(two)}, pages {'/'.join(map(str, sides[2][2]))}; {args.clients} clients)"
    )


def _per_frame(rounds: list[Round]) -> float:
    return sum(r.server_cpu for r in rounds) / max(sum(r.frames for r in rounds), 1)


def _clients_on_every_process(server, workers: int, args, attempts: int = 10):
    """Clients with pages on every worker: one still starting takes none, so try again."""
    for _ in range(attempts):
        time.sleep(SETTLE)
        clients = LoadClient(
            server.ws_url(f"/ws/cities/{CITY}/"),
            server.base_url,
            args.clients,
            args.client_processes,
            compression=args.compression,
        ).__enter__()
        pages = sorted((n for n in server.connections_by_process().values() if n), reverse=True)
        if len(pages) == workers:
            return clients, pages
        clients.close()
    raise RuntimeError(f"pages landed on {len(pages)} of {workers} worker processes")


def _print(workers: int, number: int, result: Round) -> None:
    print(
        f"  {workers} process{'es' if workers > 1 else '  '} round {number}: server "
        f"{result.server_us_per_frame:.1f} µs/frame, {result.rate:,.0f} frames/s "
        f"(lost {result.lost}), latency p50 {result.ms(50)} p99 {result.ms(99)}",
        flush=True,
    )


def _summary(rounds: list[Round]) -> str:
    cpu = statistics.median(r.server_us_per_frame for r in rounds)
    p99 = statistics.median(r.percentile(99) for r in rounds) * 1000
    return f"{cpu:.1f} µs/frame p99 {p99:.0f} ms lost {sum(r.lost for r in rounds)}"
