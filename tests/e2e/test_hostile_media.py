"""Hostile media on a real page: text stays text, only http(s) URLs are ever loaded.

The photos go straight into the site (its database and channel layer), past
ingest's own checks, so what is tested here is the page: the live script for
photos that arrive, the templates for the same photos after a reload.
"""

import pytest

from ingest.events import photo_event
from tests.conftest import photo_message

from .test_city_page import open_live, photo, tile

pytestmark = pytest.mark.browser

CITY = "pittsburgh"
XSS = "<img src=x onerror=alert(1)>"
UNSAFE_SCHEMES = ("javascript:", "data:", "vbscript:", "//")
ATTRIBUTES_WITH_URLS = """() => [...document.querySelectorAll('[src], [href], [srcset]')]
    .flatMap(node => ['src', 'href', 'srcset'].map(name => node.getAttribute(name)))
    .filter(value => value !== null)"""


def hostile(live_site):
    return photo_message(
        CITY,
        image={"url": "javascript:alert(1)", "width": 10**9, "height": 0},
        thumbnail={"url": "data:image/svg+xml,<svg onload=alert(1)>", "width": 0, "height": 0},
        link=" JaVaScRiPt:alert(1)",
        caption=XSS,
        user={
            "username": "<b>bold</b>",
            "full_name": "<script>alert(1)</script>",
            "avatar": "//evil.test/avatar.png",
        },
        location={"lat": None, "lng": None, "name": "vbscript:msgbox(1)"},
    )


def broken_image(live_site):
    """An http(s) picture that is not there: the page shows the photo without it."""
    missing = {"url": f"{live_site.url}/static/feed/missing.png", "width": 640, "height": 640}
    return photo_message(CITY, image=missing, thumbnail=missing)


def assert_nothing_unsafe(page, live_site, requested):
    urls = page.evaluate(ATTRIBUTES_WITH_URLS)
    unsafe = [url for url in urls if url.strip().lower().startswith(UNSAFE_SCHEMES)]
    assert unsafe == []
    assert [url for url in requested if not url.startswith(live_site.url)] == []
    assert page.errors == []


def assert_detail_is_text(page, message):
    page.goto(f"{page.url.split('#')[0]}#photo-{message['id']}")
    page.wait_for_selector(".detail-card", state="visible", timeout=5_000)
    assert page.locator(".detail-caption").text_content() == XSS
    assert page.locator(".detail-username").text_content() == "<b>bold</b>"
    assert page.locator(".detail-fullname").text_content() == "<script>alert(1)</script>"
    assert page.locator(".detail-place").text_content() == "vbscript:msgbox(1)"
    assert page.locator(".detail-link").is_hidden()
    page.keyboard.press("Escape")


def test_hostile_media_is_shown_as_text_and_no_unsafe_url_is_loaded(live_site, page):
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    open_live(page, f"{live_site.url}/cities/{CITY}/")
    bad, missing, good = hostile(live_site), broken_image(live_site), photo(live_site, CITY)

    live_site.publish(photo_event(bad), photo_event(missing), photo_event(good))

    page.wait_for_selector(tile(good), timeout=5_000)
    assert page.locator(tile(bad)).count() == 1
    assert page.locator(tile(missing)).count() == 1
    assert_detail_is_text(page, bad)
    assert_nothing_unsafe(page, live_site, requested)

    # The same photos rendered by the server.
    page.reload()
    page.wait_for_selector(tile(good), timeout=5_000)
    assert page.locator(tile(bad)).count() == 1
    assert_detail_is_text(page, bad)
    assert_nothing_unsafe(page, live_site, requested)
