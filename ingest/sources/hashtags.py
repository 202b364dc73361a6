"""Which cities a set of hashtags reaches, from a per-process copy read every few seconds.

A stream source checks every post it reads; a database query per post would cost more
than the rest of its work. Cities and their hashtags change rarely: a change is seen
within INGEST_CITY_CACHE_SECONDS.
"""

import time

from django.conf import settings

from . import state


class CityHashtags:
    def __init__(self, source: str):
        self.source = source
        self._cities: dict[str, list[str]] = {}  # hashtag -> city slugs
        self._read_at = float("-inf")

    def due(self) -> bool:
        return time.monotonic() - self._read_at >= settings.INGEST_CITY_CACHE_SECONDS

    def refresh(self) -> None:
        """Read the cities again (a database query: call it from a worker thread)."""
        cities: dict[str, list[str]] = {}
        for slug, hashtags in state.cities_for(self.source).values_list("slug", "hashtags"):
            for hashtag in hashtags or ():
                if isinstance(hashtag, str) and hashtag:
                    cities.setdefault(normalize(hashtag), []).append(slug)
        self._cities, self._read_at = cities, time.monotonic()

    def hashtags(self) -> list[str]:
        return sorted(self._cities)

    def cities(self, hashtags) -> list[str]:
        """The slugs of the cities any of `hashtags` reaches, each once, in a stable order."""
        found: dict[str, None] = {}
        for hashtag in hashtags:
            for slug in self._cities.get(normalize(hashtag), ()):
                found[slug] = None
        return list(found)


def normalize(hashtag: str) -> str:
    """Hashtags match case-insensitively, with or without their '#'."""
    return hashtag.strip().lstrip("#").casefold()
