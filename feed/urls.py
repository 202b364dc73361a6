from django.urls import path

from . import views

app_name = "feed"

urlpatterns = [
    path("", views.index, name="index"),
    path("cities/<slug:slug>/", views.city, name="city"),
    path("cities/<slug:slug>/photos.json", views.photos_json, name="photos-json"),
]
