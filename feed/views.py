"""The pages a visitor sees: index, city page and recent history as JSON."""

from django import forms
from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.clickjacking import xframe_options_exempt

from .groups import ALL_CITIES
from .history import cities_with_latest, latest_messages
from .models import City
from .stats import city_numbers

CARD_PHOTOS = 4
MAX_HISTORY = 100


class HistoryQuery(forms.Form):
    """The query of photos.json: `after` a photo id, at most `limit` photos."""

    after = forms.CharField(required=False, max_length=64)
    limit = forms.IntegerField(required=False, min_value=1, max_value=MAX_HISTORY)


def index(request):
    cities = cities_with_latest(CARD_PHOTOS)
    return render(
        request,
        "feed/index.html",
        {
            "cities": cities,
            "city_names": {city.slug: city.name for city, _ in cities},
            "stream": ALL_CITIES,
            "photos": latest_messages(ALL_CITIES),
        },
    )


def city(request, slug):
    city = get_object_or_404(City, slug=slug, active=True)
    return render(
        request,
        "feed/city.html",
        {
            "city": city,
            "stream": city.slug,
            "photos": latest_messages(city.slug),
            "numbers": city_numbers(city),
        },
    )


def numbers(request, slug):
    """The city's numbers alone: what an open page reloads as photos arrive."""
    city = get_object_or_404(City, slug=slug, active=True)
    return render(request, "feed/_numbers.html", {"city": city, "numbers": city_numbers(city)})


@xframe_options_exempt  # framed by EMBED_ALLOWED_ORIGINS only: its CSP says which
def embed(request, slug):
    """A compact live grid for other websites' iframes."""
    city = get_object_or_404(City, slug=slug, active=True)
    response = render(
        request,
        "feed/embed.html",
        {"city": city, "stream": city.slug, "photos": latest_messages(city.slug)},
    )
    response.frame_ancestors = settings.EMBED_ALLOWED_ORIGINS  # the CSP middleware reads it
    return response


def map_page(request, slug):
    """Every photo of the city with a location as a pin; the others listed beside the map."""
    city = get_object_or_404(City, slug=slug, active=True)
    return render(
        request,
        "feed/map.html",
        {
            "city": city,
            "stream": city.slug,
            "photos": latest_messages(city.slug),
            "map": {
                "lat": city.lat,
                "lng": city.lng,
                "radius": city.radius,
                "tiles": settings.MAP_TILE_URL,
                "attribution": settings.MAP_TILE_ATTRIBUTION,
                "city_page": reverse("feed:city", args=[city.slug]),
            },
        },
    )


def photos_json(request, slug):
    city = get_object_or_404(City, slug=slug, active=True)
    query = HistoryQuery(request.GET)
    if not query.is_valid():
        return JsonResponse({"errors": query.errors}, status=400)
    photos = latest_messages(
        city.slug,
        after=query.cleaned_data["after"] or None,
        limit=query.cleaned_data["limit"] or settings.FEED_HISTORY_SIZE,
    )
    return JsonResponse({"city": city.slug, "photos": photos})
