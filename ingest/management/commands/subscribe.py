"""manage.py subscribe [CITY ...] | --list | --delete [ID|all]"""

from django.core.management.base import BaseCommand, CommandError

from ingest.sources.instagram.client import InstagramError
from ingest.sources.instagram.subscriptions import list_subscriptions, subscribe, unsubscribe


class Command(BaseCommand):
    help = (
        "Subscribe the active cities (or those named) to Instagram geography media, "
        "list the API's subscriptions, or delete them."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "cities", nargs="*", metavar="CITY", help="city slugs (default: all active)"
        )
        action = parser.add_mutually_exclusive_group()
        action.add_argument("--list", action="store_true", help="show the API's subscriptions")
        action.add_argument(
            "--delete",
            nargs="?",
            const="all",
            metavar="ID|all",
            help="delete one subscription by id, or all of them (the default)",
        )

    def handle(self, *args, **options):
        cities, delete = options["cities"], options["delete"]
        if (options["list"] or delete) and cities:
            raise CommandError("--list and --delete take no city names")
        try:
            if options["list"]:
                return self._list()
            if delete:
                return self._delete(delete)
            return self._subscribe(cities)
        except InstagramError as error:
            raise CommandError(f"Instagram API: {error}") from None

    def _subscribe(self, cities):
        outcomes = subscribe(cities)
        width = max((len(o.city) for o in outcomes), default=0)
        for outcome in outcomes:
            style = self.style.SUCCESS if outcome.ok else self.style.ERROR
            status = style("ok    " if outcome.ok else "FAILED")
            self.stdout.write(f"{outcome.city:<{width}}  {status}  {outcome.detail}")
        failed = sum(not o.ok for o in outcomes)
        if failed:
            raise CommandError(f"{failed} of {len(outcomes)} cities not subscribed")
        self.stdout.write(f"{len(outcomes)} cities subscribed")

    def _list(self):
        fields = ("id", "city", "object", "object_id", "aspect", "callback_url")
        rows = [[str(s.get(name) or "-") for name in fields] for s in list_subscriptions()]
        table = [[name.upper().replace("_", " ") for name in fields], *rows]
        widths = [max(len(row[i]) for row in table) for i in range(len(fields))]
        for row in table:
            cells = (value.ljust(width) for value, width in zip(row, widths, strict=True))
            self.stdout.write("  ".join(cells).rstrip())
        self.stdout.write(f"{len(rows)} subscriptions")

    def _delete(self, target):
        cleared = unsubscribe(target)
        what = "all subscriptions" if target == "all" else f"subscription {target}"
        self.stdout.write(f"deleted {what}; cleared {cleared} local subscriptions")
