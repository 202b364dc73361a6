"""A real Chromium on the live site: photos arrive live, user text stays text, reconnects resume."""

import pytest
import requests

from ingest.events import photo_event, retract_event
from tests.conftest import photo_message

pytestmark = pytest.mark.browser

XSS = "<img src=x onerror=alert(1)>"


def pictures(live_site):
    """Pictures the site itself serves: they load, and nothing external is asked for."""
    picture = {"url": f"{live_site.url}/static/feed/icon.svg", "width": 640, "height": 640}
    return {"thumbnail": picture, "low_resolution": picture, "standard_resolution": picture}


def post(live_site, city="seattle", caption=None, **overrides):
    """A photo posted in `city` through the ingest path; its media item."""
    if caption is not None:
        author = {"id": "7", "username": "someone", "full_name": "Some One"}
        overrides["caption"] = {"text": caption, "from": author, "id": "1", "created_time": "0"}
    return live_site.post_photo(city, images=pictures(live_site), **overrides)


def photo(live_site, city="seattle"):
    """A photo message for the channel-layer path (a photo stored while the site was down)."""
    picture = pictures(live_site)["standard_resolution"]
    return photo_message(city, image=picture, thumbnail=picture)


def open_live(page, url):
    page.goto(url)
    page.wait_for_selector('.status[data-state="live"]', timeout=10_000)


def tile(message):
    return f'#grid .tile[data-id="{message["id"]}"]'


def test_a_published_photo_appears_on_the_open_city_page(live_site, page):
    open_live(page, f"{live_site.url}/cities/seattle/")

    message = post(live_site, caption="fresh off the ferry")

    page.wait_for_selector(tile(message), timeout=2_000)
    assert page.locator("#grid .tile").first.get_attribute("data-id") == message["id"]
    assert page.errors == []


def test_a_photo_of_another_city_does_not_appear(live_site, page):
    open_live(page, f"{live_site.url}/cities/rome/")

    elsewhere, here = post(live_site, "london"), post(live_site, "rome")

    page.wait_for_selector(tile(here), timeout=2_000)
    assert page.locator(tile(elsewhere)).count() == 0


def test_a_caption_with_markup_is_shown_as_text_and_runs_nothing(live_site, page):
    open_live(page, f"{live_site.url}/cities/seattle/")

    message = post(live_site, caption=XSS, location={"latitude": 1, "longitude": 2, "name": XSS})

    page.wait_for_selector(tile(message), timeout=2_000)
    page.click(tile(message), timeout=10_000)  # once it has slid in

    caption = page.wait_for_selector(".detail-caption", state="visible", timeout=5_000)
    assert caption.text_content() == XSS
    assert page.locator(".detail-place").text_content() == XSS
    assert page.locator(".detail img[src='x']").count() == 0
    assert page.evaluate("location.hash") == f"#photo-{message['id']}"
    # The same photo rendered by the server, opened from its address.
    page.goto(f"{live_site.url}/cities/seattle/#photo-{message['id']}")
    caption = page.wait_for_selector(".detail-caption", state="visible", timeout=5_000)
    assert caption.text_content() == XSS
    assert page.errors == []


def test_a_photo_shows_its_source_licence_and_the_authors_alt_text(live_site, page):
    open_live(page, f"{live_site.url}/cities/seattle/")
    message = photo(live_site)
    message["source"], message["license"] = "flickr", "CC BY 2.0"
    message["image"] = {**message["image"], "alt": XSS}
    live_site.publish(photo_event(message))

    page.wait_for_selector(tile(message), timeout=2_000)
    assert page.locator(f"{tile(message)} img").get_attribute("alt") == XSS
    page.click(tile(message), timeout=10_000)
    page.wait_for_selector(".detail-card", state="visible", timeout=5_000)
    assert page.locator(".detail-source").text_content() == "Flickr"
    assert page.locator(".detail-license").text_content() == "CC BY 2.0"
    assert page.locator(".detail-image").get_attribute("alt") == XSS
    # An Instagram photo has no licence to show.
    page.keyboard.press("Escape")
    page.wait_for_selector(".detail", state="hidden", timeout=5_000)
    instagram = post(live_site)
    page.wait_for_selector(tile(instagram), timeout=2_000)
    page.click(tile(instagram), timeout=10_000)
    page.wait_for_selector(".detail-card", state="visible", timeout=5_000)
    assert page.locator(".detail-source").text_content() == "Instagram"
    assert page.locator(".detail-license-row").is_hidden()
    assert page.errors == []


