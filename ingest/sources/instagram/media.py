"""Turning an Instagram API media item into our photo message.

The API is input from the internet: an item that lacks what a page needs, or
whose image or thumbnail is not an http(s) URL, is dropped with a log line.
A bad profile link or avatar only blanks that field (the page then shows no
link or the default avatar); the photo itself is still worth showing.
"""

import logging
from datetime import UTC, datetime
from urllib.parse import urlsplit

from feed.photo import INSTAGRAM, PhotoMessage

logger = logging.getLogger(__name__)

MAX_URL = 1000
MAX_DIMENSION = 100_000


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
        "link": _web_url(item.get("link")) or "",
        "caption": caption_text if isinstance(caption_text, str) else None,
        "user": {
            "username": _text(user.get("username"), 100),
            "full_name": _text(user.get("full_name"), 200),
            "avatar": _web_url(user.get("profile_picture")) or "",
        },
        "location": {
            "lat": _coordinate(location.get("latitude"), 90),
            "lng": _coordinate(location.get("longitude"), 180),
            "name": _text(location.get("name"), 200),
        },
        "likes": _count(_dict(item.get("likes")).get("count")),
        "license": "",
        "created_at": _created_at(item.get("created_time")),
        "published_at": None,
    }


def _dict(value) -> dict:
    return value if isinstance(value, dict) else {}


def _web_url(value) -> str | None:
    """`value` when it is an absolute http(s) URL a page may load, else None."""
    if not isinstance(value, str) or not value or len(value) > MAX_URL:
        return None
    if any(char.isspace() or ord(char) < 32 for char in value):
        return None
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return value


def _image(image, name: str) -> dict:
    image = _dict(image)
    url = _web_url(image.get("url"))
    if url is None:
        raise _Drop(f"{name} is not an http(s) URL: {str(image.get('url'))[:80]!r}")
    return {"url": url, "width": _size(image.get("width")), "height": _size(image.get("height"))}


def _size(value) -> int:
    """A pixel size; 0 (unknown) when absent or absurd."""
    size = _count(value)
    return size if size <= MAX_DIMENSION else 0


def _count(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return 0
    try:
        number = int(value)
    except (ValueError, OverflowError):
        return 0
    return number if 0 <= number < 2**31 else 0


def _text(value, limit: int) -> str:
    return value[:limit] if isinstance(value, str) else ""


def _coordinate(value, bound: float) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if -bound <= number <= bound else None


def _created_at(value) -> str:
    try:
        seconds = int(value)
        if seconds < 0:
            raise ValueError
        moment = datetime.fromtimestamp(seconds, UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        raise _Drop(f"created_time is not Unix seconds: {str(value)[:40]!r}") from None
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
