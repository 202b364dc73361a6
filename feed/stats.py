"""The numbers people look at, per city: photos per hour over the last day, and the day's
top contributors and hashtags. Drawn on the server (the chart is SVG): no chart library.
"""

import re
from collections import Counter
from datetime import timedelta

from django.db.models import Count
from django.db.models.functions import TruncHour
from django.utils import timezone

from .models import City

HOURS = 24
TOP = 5
HASHTAG = re.compile(r"(?<![\w#])#(\w{1,50})")
WIDTH, HEIGHT = 480, 120


def city_numbers(city: City) -> dict:
    """Hourly counts (oldest first), a drawn chart, the top contributors and hashtags."""
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    since = now - timedelta(hours=HOURS - 1)
    shown = city.photos.visible().filter(stored_at__gte=since)
    by_hour = dict(
        shown.annotate(hour=TruncHour("stored_at")).values_list("hour").annotate(n=Count("pk"))
    )
    hours = [since + timedelta(hours=n) for n in range(HOURS)]
    counts = [by_hour.get(hour, 0) for hour in hours]
    day = shown.filter(stored_at__gte=now - timedelta(hours=23))
    authors = Counter(
        name for name in day.exclude(username="").values_list("username", flat=True)
    ).most_common(TOP)
    hashtags = Counter(
        tag.casefold()
        for caption in day.exclude(caption=None).values_list("caption", flat=True)
        for tag in HASHTAG.findall(caption)
    ).most_common(TOP)
    return {
        "counts": counts,
        "total": sum(counts),
        "bars": _bars(counts),
        "width": WIDTH,
        "height": HEIGHT,
        "first_hour": hours[0],
        "contributors": authors,
        "hashtags": hashtags,
    }


def _bars(counts: list[int]) -> list[dict]:
    """One bar per hour, scaled to the busiest hour."""
    top = max(counts) or 1
    step = WIDTH / len(counts)
    return [
        {
            "x": round(index * step + 1, 1),
            "width": round(step - 2, 1),
            "height": round(count / top * (HEIGHT - 14), 1),
            "y": round(HEIGHT - count / top * (HEIGHT - 14), 1),
            "count": count,
        }
        for index, count in enumerate(counts)
    ]
