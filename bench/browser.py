"""Browser: real Chromium's websockets against the load client's, on the same server and load.

Headless Chromium (Debian's, as tests/e2e launches it) opens N websockets to
one city from pages of the project's origin, negotiating and inflating as it
does for visitors; each message is parsed, batches expanded, and every photo
timed from its `published_at` (same machine, same clock). Bursts of photos are
published on the bus (`/_bench/publish`); then the Python load client holds as
many connections against the same server and takes the same rounds. The ratios
of server CPU per frame and of p99 show whether the load client measures what
browsers cost.
"""

import array
import contextlib
import os
import statistics
import time
from pathlib import Path

from . import servers
from .loadclient import LoadClient, Round
from .photos import BLANK_PATH

CITY = "seattle"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
# Each browser context has its own network session, and Chromium allows a session
# 255 websockets at most: pages of this many each, in contexts of their own.
PER_PAGE = 100
# The page's side: websockets opened as stream.js opens them, messages read as it reads them.
SCRIPT = """
window.bench = {
  sockets: [], frames: 0, since: Infinity, latencies: [], last: 0, closed: 0,
  open(url, n) {
    return new Promise((resolve) => {
      let settled = 0, opened = 0;
      const extensions = new Set();
      const settle = () => { if (++settled === n) resolve({opened, extensions: [...extensions]}); };
      for (let i = 0; i < n; i++) {
        const ws = new WebSocket(url);
        let open = false;
        ws.onopen = () => { open = true; opened++; extensions.add(ws.extensions); settle(); };
        ws.onclose = () => { if (open) bench.closed++; else settle(); };
        ws.onmessage = (event) => bench.receive(event.data);
        bench.sockets.push(ws);
      }
    });
  },
  receive(text) {
    const now = Date.now() / 1000;
    let message;
    try { message = JSON.parse(text); } catch (error) { return; }
    if (!message || typeof message !== "object") return;
    const frames = message.type === "batch" && Array.isArray(message.frames)
      ? message.frames : [message];
    for (const frame of frames) {
      if (frame && frame.type === "photo" && frame.photo.published_at >= bench.since) {
        bench.frames++;
        bench.latencies.push(now - frame.photo.published_at);
        bench.last = now;
      }
    }
  },
  start(since) { bench.since = since; bench.frames = 0; bench.latencies = []; bench.last = 0; },
  seen() {
    return {frames: bench.frames, latencies: bench.latencies, last: bench.last,
            closed: bench.closed};
  },
};
"""


def add_arguments(parser):
    parser.add_argument("--connections", type=int, default=300)
    parser.add_argument("--photos", type=int, default=200, help="photos per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--client-processes", type=int, default=1, help="of the load client")
    parser.add_argument("--server", choices=sorted(servers.SERVER_COMMANDS), default="uvicorn")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per round at most")
    parser.add_argument(
        "--server-compression",
        action="store_true",
        help="the server accepts permessage-deflate (production: off), so clients inflate",
    )


def run(args) -> str:
    print(
        f"browser: {args.connections} Chromium websockets on one city, then as many load-client "
        f"connections; {args.photos} photos x {args.rounds} rounds, server {args.server} "
        f"(permessage-deflate {'on' if args.server_compression else 'off'})",
        flush=True,
    )
    with servers.project(args.server, compression=args.server_compression) as server:
        browser, extensions = _browser_rounds(server, args)
        client = _client_rounds(server, args)
    b, c = _middle(browser), _middle(client)
    cpu_ratio = b.server_us_per_frame / max(c.server_us_per_frame, 1e-9)
    return (
        f"browser: Chromium {b.frames:,}/{b.expected:,} frames, lost "
        f"{sum(r.lost for r in browser)}, p50 {b.ms(50)} p99 {b.ms(99)}, server "
        f"{b.server_us_per_frame:.0f} µs/frame, client {_client_us_per_frame(b):.0f} µs/frame, "
        f"extensions {extensions}; load client lost {sum(r.lost for r in client)}, p50 "
        f"{c.ms(50)} p99 {c.ms(99)}, server {c.server_us_per_frame:.0f} µs/frame, client "
        f"{_client_us_per_frame(c):.0f} µs/frame; browser/client: server CPU per frame "
        f"{cpu_ratio:.2f}, p99 {b.percentile(99) / c.percentile(99):.2f} "
        f"({args.connections} connections, median rounds)"
    )


