"""`manage.py sources`: per city and source, whether it is on, its cursor and how it goes."""

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from feed.models import City
from feed.photo import SOURCE_NAMES
from ingest.models import SourceState, Subscription

COLUMNS = ("city", "source", "on", "cursor", "last photo", "last error")
MAX_CELL = 40


class Command(BaseCommand):
    help = "Print every source's state per city: switch, cursor, last photo, last error."

    def handle(self, *args, **options):
        running = [name for name in settings.SOURCES if name in SOURCE_NAMES]
        self.stdout.write(f"SOURCES: {', '.join(running) or '(none)'}")
        self._table(list(self._rows(running)))

    def _rows(self, running):
        states = {(s.city_id, s.source): s for s in SourceState.objects.all()}
        instagram = {s.city_id: s for s in Subscription.objects.all()}
        for source in running:
            if (site_wide := states.get((None, source))) is not None:
                yield _row("(every city)", source, site_wide, site_wide.cursor)
            for city in City.objects.filter(active=True):
                row = states.get((city.pk, source))
                cursor = row.cursor if row else ""
                if source == "instagram" and city.pk in instagram:
                    cursor = instagram[city.pk].cursor
                yield _row(city.slug, source, row, cursor)

    def _table(self, rows):
        widths = [max([len(c)] + [len(r[i]) for r in rows]) for i, c in enumerate(COLUMNS)]
        for line in [COLUMNS, *rows]:
            self.stdout.write(
                "  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip()
            )


def _row(city: str, source: str, state: SourceState | None, cursor: str) -> tuple:
    return (
        city,
        source,
        "no" if state and not state.enabled else "yes",
        _clip(cursor) or "-",
        _ago(state.last_got_at) if state else "never",
        _clip(state.last_error) if state and state.last_error else "-",
    )


def _ago(moment) -> str:
    if moment is None:
        return "never"
    seconds = int((timezone.now() - moment).total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds // size} {unit} ago"
    return f"{seconds} s ago"


def _clip(value: str) -> str:
    value = " ".join(value.split())
    return value if len(value) <= MAX_CELL else value[: MAX_CELL - 1] + "…"
