"""`manage.py prune`: delete photos older than PHOTO_RETENTION_DAYS (web processes do it hourly)."""

from django.conf import settings
from django.core.management.base import BaseCommand

from feed.retention import prune


class Command(BaseCommand):
    help = "Delete photos stored more than PHOTO_RETENTION_DAYS days ago, in small batches."

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=settings.PHOTO_RETENTION_DAYS,
            help="keep this many days (default PHOTO_RETENTION_DAYS; 0 keeps everything)",
        )

    def handle(self, *args, days, **options):
        if days <= 0:
            self.stdout.write("retention off: every photo is kept")
            return
        deleted = prune(days)
        self.stdout.write(f"deleted {deleted} photos older than {days} days")
