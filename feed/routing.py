from django.urls import path

from .consumers import CityConsumer
from .desk import DeskConsumer

# "all" is the stream of every city (feed.groups.ALL_CITIES); no city may take that slug.
websocket_urlpatterns = [
    path("ws/cities/<slug:slug>/", CityConsumer.as_asgi()),
    # The moderation desk (staff with the moderation permission; others are closed 4403).
    path("ws/moderate/<slug:slug>/", DeskConsumer.as_asgi()),
]
