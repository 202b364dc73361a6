"""The wall's page: configured by its address, a QR code to the city page drawn on the server."""

import pytest
import segno


@pytest.mark.django_db
def test_the_wall_carries_its_options_and_a_qr_code_of_the_city_page(client, make_photo):
    shown = make_photo("seattle")
    make_photo("seattle", hidden=True, waiting=True)

    page = client.get("/cities/seattle/wall/?interval=12&layout=slideshow&captions=0")

    body = page.content.decode()
    assert page.status_code == 200
    assert 'data-interval="12"' in body and "layout-slideshow" in body and "no-captions" in body
    assert 'data-ws-path="/ws/cities/seattle/"' in body
    city_page = "http://testserver/cities/seattle/"
    assert f'data-url="{city_page}"' in body
    qr = segno.make(city_page, error="m").svg_inline(
        scale=5, dark="#000", light="#fff", title=city_page
    )
    assert qr in body  # the code a phone reads is the city page's address
    assert shown.media_id in body and body.count('"id": "') == 1  # the waiting one is absent


@pytest.mark.django_db
def test_qr_0_removes_the_code_and_the_wall_of_every_city_exists(client):
    assert "wall-qr" not in client.get("/cities/seattle/wall/?qr=0").content.decode()
    everything = client.get("/wall/").content.decode()
    assert 'data-ws-path="/ws/cities/all/"' in everything
    assert 'data-url="http://testserver/"' in everything


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["interval=1", "interval=x", "layout=carousel", "qr=2"])
def test_options_a_wall_cannot_use_are_a_400(client, query):
    assert client.get(f"/cities/seattle/wall/?{query}").status_code == 400


@pytest.mark.django_db
def test_an_unknown_city_has_no_wall(client):
    assert client.get("/cities/atlantis/wall/").status_code == 404
