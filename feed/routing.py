from django.urls import path

from .consumers import CityConsumer

# "all" is the stream of every city (feed.groups.ALL_CITIES); no city may take that slug.
websocket_urlpatterns = [
    path("ws/cities/<slug:slug>/", CityConsumer.as_asgi()),
]
