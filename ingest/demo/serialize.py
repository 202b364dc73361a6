"""The source's objects as the v1 API writes them (ARCHITECTURE.md, "Protocol facts")."""

from django.conf import settings
from django.urls import reverse

from .images import SIZES
from .models import Geography, Media, RealtimeSubscription


def subscription_json(subscription: RealtimeSubscription) -> dict:
    return {
        "id": str(subscription.pk),
        "object": "geography",
        "object_id": str(subscription.geography_id),
        "aspect": "media",
        "callback_url": subscription.callback_url,
        "type": "subscription",
    }


def media_json(media: Media) -> dict:
    """One media item of /geographies/<id>/media/recent."""
    created_time = str(int(media.created_at.timestamp()))
    images = {
        name: {"url": image_url(media.geography, media.seed, size), "width": size, "height": size}
        for size, name in SIZES.items()
    }
    user = {
        "id": str(media.user_id),
        "username": media.username,
        "full_name": media.full_name,
        "profile_picture": _absolute(reverse("instagram_source:avatar", args=[media.username])),
    }
    caption = media.caption and {
        "id": f"{media.pk}{media.user_id}",
        "text": media.caption,
        "created_time": created_time,
        "from": user,
    }
    return {
        "id": media.media_id,
        "type": "image",
        "link": images["standard_resolution"]["url"],
        "created_time": created_time,
        "images": images,
        "caption": caption or None,
        "user": user,
        "location": {
            "latitude": media.lat,
            "longitude": media.lng,
            "name": media.location_name,
            "id": media.geography_id,
        },
        "likes": {"count": media.likes, "data": []},
        "comments": {"count": 0, "data": []},
        "tags": list(media.tags),
        "filter": "Normal",
        "users_in_photo": [],
    }


def image_url(geography: Geography, seed: int, size: int) -> str:
    place = geography.place or "somewhere"
    return _absolute(reverse("instagram_source:image", args=[place, seed, size]))


def _absolute(path: str) -> str:
    """Pages only show absolute http(s) URLs: build them on the site's public address."""
    return settings.PUBLIC_BASE_URL + path
