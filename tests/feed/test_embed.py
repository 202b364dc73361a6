"""The embed: framable by the allowed origins only, while every other page refuses frames."""

import pytest


@pytest.mark.django_db
def test_the_embed_names_the_origins_that_may_frame_it(client, settings, make_photo):
    settings.EMBED_ALLOWED_ORIGINS = ["https://blog.example", "https://news.example"]
    photo = make_photo("seattle")

    response = client.get("/cities/seattle/embed/")

    assert response.status_code == 200 and photo.media_id in response.content.decode()
    policy = response["Content-Security-Policy"]
    assert "frame-ancestors https://blog.example https://news.example" in policy
    assert "X-Frame-Options" not in response


@pytest.mark.django_db
def test_without_allowed_origins_nothing_may_frame_it(client, settings):
    settings.EMBED_ALLOWED_ORIGINS = []
    policy = client.get("/cities/seattle/embed/")["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/cities/seattle/"])
def test_every_other_page_keeps_refusing_frames(client, settings, url):
    settings.EMBED_ALLOWED_ORIGINS = ["https://blog.example"]
    response = client.get(url)
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_an_unknown_city_has_no_embed(client):
    assert client.get("/cities/atlantis/embed/").status_code == 404
