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


@pytest.mark.django_db
def test_a_citys_hashtags_and_sources_are_edited_in_its_admin_page(staff_client):
    from ingest.models import SourceState

    rome = City.objects.get(slug="rome")
    page = staff_client.get(f"/admin/feed/city/{rome.pk}/change/").content.decode()
    assert 'value="rome, roma"' in page

    form = {f: getattr(rome, f) for f in ("name", "slug", "lat", "lng", "radius", "moderation")}
    form.update(
        {
            "active": "on",
            "hashtags": "#Roma, rome  #RomeItaly",
            "source_states-TOTAL_FORMS": 1,
            "source_states-INITIAL_FORMS": 0,
            "source_states-0-source": "bluesky",
            "source_states-0-enabled": "",
        }
    )
    response = staff_client.post(f"/admin/feed/city/{rome.pk}/change/", form)

    assert response.status_code == 302
    rome.refresh_from_db()
    assert rome.hashtags == ["roma", "rome", "romeitaly"]
    assert SourceState.objects.get(city=rome, source="bluesky").enabled is False


@pytest.mark.django_db
def test_a_hashtag_with_other_characters_is_refused(staff_client):
    rome = City.objects.get(slug="rome")
    form = {f: getattr(rome, f) for f in ("name", "slug", "lat", "lng", "radius", "moderation")}
    form.update(
        {
            "hashtags": "rome, <b>",
            "source_states-TOTAL_FORMS": 0,
            "source_states-INITIAL_FORMS": 0,
        }
    )
    response = staff_client.post(f"/admin/feed/city/{rome.pk}/change/", form)

    assert response.status_code == 200
    assert "is not a hashtag" in response.content.decode()
