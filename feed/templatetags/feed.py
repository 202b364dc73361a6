"""Template filters that keep user data from becoming markup or script."""

from urllib.parse import urlsplit

from django import template

register = template.Library()


@register.filter
def http_url(value):
    """The URL when it is an absolute http(s) URL, else "" (never javascript:, data:…)."""
    if not isinstance(value, str):
        return ""
    value = value.strip()
    try:
        parts = urlsplit(value)
    except ValueError:
        return ""
    return value if parts.scheme in ("http", "https") and parts.netloc else ""


@register.filter
def item(mapping, key):
    """`mapping[key]`, or "" when absent (a city's name by its slug)."""
    return mapping.get(key, "") if hasattr(mapping, "get") else ""


@register.simple_tag
def websocket_path(name, slug):
    """`{% websocket_path "city-stream" stream %}`: a websocket route's path (feed/routing.py)."""
    from feed.routing import websocket_path

    return websocket_path(name, slug)