def test_the_detail_view_closes_and_its_address_goes_with_it(live_site, page):
    message = post(live_site, caption="ferris wheel")
    open_live(page, f"{live_site.url}/cities/seattle/")
    page.wait_for_selector(tile(message), timeout=2_000)
    page.goto(f"{live_site.url}/cities/seattle/#photo-{message['id']}")
    page.wait_for_selector(".detail-card", state="visible", timeout=5_000)

    page.keyboard.press("Escape")

    page.wait_for_selector(".detail", state="hidden", timeout=5_000)
    assert page.evaluate("location.hash") == ""


def test_a_retracted_photo_leaves_the_page(live_site, page):
    open_live(page, f"{live_site.url}/cities/seattle/")
    message = post(live_site)
    page.wait_for_selector(tile(message), timeout=2_000)

    live_site.publish(retract_event(message["id"], "seattle"))

    page.wait_for_selector(tile(message), state="detached", timeout=2_000)


def test_the_index_streams_every_city(live_site, page):
    open_live(page, f"{live_site.url}/")

    message = post(live_site, "london")

    page.wait_for_selector(tile(message), timeout=2_000)
    card = page.locator(f'.city-card[data-city="london"] [data-id="{message["id"]}"]')
    assert card.count() == 1
    assert page.errors == []


def test_after_a_server_restart_the_page_reconnects_and_resumes_without_duplicates(live_site, page):
    open_live(page, f"{live_site.url}/cities/seattle/")
    before = post(live_site)
    page.wait_for_selector(tile(before), timeout=2_000)

    live_site.stop()
    page.wait_for_selector('.status[data-state="reconnecting"]', timeout=5_000)
    missed = photo(live_site)
    live_site.publish(photo_event(missed))  # stored while no page is listening
    live_site.start()

    page.wait_for_selector('.status[data-state="live"]', timeout=20_000)
    page.wait_for_selector(tile(missed), timeout=5_000)
    after = post(live_site)
    page.wait_for_selector(tile(after), timeout=2_000)
    ids = page.eval_on_selector_all("#grid .tile", "tiles => tiles.map(t => t.dataset.id)")
    assert len(ids) == len(set(ids))
    assert page.errors == []


def test_static_files_are_served_hashed_and_cached_with_debug_off(live_site):
    page = requests.get(f"{live_site.url}/cities/seattle/", timeout=5).text
    script = page.split('<script type="module" src="', 2)[1].split('"', 1)[0]

    response = requests.get(f"{live_site.url}{script}", timeout=5)

    assert script.startswith("/static/feed/city.") and script != "/static/feed/city.js"
    assert response.status_code == 200
    assert "max-age=315360000" in response.headers["Cache-Control"]
    # Its imports name the hashed modules too, so a release never mixes old and new.
    imports = [line for line in response.text.splitlines() if line.startswith("import ")]
    assert imports and all(
        'from "./' in line and not line.endswith('.js";') or ".js" in line for line in imports
    )
    assert not any('"./stream.js"' in line for line in imports)


def test_the_numbers_follow_the_photos_while_the_page_is_open(live_site, page):
    open_live(page, f"{live_site.url}/cities/rome/")
    post(live_site, "rome", caption="Trevi at dawn #fontanaditrevi")
    page.wait_for_selector(".numbers-hashtags >> text=#fontanaditrevi", timeout=5_000)
    assert page.errors == []
