"""Demo photos follow the site to a new address.

The built-in source builds its image and avatar URLs on PUBLIC_BASE_URL (pages
only show absolute http(s) URLs), and stored photos keep them. After the demo
moves to another port or host, the photos an earlier run stored would show
broken images; `rundemo` points them at the current address first.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import Q
from django.urls import reverse

from feed.models import Photo

FIELDS = ("image_url", "thumbnail_url", "avatar_url")


def rebase_demo_photos() -> int:
    """Point the built-in source's URLs of stored photos at PUBLIC_BASE_URL; photos changed."""
    source = reverse("instagram_source:image", args=["x", 0, 0]).split("images/")[0]
    base = settings.PUBLIC_BASE_URL
    moved = []
    for photo in Photo.objects.filter(_any_field_contains(source)).only("pk", *FIELDS):
        changed = False
        for field in FIELDS:
            url = getattr(photo, field)
            if _is_source_url(url, source) and not url.startswith(base + source):
                setattr(photo, field, base + source + url.split(source, 1)[1])
                changed = True
        if changed:
            moved.append(photo)
    Photo.objects.bulk_update(moved, FIELDS, batch_size=500)
    return len(moved)


def _any_field_contains(text: str) -> Q:
    query = Q()
    for field in FIELDS:
        query |= Q(**{f"{field}__contains": text})
    return query


def _is_source_url(url: str, source: str) -> bool:
    """Whether `url` is one the built-in source made: its path starts with the source's."""
    return bool(url) and urlsplit(url).path.startswith(source)
