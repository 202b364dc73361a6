"""The city page on a phone-sized screen: it fits, counts arrivals and opens the detail view."""

import pytest

from tests.e2e.test_city_page import open_live, post, tile

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(f"script error: {error}"))
    yield page
    context.close()


def rate(page) -> int:
    return int(page.locator(".stream-stats [data-rate]").text_content())


def test_on_a_phone_the_page_fits_counts_new_photos_and_opens_them(live_site, phone):
    open_live(phone, f"{live_site.url}/cities/pittsburgh/")
    before = rate(phone)

    messages = [post(live_site, "pittsburgh", caption=f"bridge {n}") for n in range(2)]

    for message in messages:
        phone.wait_for_selector(tile(message), timeout=2_000)
    phone.wait_for_function(
        f"Number(document.querySelector('.stream-stats [data-rate]').textContent) >= {before + 2}",
        timeout=2_000,
    )
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    newest = phone.locator(tile(messages[-1]))
    box = newest.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]

    newest.tap(timeout=10_000)
    card = phone.wait_for_selector(".detail-card", state="visible", timeout=5_000)
    assert card.bounding_box()["width"] <= PHONE["width"]
    assert phone.locator(".detail-caption").text_content() == "bridge 1"
    assert phone.errors == []
