"""Reconnect storm: every page of one server process closed at once, coming back and resuming.

10,000 pages (bench.storm: they back off, reconnect and resume as stream.js
does) hold one city on one project process. Once all have their history, all
are closed at once: first by the hub's 4012 (as after a channel-layer outage,
`/_bench/interrupt`), then by a server restart on the same port. Photos keep
arriving meanwhile, stored and published through ingest's intake, so a page
that was away can only have them by resuming from the database. Reported: how
long until every page is back with every photo (and pages that missed any),
reconnect attempts, and the database history reads a second during the storm
(`wazstagram_history_queries_total` on /metrics, sampled every second).
"""

import contextlib
import json
import os
import pstats
import re
import socket
import subprocess
import threading
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

from . import loadclient, servers
from .photos import INTERRUPT_PATH, STORE_PATH
from .storm import STABLE_AFTER, Pages

CITY = "seattle"
HISTORY = 24  # photos stored before the pages connect: their opening history
TARGET_SECONDS = 15.0  # the targets: every page back and resumed within 15 s,
TARGET_QUERIES = 1.0  # and at most one history query a second per city and process
QUERIES = re.compile(r"^wazstagram_history_queries_total (\S+)$", re.MULTILINE)


def add_arguments(parser):
    parser.add_argument("--pages", type=int, default=10_000)
    parser.add_argument("--client-processes", type=int, default=4)
    parser.add_argument("--rate", type=float, default=3.0, help="photos stored a second")
    loadclient.add_arguments(parser)  # --no-compression: pages offer no permessage-deflate
    parser.add_argument("--phases", choices=["4012", "restart", "both"], default="both")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per phase at most")
    parser.add_argument("--server", choices=sorted(servers.SERVER_COMMANDS), default="uvicorn")
    parser.add_argument("--redis-url", default="", help="use the Redis channel layer at this URL")
    parser.add_argument("--profile", metavar="FILE", help="cProfile the (last) server into FILE")


def run(args) -> str:
    loadclient.raise_open_files_limit(args.pages + 1024)  # the server inherits it
    phases = {"4012": ["4012"], "restart": ["restart"], "both": ["4012", "restart"]}[args.phases]
    print(
        f"reconnect: {args.pages:,} pages on one process, server {args.server}, "
        f"{args.client_processes} client processes, {args.rate:g} photos/s, "
        f"{'deflate offered' if args.compression else 'no compression offered'}; targets: "
        f"all back and resumed within {TARGET_SECONDS:g} s, at most {TARGET_QUERIES:g} history "
        "query/s per city per process",
        flush=True,
    )
    env = {"REDIS_PREFIX": f"wzstorm{time.time_ns() % 10**9}"} if args.redis_url else {}
    if args.profile:
        env["BENCH_PROFILE"] = os.path.abspath(args.profile)
    summaries = []
    with servers.project(args.server, redis_url=args.redis_url, **env) as server:
        with _restartable(server) as restart:
            _store(server, HISTORY)
            url = server.ws_url(f"/ws/cities/{CITY}/")
            with Pages(
                url, server.base_url, args.pages, args.client_processes, args.compression
            ) as pages:
                _wait(lambda: pages.caught_up()[0] == args.pages, 600)
                for number, phase in enumerate(phases):
                    if number:
                        time.sleep(STABLE_AFTER)  # long-lived again: back-off starts afresh
                    close = (lambda: _get(server, INTERRUPT_PATH)) if phase == "4012" else restart
                    summaries.append(_phase(phase, server, pages, close, args))
            if args.profile:
                server.dump_profile()
                pstats.Stats(args.profile).sort_stats("tottime").print_stats(20)
    return (
        f"reconnect: {args.pages:,} pages, "
        + "; ".join(summaries)
        + (f" (targets {TARGET_SECONDS:g} s, ≤ {TARGET_QUERIES:g} query/s per city per process)")
    )


