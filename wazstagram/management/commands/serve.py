"""`manage.py serve`: a web node, served by uvicorn the way production needs it.

- Websocket messages over FEED_CLIENT_MAX_FRAME are refused by the server as their
  header arrives (close 1009), before it buffers them: uvicorn's own limit is 16 MiB.
- websockets' sans-I/O protocol, lightened (wazstagram/leanwebsocket.py): the least memory
  per idle page.
- permessage-deflate is off: browsers offer it, and it doubles the memory of an idle
  page and the CPU of every frame sent (README, Performance).
- Client addresses come from the application's reading of X-Forwarded-For and
  Forwarded behind TRUSTED_PROXIES (wazstagram/clientaddress.py), so uvicorn's own
  proxy headers are off; Django reads X-Forwarded-Proto (SECURE_PROXY_SSL_HEADER).
- One worker process per core when the channel layer is Redis (the in-memory layer
  reaches one process only); their metrics are added up (prometheus-client's
  multiprocess mode).
- SIGTERM stops accepting, closes open pages with 1012 (service restart: they reconnect,
  to another node when this one is gone) and waits up to --graceful seconds.
"""

import os
import shutil
import tempfile

import uvicorn
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from wazstagram.leanwebsocket import LeanWebSocketProtocol


class Command(BaseCommand):
    help = "Serve a web node (pages, ingest, websockets) with uvicorn, as production runs it."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--workers",
            type=int,
            default=0,
            help="server processes (default: one per core with REDIS_URL, else 1)",
        )
        parser.add_argument(
            "--graceful", type=float, default=10.0, help="seconds SIGTERM waits for requests"
        )

    def handle(self, *args, host, port, workers, graceful, **options):
        if not workers:
            workers = (os.cpu_count() or 1) if settings.REDIS_URL else 1
        if workers > 1 and not settings.REDIS_URL:
            raise CommandError(
                "several workers need REDIS_URL: the in-memory channel layer reaches one process"
            )
        self.stdout.write(
            f"serving on http://{host}:{port} with {workers} worker(s), websocket messages "
            f"up to {settings.FEED_CLIENT_MAX_FRAME} bytes"
        )
        self.stdout.flush()
        options = options_for(host, port, workers, graceful)
        if workers == 1:
            uvicorn.run("wazstagram.asgi:application", **options)
            return
        # Each worker counts in files of this directory; /metrics adds them up.
        metrics = tempfile.mkdtemp(prefix="wazstagram-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics
        try:
            uvicorn.run("wazstagram.asgi:application", **options)
        finally:
            shutil.rmtree(metrics, ignore_errors=True)


BACKLOG = 16384


def options_for(host: str, port: int, workers: int, graceful: float) -> dict:
    """uvicorn's options for a web node (the tests read them too)."""
    return {
        "host": host,
        "port": port,
        "workers": workers,
        "lifespan": "off",
        # websockets' sans-I/O protocol: no tasks of its own per page (pings are timers),
        # it pushes back on a stalled socket the same way as the legacy one; in the
        # lighter form of wazstagram/leanwebsocket.py it keeps no queue, event or
        # handshake request per idle page (16 KiB a page instead of 28, README).
        "ws": LeanWebSocketProtocol,
        "ws_max_size": settings.FEED_CLIENT_MAX_FRAME,
        "ws_per_message_deflate": False,
        "proxy_headers": False,
        "server_header": False,
        "timeout_graceful_shutdown": graceful,
        # A reconnect storm: thousands of pages knock at once; a full queue drops their SYNs
        # and the retries come seconds later (the kernel caps it at net.core.somaxconn).
        "backlog": BACKLOG,
        "access_log": False,
        "log_config": None,  # Django's LOGGING stays in charge
    }
