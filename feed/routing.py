from django.urls import path

from .consumers import CityConsumer

websocket_urlpatterns = [
    path("ws/cities/<slug:slug>/", CityConsumer.as_asgi()),
]
