"""Photo messages of any source into the database and onto the bus, and posts taken back.

Runs in a worker thread of the source's runner. Storing decides who publishes: two
runners that read the same post store it once (the media id is unique), so it is shown
once.
"""

import hashlib
import logging

from feed.models import Photo
from feed.moderation import hide_photos
from feed.photo import PhotoMessage

from ..publish import store_and_publish
from . import state

logger = logging.getLogger(__name__)


def media_id(source: str, *parts) -> str:
    """A photo's id: unique per source, post, image and city, and short enough to store."""
    digest = hashlib.sha256("\n".join(str(part) for part in parts).encode()).hexdigest()
    return f"{source}:{digest[:32]}"


def take(source: str, messages: list[PhotoMessage]) -> int:
    """Store and publish `messages` (of any cities, oldest first); how many were new."""
    by_city: dict[str, list[PhotoMessage]] = {}
    for message in messages:
        by_city.setdefault(message["city"], []).append(message)
    cities = {city.slug: city for city in state.cities_for(source).filter(slug__in=by_city)}
    new = 0
    for slug, city_messages in by_city.items():
        city = cities.get(slug)
        if city is None:
            logger.info(
                "%s: %d photos for %s dropped: no such active city, or %s is off there",
                source,
                len(city_messages),
                slug,
                source,
                extra={"source": source, "city": slug},
            )
            continue
        stored, published = store_and_publish(city, city_messages)
        new += stored
        if stored:
            state.record_got(source, city)
            logger.debug(
                "%s: %d new photos for %s, %d published",
                source,
                stored,
                slug,
                published,
                extra={"source": source, "city": slug},
            )
    return new


def retract_posts(source: str, posts: list[str]) -> int:
    """Hide the photos of deleted posts; open pages drop them live. How many were hidden."""
    if not posts:
        return 0
    return hide_photos(Photo.objects.filter(source=source, post__in=posts))
