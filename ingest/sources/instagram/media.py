"""Turning an Instagram API media item into our photo message.

The API is input from the internet: an item that lacks what a page needs, or
whose image or thumbnail is not an http(s) URL, is dropped with a log line.
A bad profile link or avatar only blanks that field (the page then shows no
link or the default avatar); the photo itself is still worth showing.
"""

import logging
from datetime import UTC, datetime

from feed.photo import INSTAGRAM, MAX_CAPTION, PhotoMessage

from ..fields import coordinate, count, size, text, web_url

logger = logging.getLogger(__name__)


class _Drop(ValueError):
    """Why an item cannot become a photo."""


def message_from_media(item, city: str) -> PhotoMessage | None:
    """The photo message of `city` for one API media item; None (logged) when unusable."""
    try:
        return _message(item, city)
    except _Drop as reason:
        media_id = item.get("id") if isinstance(item, dict) else None
        logger.warning("media %r for %s dropped: %s", media_id, city, reason)
        return None


def to_messages(item, city: str) -> list[PhotoMessage]:
    """The source interface's form of `message_from_media`: an item is one photo or none."""
    message = message_from_media(item, city)
    return [message] if message else []


def _message(item, city: str) -> PhotoMessage:
    if not isinstance(item, dict):
        raise _Drop("not an object")
    media_id = item.get("id")
    if not isinstance(media_id, str | int) or not str(media_id) or len(str(media_id)) > 64:
        raise _Drop("no usable id")
    images = _dict(item.get("images"))
    user = _dict(item.get("user"))
    location = _dict(item.get("location"))
    caption = item.get("caption")
    caption_text = caption.get("text") if isinstance(caption, dict) else None
    return {
        "id": str(media_id),
        "city": city,
        "source": INSTAGRAM,
        "image": {**_image(images.get("standard_resolution"), "image"), "alt": ""},
        "thumbnail": _image(images.get("thumbnail"), "thumbnail"),
        "link": web_url(item.get("link")) or "",
        "caption": text(caption_text, MAX_CAPTION) or None,
        "user": {
            "username": text(user.get("username"), 100),
            "full_name": text(user.get("full_name"), 200),
            "avatar": web_url(user.get("profile_picture")) or "",
        },
        "location": {
            "lat": coordinate(location.get("latitude"), 90),
            "lng": coordinate(location.get("longitude"), 180),
            "name": text(location.get("name"), 200),
        },
        "likes": count(_dict(item.get("likes")).get("count")),
        "license": "",
        "created_at": _created_at(item.get("created_time")),
        "published_at": None,
    }


def _dict(value) -> dict:
    return value if isinstance(value, dict) else {}


def _image(image, name: str) -> dict:
    image = _dict(image)
    url = web_url(image.get("url"))
    if url is None:
        raise _Drop(f"{name} is not an http(s) URL: {str(image.get('url'))[:80]!r}")
    return {"url": url, "width": size(image.get("width")), "height": size(image.get("height"))}


def _created_at(value) -> str:
    try:
        seconds = int(value)
        if seconds < 0:
            raise ValueError
        moment = datetime.fromtimestamp(seconds, UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        raise _Drop(f"created_time is not Unix seconds: {str(value)[:40]!r}") from None
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
