"""manage.py simulate [--rate R] [--cities a,b] [--burst N] [--duration S]"""

from django.core.management.base import BaseCommand, CommandError

from ingest.demo.simulation import NothingToSimulate, simulate

from ._signals import stop_on_signals


class Command(BaseCommand):
    help = (
        "Play Instagram at the built-in source: make photos in the subscribed cities and "
        "post signed Realtime notifications to their callbacks."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--rate", type=float, default=1.0, help="photos a second, all cities together (1)"
        )
        parser.add_argument(
            "--cities", default="", help="comma-separated city slugs (default: every subscribed)"
        )
        parser.add_argument(
            "--burst", type=int, default=0, help="photos made in each city at once at the start (0)"
        )
        parser.add_argument(
            "--duration", type=float, default=None, help="seconds to run (default: until Ctrl-C)"
        )

    def handle(self, *args, rate, cities, burst, duration, **options):
        if rate < 0 or burst < 0 or (duration is not None and duration < 0):
            raise CommandError("--rate, --burst and --duration cannot be negative")
        cities = [slug.strip() for slug in cities.split(",") if slug.strip()]
        with stop_on_signals() as stop:
            try:
                progress = simulate(
                    rate, cities, burst, duration, stop, report=lambda p: self.stdout.write(str(p))
                )
            except NothingToSimulate as reason:
                raise CommandError(str(reason)) from None
        self.stdout.write(
            f"simulated {progress.elapsed:.1f} s: {progress.photos} photos made, "
            f"{progress.notifications} notifications sent, {progress.errors} errors"
        )
        if progress.errors:
            raise CommandError(
                f"{progress.errors} notifications failed; last: {progress.last_error}"
            )