def _browser_rounds(server, args) -> list[Round]:
    from playwright.sync_api import sync_playwright

    url = server.ws_url(f"/ws/cities/{CITY}/")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            pages = []
            for start in range(0, args.connections, PER_PAGE):
                page = chromium.new_context().new_page()
                page.goto(server.base_url + BLANK_PATH)
                page.evaluate(SCRIPT)
                pages.append((page, min(PER_PAGE, args.connections - start)))
            opened = [
                page.evaluate("([url, n]) => bench.open(url, n)", [url, n]) for page, n in pages
            ]
            pages = [page for page, _ in pages]
            held = sum(o["opened"] for o in opened)
            extensions = sorted({e or "none" for o in opened for e in o["extensions"]})
            print(
                f"  chromium: {held} of {args.connections} websockets open, extensions "
                f"{extensions}",
                flush=True,
            )
            rounds = [
                _report("chromium    ", number, _browser_round(server, pages, held, args))
                for number in range(1, args.rounds + 1)
            ]
            return rounds, extensions
        finally:
            chromium.close()


def _browser_round(server, pages, held, args) -> Round:
    started = time.time()
    for page in pages:
        page.evaluate("(since) => bench.start(since)", started)
    result = Round(expected=args.photos * held, started=started)
    cpu, browser_cpu = server.cpu_seconds(), _children_cpu()
    server.publish(CITY, args.photos)
    deadline = time.monotonic() + args.timeout
    while time.monotonic() < deadline:
        if sum(page.evaluate("bench.frames") for page in pages) >= result.expected:
            break
        time.sleep(0.1)
    result.server_cpu = server.cpu_seconds() - cpu
    result.client_cpu = _children_cpu() - browser_cpu
    for page in pages:
        seen = page.evaluate("bench.seen()")
        result.frames += seen["frames"]
        result.last = max(result.last, seen["last"])
        result.latencies.extend(array.array("d", seen["latencies"]))
        result.closed += seen["closed"]
    return result


def _client_rounds(server, args) -> list[Round]:
    url = server.ws_url(f"/ws/cities/{CITY}/")
    with LoadClient(url, server.base_url, args.connections, args.client_processes) as clients:
        results = []
        for number in range(1, args.rounds + 1):
            result = clients.measure(server, CITY, args.photos, args.timeout)
            results.append(_report("load client ", number, result))
        return results


def _report(label, number, result: Round) -> Round:
    print(
        f"  {label} round {number}: {result.frames:,}/{result.expected:,} frames, lost "
        f"{result.lost}, latency p50 {result.ms(50)} p99 {result.ms(99)}; CPU per frame server "
        f"{result.server_us_per_frame:.0f} µs, client {_client_us_per_frame(result):.0f} µs",
        flush=True,
    )
    return result


def _client_us_per_frame(result: Round) -> float:
    return result.client_cpu / max(result.frames, 1) * 1e6


def _children_cpu() -> float:
    """CPU seconds of this process's descendants: Playwright's driver and Chromium's processes."""
    children, ticks = {}, {}
    for entry in Path("/proc").iterdir():
        with contextlib.suppress(OSError, ValueError):
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(entry.name))
            ticks[int(entry.name)] = int(fields[11]) + int(fields[12])
    total, pending = 0, list(children.get(os.getpid(), []))
    while pending:
        pid = pending.pop()
        total += ticks[pid]
        pending.extend(children.get(pid, []))
    return total / os.sysconf("SC_CLK_TCK")


def _middle(rounds: list[Round]) -> Round:
    """The round of median p99: one round, whole, rather than a mix of several."""
    p99 = [r.percentile(99) for r in rounds]
    return rounds[p99.index(statistics.median_low(p99))]


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(prog="python -m bench.browser")
    add_arguments(parser)
    print(run(parser.parse_args()))
