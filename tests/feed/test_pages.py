"""The pages a visitor opens, through the Django test client."""

import json
import re

import pytest

from feed.models import City

pytestmark = pytest.mark.django_db


def initial_photos(response):
    """The photos a page hands its script (the json_script block)."""
    match = re.search(
        r'<script id="initial-photos" type="application/json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    return json.loads(match.group(1))


def tile_ids(response):
    return re.findall(r'<li class="tile" data-id="([^"]+)"', response.content.decode())


def test_index_lists_every_active_city_with_its_latest_photos(client, make_photo):
    City.objects.filter(slug="rome").update(active=False)
    older = make_photo("london")
    newer = make_photo("london")
    hidden = make_photo("london", hidden=True)

    response = client.get("/")

    assert response.status_code == 200
    page = response.content.decode()
    for city in City.objects.filter(active=True):
        assert f'href="/cities/{city.slug}/"' in page
        assert city.name in page
    assert "/cities/rome/" not in page
    card = page[page.index('data-city="london"') : page.index('data-city="los-angeles"')]
    assert card.index(newer.thumbnail_url) < card.index(older.thumbnail_url)
    assert hidden.thumbnail_url not in page
    assert 'data-ws-path="/ws/cities/all/"' in page


def test_index_stream_starts_with_the_latest_photos_of_every_city(client, make_photo):
    seattle, london = make_photo("seattle"), make_photo("london")

    response = client.get("/")

    assert tile_ids(response) == [london.media_id, seattle.media_id]
    assert [photo["id"] for photo in initial_photos(response)] == [
        seattle.media_id,
        london.media_id,
    ]


def test_city_page_renders_the_latest_visible_photos_newest_first(client, make_photo):
    first, second = make_photo("seattle"), make_photo("seattle")
    make_photo("seattle", hidden=True)
    make_photo("london")

    response = client.get("/cities/seattle/")

    assert response.status_code == 200
    assert "<h1>Seattle</h1>" in response.content.decode()
    assert tile_ids(response) == [second.media_id, first.media_id]
    assert initial_photos(response) == [first.to_message(), second.to_message()]
    assert 'data-ws-path="/ws/cities/seattle/"' in response.content.decode()


def test_city_page_without_photos_says_it_is_waiting(client, db):
    response = client.get("/cities/rome/")

    assert response.status_code == 200
    assert "Waiting for the first photo" in response.content.decode()


@pytest.mark.parametrize("path", ["/cities/atlantis/", "/cities/inactive/"])
def test_unknown_or_inactive_city_is_a_styled_404(client, db, path):
    City.objects.filter(slug="rome").update(slug="inactive", active=False)

    response = client.get(path)

    assert response.status_code == 404
    page = response.content.decode()
    assert "Nothing is being photographed here" in page
    assert "feed/style.css" in page


def test_user_text_is_shown_as_text_never_as_markup(client, make_photo):
    make_photo(
        "seattle",
        caption='<script>alert("caption")</script><img src=x onerror=alert(1)>',
        location_name="<b>Pike</b>",
    )

    page = client.get("/cities/seattle/").content.decode()

    assert "<script>alert" not in page
    assert "<img src=x" not in page
    assert "&lt;script&gt;alert" in page  # the tile's alt text, escaped
    assert "\\u003Cscript\\u003Ealert" in page  # the JSON handed to the script, escaped


def test_only_http_image_urls_reach_the_page(client, make_photo):
    make_photo("seattle", thumbnail_url="javascript:alert(1)")
    make_photo("london", thumbnail_url="data:image/svg+xml,<svg onload=alert(1)>")

    for path in ["/cities/seattle/", "/cities/london/", "/"]:
        page = client.get(path).content.decode()
        assert 'src="javascript:' not in page
        assert 'src="data:' not in page


def test_pages_send_a_content_security_policy_without_inline_script(client, make_photo):
    make_photo("seattle")

    for path in ["/", "/cities/seattle/", "/cities/atlantis/"]:
        response = client.get(path)
        policy = response["Content-Security-Policy"]
        assert "default-src 'self'" in policy
        assert "script-src 'self';" in policy
        assert "img-src 'self' https: http:" in policy
        assert "connect-src 'self' ws://testserver wss://testserver" in policy
        scripts = re.findall(r"<script([^>]*)>", response.content.decode())
        assert all("src=" in attrs or 'type="application/json"' in attrs for attrs in scripts)


async def test_static_files_are_served_by_the_app(async_client):
    response = await async_client.get("/static/feed/city.js")

    assert response.status_code == 200
    assert b"connectStream" in b"".join([chunk async for chunk in response.streaming_content])


# photos.json -----------------------------------------------------------------


def test_photos_json_is_the_latest_visible_photos_oldest_first(client, make_photo):
    first, second = make_photo("seattle"), make_photo("seattle")
    make_photo("seattle", hidden=True)
    make_photo("london")

    response = client.get("/cities/seattle/photos.json")

    assert response.status_code == 200
    assert response.json() == {
        "city": "seattle",
        "photos": [first.to_message(), second.to_message()],
    }


def test_photos_json_after_and_limit(client, make_photo):
    photos = [make_photo("seattle") for _ in range(5)]

    after = client.get(f"/cities/seattle/photos.json?after={photos[1].media_id}").json()
    limited = client.get(f"/cities/seattle/photos.json?after={photos[1].media_id}&limit=2").json()

    assert [p["id"] for p in after["photos"]] == [p.media_id for p in photos[2:]]
    assert [p["id"] for p in limited["photos"]] == [p.media_id for p in photos[3:]]


@pytest.mark.parametrize("query", ["limit=0", "limit=101", "limit=ten", "after=" + "9" * 65])
def test_photos_json_refuses_bad_parameters(client, db, query):
    response = client.get(f"/cities/seattle/photos.json?{query}")

    assert response.status_code == 400
    assert set(response.json()["errors"]) <= {"limit", "after"}


def test_photos_json_of_an_unknown_city_is_404(client, db):
    assert client.get("/cities/atlantis/photos.json").status_code == 404


@pytest.mark.django_db
def test_the_photo_message_carries_its_source_alt_text_and_licence(client, make_photo):
    make_photo("seattle", source="flickr", image_alt="The ferry at dusk", license="CC BY 2.0")
    photo = client.get("/cities/seattle/photos.json").json()["photos"][0]
    assert photo["source"] == "flickr"
    assert photo["image"]["alt"] == "The ferry at dusk"
    assert photo["license"] == "CC BY 2.0"
