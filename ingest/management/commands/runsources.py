"""`manage.py runsources`: the poll and stream sources of SOURCES, until SIGTERM/SIGINT."""

import asyncio
import signal
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ingest import sources
from ingest.sources.runner import describe, run_sources


class Command(BaseCommand):
    help = "Read the poll and stream sources of SOURCES (Bluesky, Mastodon, Flickr) into the site."

    def add_arguments(self, parser):
        parser.add_argument("--liveness-file", type=Path, help="touched while the runner is alive")
        parser.add_argument(
            "--liveness-interval", type=float, default=5.0, help="seconds between touches"
        )
        parser.add_argument(
            "--report-interval", type=float, default=60.0, help="seconds between progress lines"
        )

    def handle(self, *args, liveness_file=None, liveness_interval=5.0, report_interval=60.0, **_):
        if not settings.SERVICEBUS_CONNECTION_STRING:
            raise CommandError(
                "SERVICEBUS_CONNECTION_STRING is not set: the in-process bus reaches no other "
                "process, so the web process runs the sources itself (SOURCES_IN_PROCESS)."
            )
        running = sources.runnable()
        if not running:
            raise CommandError(
                "SOURCES has no poll or stream source (bluesky, mastodon, flickr); "
                "instagram is pushed to the web process's callback."
            )
        names = ", ".join(source.name for source in running)
        self.stdout.write(f"reading {names}; Ctrl-C or SIGTERM stops")
        self.stdout.flush()
        counts = asyncio.run(self._run(running, report_interval, liveness_file, liveness_interval))
        for name, total in counts.items():
            self.stdout.write(f"{name} stopped: {describe(total)}")

    async def _run(self, running, report_interval, liveness_file, liveness_interval):
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        return await run_sources(running, stop, report_interval, liveness_file, liveness_interval)
