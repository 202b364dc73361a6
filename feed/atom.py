"""An Atom feed per city (`/cities/<slug>/feed.atom`) for people who follow feeds.

The latest visible photos only: hidden and waiting ones are never in it. Entries link to
the photo's permalink at its source; the summary is the caption as text.
"""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from .models import City, Photo

ENTRIES = 50


class CityFeed(Feed):
    feed_type = Atom1Feed

    def get_object(self, request, slug):
        return get_object_or_404(City, slug=slug, active=True)

    def title(self, city):
        return f"{city.name} · Wazstagram"

    def link(self, city):
        return reverse("feed:city", args=[city.slug])

    def subtitle(self, city):
        return f"The latest photos posted in {city.name}"

    def items(self, city):
        return city.photos.visible().order_by("-pk")[:ENTRIES]

    def item_title(self, photo: Photo):
        author = photo.full_name or photo.username or "someone"
        return f"{author} on {photo.source}"

    def item_description(self, photo: Photo):
        return photo.caption or ""

    def item_link(self, photo: Photo):
        page = f"{settings.PUBLIC_BASE_URL}{self.link(photo.city)}"
        return photo.link or f"{page}#photo-{photo.media_id}"

    def item_guid(self, photo: Photo):
        return f"{settings.PUBLIC_BASE_URL}/photos/{photo.media_id}"

    item_guid_is_permalink = False

    def item_pubdate(self, photo: Photo):
        return photo.created_at

    def item_updateddate(self, photo: Photo):
        return photo.stored_at

    def item_author_name(self, photo: Photo):
        return photo.full_name or photo.username

    def item_enclosure_url(self, photo: Photo):
        return photo.image_url

    item_enclosure_mime_type = "image/jpeg"
    item_enclosure_length = 0
