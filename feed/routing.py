from functools import cache

from channels.auth import AuthMiddlewareStack
from django.urls import path
from django.urls.resolvers import RegexPattern, URLResolver

from .consumers import CityConsumer
from .desk import DeskConsumer

# "all" is the stream of every city (feed.groups.ALL_CITIES); no city may take that slug.
websocket_urlpatterns = [
    path("ws/cities/<slug:slug>/", CityConsumer.as_asgi(), name="city-stream"),
    # The moderation desk (staff with the moderation permission; others are closed 4403).
    # Only the desk reads the session: a public page costs no session lookup and holds no user.
    path(
        "ws/moderate/<slug:slug>/", AuthMiddlewareStack(DeskConsumer.as_asgi()), name="desk-stream"
    ),
]


@cache
def _resolver() -> URLResolver:
    return URLResolver(RegexPattern(r"^/"), websocket_urlpatterns)


def websocket_path(name: str, slug: str) -> str:
    """The path of a websocket route, from the routing itself (pages never spell it)."""
    return "/" + _resolver().reverse(name, slug=slug)
