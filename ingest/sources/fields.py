"""Reading fields of items from the internet: wrong types and absurd values become blanks.

Every source's items are hostile input. What a page shows must be the right type and an
http(s) URL where it is a URL; a field that is not is blanked, never passed on.
"""

from datetime import UTC, datetime
from urllib.parse import urlsplit

MAX_URL = 1000
MAX_DIMENSION = 100_000


def web_url(value) -> str | None:
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


def size(value) -> int:
    """A pixel size; 0 (unknown) when absent or absurd."""
    pixels = count(value)
    return pixels if pixels <= MAX_DIMENSION else 0


def count(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return 0
    try:
        number = int(value)
    except (ValueError, OverflowError):
        return 0
    return number if 0 <= number < 2**31 else 0


def text(value, limit: int) -> str:
    return value[:limit] if isinstance(value, str) else ""


def coordinate(value, bound: float) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if -bound <= number <= bound else None


def utc(moment: datetime) -> str:
    """The photo message's form of a time: ISO 8601 in UTC, to the second."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_time(value) -> datetime | None:
    """An ISO 8601 time with a zone (as Bluesky and Mastodon write them), else None."""
    if not isinstance(value, str) or len(value) > 64:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else None
