"""The demo's path on a live daphne: `subscribe` against the built-in source, then `simulate`.

The site is its own Instagram: the source's challenge calls back into the
same server that serves it, the notifications poke its ingest, and the photos
reach the database and an open websocket.
"""

import sqlite3

import pytest
import requests
from websockets.sync.client import connect

from tests.support.frames import message_frames
from tests.support.live import LiveSite
from tests.support.waiting import wait_for

pytestmark = [pytest.mark.slow, pytest.mark.redis]


@pytest.fixture(scope="module")
def source_site(tmp_path_factory, redis_url):
    site = LiveSite(tmp_path_factory.mktemp("source-site"), redis_url, builtin_source=True)
    site.prepare()
    site.start()
    yield site
    site.close()


def stored(site, city):
    """Media ids of the city's photos in the site's database."""
    with sqlite3.connect(site.workdir / "site.sqlite3") as db:
        rows = db.execute(
            "SELECT media_id FROM feed_photo JOIN feed_city ON feed_city.id = city_id "
            "WHERE slug = ?",
            (city,),
        )
        return {row[0] for row in rows}


def subscription_rows(site):
    lines = site.manage("subscribe", "--list").splitlines()
    return {line.split()[1]: line.split()[0] for line in lines[1:-1]}


def test_subscribe_then_simulate_brings_photos_to_the_database_and_the_websocket(source_site):
    site = source_site
    assert "8 cities subscribed" in site.manage("subscribe")

    with connect(f"{site.ws_url}/ws/cities/seattle/", origin=site.url, open_timeout=10) as ws:
        out = site.manage(
            "simulate", "--cities", "seattle,london", "--burst", "3", "--duration", "0"
        )
        photos = []
        while len(photos) < 3:
            for frame in message_frames(ws.recv(timeout=20)):
                assert frame["type"] == "photo"
                photos.append(frame["photo"])

    assert "6 photos made, 2 notifications sent, 0 errors" in out
    assert {photo["id"] for photo in photos} == stored(site, "seattle")
    wait_for(lambda: len(stored(site, "london")) == 3, "London's 3 photos in the database")
    for photo in photos:
        assert photo["city"] == "seattle"
        assert photo["image"]["url"].startswith(f"{site.url}/_instagram/images/seattle/")
        image = requests.get(photo["image"]["url"], timeout=10)
        assert image.status_code == 200
        assert image.headers["Content-Type"] == "image/svg+xml"


def test_subscriptions_at_the_built_in_source_can_be_listed_and_deleted(source_site):
    site = source_site
    site.manage("subscribe")
    before = subscription_rows(site)
    assert set(before) == {
        "seattle",
        "new-york",
        "los-angeles",
        "pittsburgh",
        "san-francisco",
        "washington-dc",
        "london",
        "rome",
    }

    site.manage("subscribe", "--delete", before["rome"])
    assert set(subscription_rows(site)) == set(before) - {"rome"}

    site.manage("subscribe", "--delete", "all")
    assert subscription_rows(site) == {}
    assert "1 cities subscribed" in site.manage("subscribe", "rome")