def _phase(name, server, pages, close, args) -> str:
    label = "hub 4012" if name == "4012" else "restart"
    with _Sampler(server) as queries, _Publisher(server, args.rate) as publisher:
        time.sleep(1.0)  # a few photos arrive live first
        pages.mark()
        process, cpu, overflows = server.process, server.cpu_seconds(), _listen_overflows()
        closed_at = time.time()
        close()
        with contextlib.suppress(TimeoutError):
            _wait(lambda: pages.caught_up(closed_at)[0] == args.pages, args.timeout)
        # A restarted server's CPU counts from its start (start-up included).
        cpu = server.cpu_seconds() - (cpu if server.process is process else 0.0)
        overflows = _listen_overflows() - overflows
    published = publisher.published
    ids = tuple(photo_id for photo_id, _ in published)
    with contextlib.suppress(TimeoutError):
        _wait(lambda: pages.caught_up(closed_at, ids)[1] == args.pages, 30)
    result = pages.judge(published, closed_at)
    back = result["back"]
    every = back[-1] if len(back) == args.pages else float("nan")
    within = sum(seconds <= TARGET_SECONDS for seconds in back)
    print(
        f"  {label}: {len(back):,} of {args.pages:,} back and resumed, all in {every:.1f} s "
        f"(p50 {_at(back, 50):.1f} s, p99 {_at(back, 99):.1f} s; {within:,} within "
        f"{TARGET_SECONDS:g} s), {result['missed_pages']} missed ({result['missed_photos']} "
        f"photos of {len(published)} published); {result['attempts']:,} reconnect attempts "
        f"({result['failed']:,} failed, {overflows:,} listen-queue overflows, machine-wide); "
        f"history queries max {queries.peak:,.0f}/s, {queries.total:,.0f} in all (target "
        f"≤ {TARGET_QUERIES:g}/s); server CPU {cpu:.1f} s ({cpu / args.pages * 1000:.1f} ms "
        f"a page), client CPU {result['cpu']:.1f} s",
        flush=True,
    )
    return (
        f"{label}: all back in {every:.1f} s, {result['missed_pages']} missed, "
        f"{result['attempts']:,} attempts, history queries max {queries.peak:,.0f}/s "
        f"{queries.total:,.0f} total"
    )


def _listen_overflows() -> int:
    """The kernel's count of connections refused by a full accept queue (machine-wide)."""
    names, values = [
        line.split()
        for line in Path("/proc/net/netstat").read_text().splitlines()
        if line.startswith("TcpExt:")
    ]
    return int(values[names.index("ListenOverflows")])


@contextlib.contextmanager
def _restartable(server):
    """A `restart()` stopping the server and starting its command again on its port and database."""
    original = server.process
    command = list(original.args)
    at = command.index("--fd") + 1

    def restart():
        servers.stop(server.process, 10)
        with socket.socket() as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((servers.HOST, server.port))
            sock.listen(4096)
            sock.set_inheritable(True)
            command[at] = str(sock.fileno())
            server.process = subprocess.Popen(
                command, cwd=servers.ROOT, env=server.env, pass_fds=(sock.fileno(),)
            )

    try:
        yield restart
    finally:
        if server.process is not original:
            servers.stop(server.process, 10)


class _WhileOpen(threading.Thread):
    """A thread that runs while its `with` block does; `_done` is set on leaving it."""

    def __init__(self, server):
        super().__init__(daemon=True)
        self.server = server
        self._done = threading.Event()

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self._done.set()
        self.join()


class _Publisher(_WhileOpen):
    """Stores a photo every 1/rate seconds while open; what was published and when."""

    def __init__(self, server, rate: float):
        super().__init__(server)
        self.interval = 1 / rate
        self.published: list[tuple[str, float]] = []

    def run(self):
        while not self._done.wait(self.interval):
            with contextlib.suppress(OSError):  # the server is restarting
                answer = _store(self.server, 1)
                self.published += [(i, answer["published_at"]) for i in answer["ids"]]


class _Sampler(_WhileOpen):
    """Reads the history query counter every second: the peak rate and the total."""

    def __init__(self, server):
        super().__init__(server)
        self.peak = self.total = 0.0

    def run(self):
        last = None
        while True:
            try:
                reading = (time.monotonic(), self._read())
            except OSError:  # restarting, or too busy to answer within the second
                reading = None
            if reading and last:
                # A restarted process counts from zero.
                delta = reading[1] - last[1] if reading[1] >= last[1] else reading[1]
                self.total += delta
                self.peak = max(self.peak, delta / (reading[0] - last[0]))
            last = reading or last
            if self._done.wait(1.0):
                return

    def _read(self) -> float:
        match = QUERIES.search(_get(self.server, "/metrics", timeout=5).decode())
        return float(match.group(1)) if match else 0.0


def _store(server, count: int) -> dict:
    query = urlencode({"city": CITY, "count": count})
    return json.loads(_get(server, f"{STORE_PATH}?{query}"))


def _get(server, path: str, timeout: float = 30) -> bytes:
    with urllib.request.urlopen(f"{server.base_url}{path}", timeout=timeout) as response:
        return response.read()


def _wait(condition, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"not so after {timeout:g} s")
        time.sleep(0.5)


def _at(ordered: list[float], p: float) -> float:
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(prog="python -m bench.reconnect")
    add_arguments(parser)
    print(run(parser.parse_args()))
