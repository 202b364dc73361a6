from django.urls import path

from . import desk, views, wall
from .atom import CityFeed

app_name = "feed"

urlpatterns = [
    path("", views.index, name="index"),
    path("cities/<slug:slug>/", views.city, name="city"),
    path("cities/<slug:slug>/photos.json", views.photos_json, name="photos-json"),
    path("cities/<slug:slug>/feed.atom", CityFeed(), name="atom"),
    path("cities/<slug:slug>/embed/", views.embed, name="embed"),
    path("cities/<slug:slug>/map/", views.map_page, name="map"),
    path("cities/<slug:slug>/numbers/", views.numbers, name="numbers"),
    path("cities/<slug:slug>/wall/", wall.wall, name="wall-city"),
    path("wall/", wall.wall, name="wall"),
    path("moderate/", desk.desk, name="desk"),
    path("moderate/decide/", desk.decide, name="decide"),
    path("moderate/<slug:slug>/", desk.desk, name="desk-city"),
]
