"""The photos a page lacks: what a fresh visitor, a reconnecting page or an API client gets."""

from django.conf import settings

from wazstagram.metrics import HISTORY_QUERIES

from .groups import ALL_CITIES
from .models import City, Photo


def city_is_live(slug: str) -> bool:
    """Whether `slug` names a stream a visitor may watch (an active city, or all of them)."""
    return slug == ALL_CITIES or City.objects.filter(slug=slug, active=True).exists()


def latest_messages(slug: str, after: str | None = None, limit: int | None = None) -> list[dict]:
    """Messages of the latest visible photos of a stream stored after `after`, oldest first."""
    HISTORY_QUERIES.inc()
    photos = Photo.objects.visible().select_related("city").after(after)
    if slug != ALL_CITIES:
        photos = photos.filter(city__slug=slug)
    latest = list(photos.latest_first(limit or settings.FEED_HISTORY_SIZE))
    if after is None:  # a fresh page: its pinned photos too, however old
        shown = {photo.pk for photo in latest}
        latest += [
            photo for photo in photos.filter(pinned_at__isnull=False) if photo.pk not in shown
        ]
    messages = [photo.to_message() for photo in reversed(latest)]
    # Pinned ones last: pages show the newest first, and pinned photos before all of them.
    messages.sort(key=lambda message: message["pinned"])
    return messages


def cities_with_latest(per_city: int) -> list[tuple[City, list[dict]]]:
    """Every active city with the messages of its latest visible photos, newest first."""
    return [
        (city, [photo.to_message() for photo in city.photos.visible().latest_first(per_city)])
        for city in City.objects.filter(active=True)
    ]
