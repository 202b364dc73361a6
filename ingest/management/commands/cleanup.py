"""`manage.py cleanup`: delete the topic's subscriptions that nobody reads any more."""

from azure.core.exceptions import AzureError
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ingest.bus.cleanup import cleanup, parse_duration, table
from ingest.bus.servicebus import ServiceBusBus


class Command(BaseCommand):
    help = (
        "List the topic's subscriptions with their runtime properties and delete the stale "
        "ones (too many pending messages, or idle too long). Never deletes this node's."
    )

    def add_arguments(self, parser):
        parser.add_argument("--max-pending", type=int, default=100)
        parser.add_argument("--max-idle", type=parse_duration, default="1h", help="e.g. 30m, 1h")
        parser.add_argument("--dry-run", action="store_true", help="only say what would go")

    def handle(self, *args, max_pending, max_idle, dry_run, **options):
        if not settings.SERVICEBUS_CONNECTION_STRING:
            raise CommandError("SERVICEBUS_CONNECTION_STRING is not set: no subscriptions.")
        topic, own = settings.SERVICEBUS_TOPIC, settings.SERVICEBUS_SUBSCRIPTION
        bus = ServiceBusBus(settings.SERVICEBUS_CONNECTION_STRING, topic, own)
        try:
            with bus.administration() as admin:
                statuses = cleanup(admin, topic, own, max_pending, max_idle, dry_run)
        except AzureError as error:
            raise CommandError(f"cleanup of {topic} failed: {error}") from error
        self.stdout.write(table(statuses))
        stale = [s.name for s in statuses if s.stale]
        verb = "would delete" if dry_run else "deleted"
        self.stdout.write(f"{verb} {len(stale)} of {len(statuses)} subscriptions of {topic}")
