"""manage.py rundemo [--live] [--rate R] [--burst N] [--cities a,b] [--bind HOST]: `make run`.

With `--live` the site shows real photos from the live sources (Bluesky unless SOURCES
says otherwise) instead of the built-in source's.
"""

import os
from io import StringIO

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from ingest.demo.demo import DemoError, Server, check_configuration, public_port
from ingest.demo.rebase import rebase_demo_photos
from ingest.demo.simulation import NothingToSimulate, simulate

from ._signals import stop_on_signals


class Command(BaseCommand):
    help = (
        "The living demo: migrate, serve the site with daphne, subscribe the cities against "
        "the built-in source and simulate photos until Ctrl-C."
    )

    def add_arguments(self, parser):
        parser.add_argument("--rate", type=float, default=1.0, help="photos a second (1)")
        parser.add_argument(
            "--burst", type=int, default=8, help="photos made in each city at the start (8)"
        )
        parser.add_argument("--cities", default="", help="comma-separated slugs (default: all)")
        parser.add_argument(
            "--bind", default="127.0.0.1", help="address daphne listens on (127.0.0.1)"
        )
        parser.add_argument(
            "--live",
            action="store_true",
            help="real photos from Bluesky (or the SOURCES set) instead of the built-in source",
        )

    def handle(self, *args, rate, burst, cities, bind, live, **options):
        if live:
            return self.live(bind)
        try:
            check_configuration()
        except DemoError as error:
            raise CommandError(str(error)) from None
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("database migrated, cities seeded")
        if moved := rebase_demo_photos():
            self.stdout.write(f"{moved} demo photos of an earlier run now load from this address")
        server = Server(bind, public_port())
        try:
            with stop_on_signals() as stop:
                server.start(on_exit=stop.set)
                server.wait_until_up(f"{settings.PUBLIC_BASE_URL}/healthz", stop)
                if stop.is_set():
                    return
                # Start from this site's own subscriptions: a PUBLIC_BASE_URL that changed
                # since the last run would leave the source notifying a dead address.
                call_command("subscribe", "--delete", "all", stdout=StringIO())
                call_command("subscribe", stdout=self.stdout)
                url = f"{settings.PUBLIC_BASE_URL}/"
                self.stdout.write(self.style.SUCCESS(f"\n  Wazstagram is live: open {url}"))
                self.stdout.write("  Photos stream in from the built-in source; Ctrl-C stops.\n")
                progress = simulate(
                    rate,
                    [slug.strip() for slug in cities.split(",") if slug.strip()],
                    burst,
                    stop=stop,
                    report=lambda p: self.stdout.write(f"simulate: {p}  ({url})"),
                )
                crashed = server.exited()
        except (DemoError, NothingToSimulate) as error:
            raise CommandError(str(error)) from None
        finally:
            server.stop()
        self.stdout.write(
            f"stopped after {progress.elapsed:.0f} s: {progress.photos} photos made, "
            f"{progress.notifications} notifications sent, {progress.errors} errors"
        )
        if crashed:
            raise CommandError(f"daphne exited by itself (status {server.process.returncode})")

    def live(self, bind):
        """Serve the seeded cities from the live sources; the web process runs them."""
        names = os.environ.get("SOURCES") or "bluesky"
        env = {**os.environ, "SOURCES": names}
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("database migrated, cities seeded")
        server = Server(bind, public_port())
        try:
            with stop_on_signals() as stop:
                server.start(on_exit=stop.set, env=env)
                server.wait_until_up(f"{settings.PUBLIC_BASE_URL}/healthz", stop)
                url = f"{settings.PUBLIC_BASE_URL}/"
                self.stdout.write(self.style.SUCCESS(f"\n  Wazstagram is live: open {url}"))
                self.stdout.write(
                    f"  Real photos from {names}: posts tagged with a city's hashtags. "
                    "Progress lines every minute, warnings when a source cannot be reached; "
                    "Ctrl-C stops.\n"
                )
                stop.wait()
                crashed = server.exited()
        except DemoError as error:
            raise CommandError(str(error)) from None
        finally:
            server.stop()
        self.stdout.write("stopped")
        if crashed:
            raise CommandError(f"daphne exited by itself (status {server.process.returncode})")
