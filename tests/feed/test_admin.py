"""The admin's city page shows what arrived lately, linking each photo to its moderation page."""

import pytest

from feed.models import City

pytestmark = pytest.mark.django_db


def city_page(client, slug="seattle"):
    city = City.objects.get(slug=slug)
    response = client.get(f"/admin/feed/city/{city.pk}/change/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_city_page_lists_its_latest_photos_with_links_to_moderate_them(
    staff_client, make_photo
):
    photos = [make_photo("seattle") for _ in range(3)]
    other_city = make_photo("rome")
    page = city_page(staff_client)
    for photo in photos:
        assert f'src="{photo.thumbnail_url}"' in page
        assert f'href="/admin/feed/photo/{photo.pk}/change/"' in page
    assert other_city.thumbnail_url not in page


def test_the_city_page_shows_only_the_latest_dozen(staff_client, make_photo):
    photos = [make_photo("seattle") for _ in range(14)]
    page = city_page(staff_client)
    assert all(photo.thumbnail_url in page for photo in photos[2:])
    assert not any(f'src="{photo.thumbnail_url}"' in page for photo in photos[:2])


def test_captions_in_the_admin_are_text(staff_client, make_photo):
    make_photo("seattle", caption='<script>alert("x")</script>')
    page = city_page(staff_client)
    assert '<script>alert("x")</script>' not in page
    assert "&lt;script&gt;" in page


def test_a_city_without_photos_says_so(staff_client, db):
    assert "No photos yet." in city_page(staff_client, "london")
