"""The wall in Chromium: a new photo takes the feature, the DOM stays bounded, no broken image."""

import pytest

from tests.conftest import photo_message

from .test_city_page import pictures, post

pytestmark = pytest.mark.browser

CITY = "san-francisco"  # the wall's own city: the other browser tests post elsewhere


def open_wall(page, live_site, query=""):
    page.goto(f"{live_site.url}/cities/{CITY}/wall/{query}")
    page.wait_for_selector('.status[data-state="live"]', timeout=10_000)


def featured(page):
    return page.evaluate("document.getElementById('wall').dataset.featured")


def test_a_new_photo_becomes_the_featured_one_within_2_s(live_site, page):
    open_wall(page, live_site, "?interval=60")
    message = post(live_site, CITY, caption="big on the screen")

    page.wait_for_function(
        "id => document.getElementById('wall').dataset.featured === id",
        arg=message["id"],
        timeout=2_000,
    )
    assert page.locator("#wall-caption").text_content() == "big on the screen"
    assert page.locator(".wall-qr svg").count() == 1
    assert page.locator(".wall-qr").get_attribute("data-url").endswith(f"/cities/{CITY}/")
    assert page.evaluate("getComputedStyle(document.body).cursor") == "none"
    assert page.errors == []


def test_thousands_of_photos_leave_the_dom_bounded(live_site, page):
    open_wall(page, live_site, "?interval=60")
    picture = pictures(live_site)["standard_resolution"]
    messages = [photo_message(CITY, image=picture, thumbnail=picture) for _ in range(2000)]
    for start in range(0, len(messages), 500):
        live_site.publish(*({"type": "photo", "photo": m} for m in messages[start : start + 500]))

    page.wait_for_function(
        "id => document.getElementById('wall').dataset.featured === id",
        arg=messages[-1]["id"],
        timeout=30_000,
    )
    assert page.locator("#wall-mosaic .wall-tile").count() <= 48
    assert page.evaluate("document.getElementsByTagName('*').length") < 250


def test_a_photo_whose_image_fails_leaves_the_wall(live_site, page):
    open_wall(page, live_site, "?interval=60")
    good = post(live_site, CITY, caption="loads")
    page.wait_for_function(
        "id => document.getElementById('wall').dataset.featured === id", arg=good["id"]
    )
    broken = {"url": f"{live_site.url}/static/feed/missing.jpg", "width": 640, "height": 640}
    message = photo_message(CITY, image=broken, thumbnail=broken)
    live_site.publish({"type": "photo", "photo": message})
    after = post(live_site, CITY, caption="after the broken one")  # frames arrive in order
    page.wait_for_function(
        "id => document.getElementById('wall').dataset.featured === id", arg=after["id"]
    )

    page.wait_for_selector(f'.wall-tile[data-id="{message["id"]}"]', state="detached")
    assert page.locator(f'.wall-tile[data-id="{good["id"]}"]').count() == 1
