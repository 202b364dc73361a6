"""The Atom feed of a city: valid Atom, the shown photos only, user text as text."""

from xml.etree import ElementTree

import pytest

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.mark.django_db
def test_the_feed_is_atom_with_the_shown_photos_only(client, make_photo):
    shown = make_photo("seattle", caption="<b>Ferry</b> & fog", full_name="Ann")
    make_photo("seattle", hidden=True, caption="hidden one")
    make_photo("seattle", hidden=True, waiting=True, caption="waiting one")
    make_photo("london", caption="another city")

    response = client.get("/cities/seattle/feed.atom")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ElementTree.fromstring(response.content)  # well-formed XML
    assert feed.tag == f"{ATOM}feed"
    assert feed.find(f"{ATOM}title").text == "Seattle · Wazstagram"
    (entry,) = feed.findall(f"{ATOM}entry")
    assert entry.find(f"{ATOM}summary").text == "<b>Ferry</b> & fog"  # escaped text, not markup
    assert entry.find(f"{ATOM}link").get("href") == shown.link
    assert entry.find(f"{ATOM}author/{ATOM}name").text == "Ann"
    for tag in ("id", "updated", "title"):
        assert entry.find(f"{ATOM}{tag}") is not None


@pytest.mark.django_db
def test_an_unknown_or_inactive_city_has_no_feed(client):
    assert client.get("/cities/atlantis/feed.atom").status_code == 404


@pytest.mark.django_db
def test_the_city_page_points_feed_readers_at_its_feed(client):
    page = client.get("/cities/seattle/").content.decode()
    assert 'type="application/atom+xml"' in page and 'href="/cities/seattle/feed.atom"' in page
