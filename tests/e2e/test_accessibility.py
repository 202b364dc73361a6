"""Pages pass axe-core's automated accessibility check in Chromium; pause and dialog focus."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from .test_city_page import open_live, post, tile

pytestmark = pytest.mark.browser

PAGES = [
    "/",
    "/cities/seattle/",
    "/cities/seattle/map/",
    "/cities/seattle/wall/",
    "/cities/seattle/embed/",
]


def violations(page) -> list[str]:
    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
    ]


@pytest.mark.parametrize("path", PAGES)
def test_pages_pass_the_automated_accessibility_check(live_site, page, path):
    post(live_site, caption="for the check")
    page.goto(f"{live_site.url}{path}")
    page.wait_for_selector('.status[data-state="live"]', timeout=10_000)
    assert violations(page) == []


def test_the_open_detail_view_passes_too_and_keeps_the_focus(live_site, page):
    message = post(live_site, caption="a dialog")
    open_live(page, f"{live_site.url}/cities/seattle/")
    page.wait_for_selector(tile(message), timeout=2_000)
    page.click(f"{tile(message)} .tile-link")
    page.wait_for_selector("#detail:not([hidden])")
    for _ in range(12):
        page.keyboard.press("Tab")
        assert page.evaluate("document.getElementById('detail').contains(document.activeElement)")
    page.keyboard.press("Shift+Tab")
    assert page.evaluate("document.getElementById('detail').contains(document.activeElement)")
    assert violations(page) == []


def test_pause_holds_new_photos_and_is_remembered(live_site, page):
    open_live(page, f"{live_site.url}/cities/seattle/")
    page.click("#pause")
    message = post(live_site, caption="while paused")
    page.wait_for_selector("#pause >> text=Play · 1 new", timeout=2_000)  # it came, and waits
    assert page.locator(tile(message)).count() == 0

    open_live(page, f"{live_site.url}/cities/seattle/")  # a reload keeps the choice
    assert page.get_attribute("#pause", "aria-pressed") == "true"
    page.click("#pause")
    later = post(live_site, caption="after play")
    page.wait_for_selector(tile(later), timeout=2_000)
    assert page.get_attribute("#pause", "aria-pressed") == "false"
