"""Per (city, source): the on/off switch, the cursor, the last error, when it last got a photo.

Rows are created on first use; a city without a row has the source on. `city=None` is a
source's site-wide row (Bluesky reads one stream for every city).
"""

from django.db import DatabaseError, close_old_connections
from django.db.models import Exists, OuterRef
from django.utils import timezone

from feed.models import City
from wazstagram.logformat import redact

from ..models import SourceState


def cities_for(source: str):
    """Active cities the source is not switched off for."""
    off = SourceState.objects.filter(city=OuterRef("pk"), source=source, enabled=False)
    return City.objects.filter(active=True).exclude(Exists(off))


def state(source: str, city: City | None = None) -> SourceState:
    row, _ = SourceState.objects.get_or_create(city=city, source=source)
    return row


def cursor(source: str, city: City | None = None) -> str:
    return (
        SourceState.objects.filter(city=city, source=source)
        .values_list("cursor", flat=True)
        .first()
        or ""
    )


def save_cursor(source: str, city: City | None, value: str) -> None:
    _update(source, city, cursor=value)


def record_error(source: str, city: City | None, error: str) -> None:
    """Keep the error for the admin and `manage.py sources`, with no secret in it."""
    _update(source, city, last_error=redact(error)[:2000], last_error_at=timezone.now())


def record_logged_error(source: str, cities, error: str) -> None:
    """From a worker thread: keep a failure already logged, for each of `cities` (None:
    site-wide), when the database can take it; the thread's connection is closed after."""
    try:
        for city in cities:
            record_error(source, city, error)
    except DatabaseError:
        pass  # logged already; the database's own trouble is logged where it hurts
    finally:
        close_old_connections()


def record_got(source: str, city: City | None) -> None:
    """The source brought photos for `city` just now; its last error is over."""
    _update(source, city, last_got_at=timezone.now(), last_error="")


def clear_error(source: str, city: City | None) -> None:
    SourceState.objects.filter(city=city, source=source).exclude(last_error="").update(
        last_error="", updated_at=timezone.now()
    )


def _update(source: str, city: City | None, **fields) -> None:
    fields["updated_at"] = timezone.now()
    if not SourceState.objects.filter(city=city, source=source).update(**fields):
        SourceState.objects.update_or_create(city=city, source=source, defaults=fields)
