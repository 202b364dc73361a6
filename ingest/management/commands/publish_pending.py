"""`manage.py publish_pending`: publish the photos the bus refused, oldest first."""

import asyncio
import signal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from ingest.outbox import publish_pending_now, run_outbox
from ingest.publish import count_pending


class Command(BaseCommand):
    help = (
        "Publish stored photos the bus has not accepted yet (the outbox), oldest first. "
        "Web processes do this every OUTBOX_INTERVAL seconds; this is the same pass by hand, "
        "or with --loop for deployments that turn the in-process outbox off."
    )

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true", help="repeat until SIGTERM/SIGINT")
        parser.add_argument(
            "--interval",
            type=float,
            default=settings.OUTBOX_INTERVAL or 10.0,
            help="seconds between passes with --loop",
        )

    def handle(self, *args, loop, interval, **options):
        if loop:
            published = asyncio.run(self._loop(interval))
            self.stdout.write(f"outbox stopped: {published} photos published")
            return
        published = publish_pending_now()
        try:
            left = count_pending()
        except DatabaseError as error:
            raise CommandError(f"database unreachable: {error}") from error
        self.stdout.write(f"published {published} photos; {left} still pending")
        if left:
            raise CommandError(f"{left} photos still pending: is the bus reachable?")

    async def _loop(self, interval):
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        self.stdout.write(f"publishing pending photos every {interval:g} s")
        self.stdout.flush()
        return await run_outbox(stop, interval)
