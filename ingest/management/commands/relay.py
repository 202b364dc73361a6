"""`manage.py relay`: Service Bus subscription → channel layer, until SIGTERM/SIGINT."""

import asyncio
import signal
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ingest.relay_service import run_relay


class Command(BaseCommand):
    help = "Relay photo events from this node's Service Bus subscription to its websockets."

    def add_arguments(self, parser):
        parser.add_argument("--liveness-file", type=Path, help="touched while the relay is alive")
        parser.add_argument(
            "--liveness-interval", type=float, default=5.0, help="seconds between touches"
        )

    def handle(self, *args, liveness_file=None, liveness_interval=5.0, **options):
        if not settings.SERVICEBUS_CONNECTION_STRING:
            raise CommandError(
                "SERVICEBUS_CONNECTION_STRING is not set: the in-process bus is relayed "
                "inside the web process, there is nothing to run here."
            )
        source = f"{settings.SERVICEBUS_TOPIC}/Subscriptions/{settings.SERVICEBUS_SUBSCRIPTION}"
        self.stdout.write(f"relaying {source} to the channel layer")
        self.stdout.flush()
        counts = asyncio.run(self._relay(liveness_file, liveness_interval))
        self.stdout.write(
            f"relay stopped: {counts.events} events in {counts.batches} batches from {source}"
        )

    async def _relay(self, liveness_file, liveness_interval):
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        return await run_relay(stop, liveness_file, liveness_interval)
