"""The pages a visitor sees: index, city page and recent history as JSON."""

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, render

from .models import City, Photo

MAX_HISTORY = 100


def index(request):
    cities = City.objects.filter(active=True)
    return render(request, "feed/index.html", {"cities": cities})


def city(request, slug):
    city = get_object_or_404(City, slug=slug, active=True)
    photos = Photo.objects.visible().filter(city=city).latest_first(settings.FEED_HISTORY_SIZE)
    return render(request, "feed/city.html", {"city": city, "photos": photos})


def photos_json(request, slug):
    city = get_object_or_404(City, slug=slug, active=True)
    try:
        limit = max(1, min(int(request.GET.get("limit", 24)), MAX_HISTORY))
    except ValueError:
        limit = 24
    photos = Photo.objects.visible().filter(city=city).after(request.GET.get("after"))
    latest = list(photos.select_related("city").latest_first(limit))
    return JsonResponse({"photos": [photo.to_message() for photo in reversed(latest)]})
