"""Flickr through the source runner, against the Flickr API double over a real socket."""

import time

import pytest

from feed.models import Photo
from feed.photo import MAX_CAPTION
from ingest.models import SourceState
from ingest.sources import flickr
from ingest.sources.flickr.message import Unusable, to_messages
from tests.sources.conftest import Running, run_until
from tests.support.flickr import FlickrApi

pytestmark = pytest.mark.django_db(transaction=True)

SEATTLE = (47.6062, -122.3321)


@pytest.fixture
def api(settings):
    with FlickrApi(api_keys=("test-key-0123",)) as api:
        settings.SOURCES = ["flickr"]
        settings.FLICKR_API_URL = api.url
        settings.FLICKR_API_KEY = "test-key-0123"
        settings.FLICKR_POLL_INTERVAL = 0.1
        settings.FLICKR_CALLS_PER_HOUR = 3_600_000
        yield api


def photos_of(city):
    return list(Photo.objects.filter(city__slug=city, source="flickr").order_by("pk"))


def cursor(city):
    row = SourceState.objects.filter(city__slug=city, source="flickr").first()
    return row.cursor if row else ""


def test_a_geotagged_photo_in_a_city_reaches_its_page_with_attribution(api, bus_tap):
    near = api.add_photo(
        lat=47.61,
        lon=-122.33,
        title="Pike Place",
        description="<b>Fish</b> &amp; chips",
        owner="11111111@N01",
        owner_name="Ann Lens",
        license=4,
    )
    api.add_photo(lat=10.0, lon=10.0, title="Far from every city")

    run_until(flickr.SOURCE, lambda: len(photos_of("seattle")) == 1)

    (event,) = [e for e in bus_tap.events() if e["type"] == "photo"]
    photo = event["photo"]
    assert photo["city"] == "seattle" and photo["source"] == "flickr"
    assert photo["link"] == f"https://www.flickr.com/photos/11111111@N01/{near['id']}"
    assert photo["image"]["url"] == near["url_l"]
    assert photo["thumbnail"]["url"] == near["url_s"]
    assert photo["caption"] == "Pike Place\n\nFish & chips"
    assert photo["user"]["full_name"] == "Ann Lens"
    assert photo["user"]["avatar"].endswith("/buddyicons/11111111@N01.jpg")
    assert photo["license"] == "CC BY 2.0"
    assert photo["location"]["lat"] == pytest.approx(47.61)
    assert Photo.objects.filter(source="flickr").count() == 1  # the far one reached no city


def test_the_cursor_is_the_newest_upload_and_the_next_search_starts_there(api):
    first = api.add_photo(lat=SEATTLE[0], lon=SEATTLE[1], uploaded=1_900_000_000)
    run_until(flickr.SOURCE, lambda: cursor("seattle") == "1900000000")
    second = api.add_photo(lat=SEATTLE[0], lon=SEATTLE[1], uploaded=1_900_000_100)

    run_until(flickr.SOURCE, lambda: len(photos_of("seattle")) == 2)

    assert [p.link.rsplit("/", 1)[1] for p in photos_of("seattle")] == [first["id"], second["id"]]
    seattle_calls = [c for c in api.calls if float(c["lat"]) == pytest.approx(47.606308)]
    assert seattle_calls[-1]["min_upload_date"] in ("1900000000", "1900000100")
    assert all(c["sort"] == "date-posted-desc" and c["nojsoncallback"] == "1" for c in api.calls)


def test_several_pages_are_followed_oldest_stored_first(api):
    for n in range(260):  # more than one 250-photo page
        api.add_photo(lat=SEATTLE[0], lon=SEATTLE[1], uploaded=1_900_000_000 + n)

    run_until(flickr.SOURCE, lambda: len(photos_of("seattle")) == 260, timeout=40)

    uploads = [p.created_at.timestamp() for p in photos_of("seattle")]
    assert uploads == sorted(uploads)


def test_outages_keep_the_cursor_and_recover(api):
    api.add_photo(lat=SEATTLE[0], lon=SEATTLE[1], uploaded=1_900_000_000)
    api.fail_next(3, status=503)
    api.fail_next_stat(2, code=105, message="Service currently unavailable")

    counts = run_until(flickr.SOURCE, lambda: len(photos_of("seattle")) == 1)

    assert counts["errors"] >= 1
    assert cursor("seattle") == "1900000000"


def test_a_refused_key_is_recorded_and_no_photo_or_crash_follows(api, settings, caplog):
    settings.FLICKR_API_KEY = "wrong-key-0000"
    api.add_photo(lat=SEATTLE[0], lon=SEATTLE[1])

    run_until(
        flickr.SOURCE,
        lambda: (
            "code 100" in (SourceState.objects.get(city__slug="seattle").last_error or "")
            if SourceState.objects.filter(city__slug="seattle").exists()
            else False
        ),
    )

    state = SourceState.objects.get(city__slug="seattle", source="flickr")
    assert "wrong-key" not in state.last_error  # the key never reaches the admin
    assert "flickr: search for seattle failed (stat fail, code 100" in caplog.text
    assert "wrong-key" not in caplog.text  # nor a log line
    assert not photos_of("seattle")


def test_a_city_switched_off_gets_nothing(api):
    from feed.models import City

    SourceState.objects.create(
        city=City.objects.get(slug="seattle"), source="flickr", enabled=False
    )
    api.add_photo(lat=SEATTLE[0], lon=SEATTLE[1])
    london = api.add_photo(lat=51.5082, lon=-0.128)

    run_until(flickr.SOURCE, lambda: len(photos_of("london")) == 1)

    assert photos_of("seattle") == []
    assert london["id"] in photos_of("london")[0].link


GOOD = {
    "id": "5",
    "owner": "12345678@N00",
    "dateupload": "1700000000",
    "url_m": "https://live.staticflickr.com/1/5_a.jpg",
}


@pytest.mark.parametrize(
    "change",
    [
        {"id": "5; drop table"},
        {"owner": "<script>"},
        {"dateupload": "yesterday"},
        {"url_m": "javascript:alert(1)"},
        {"url_m": None},
    ],
    ids=["id", "owner", "upload time", "image scheme", "no image"],
)
def test_unusable_search_results_are_refused(change):
    with pytest.raises(Unusable):
        to_messages({**GOOD, **change}, "seattle")


@pytest.mark.parametrize("item", [None, [], "photo", 5])
def test_results_that_are_not_objects_are_refused(item):
    with pytest.raises(Unusable):
        to_messages(item, "seattle")


def test_a_photo_without_extras_still_shows_with_blank_fields():
    (message,) = to_messages(GOOD, "seattle")
    assert message["license"] == "" and message["caption"] is None
    assert message["user"]["avatar"] == "https://www.flickr.com/images/buddyicon.gif"
    assert message["location"] == {"lat": None, "lng": None, "name": ""}


def test_all_cities_share_the_keys_budget(api, settings):
    settings.FLICKR_CALLS_PER_HOUR = 36_000  # one call every 0.1 s for the whole site
    settings.FLICKR_POLL_INTERVAL = 0  # every city always due: only the budget holds calls back
    with Running(flickr.SOURCE) as running:
        running.wait_for(lambda: len(api.calls) >= 3)
        first = len(api.calls)
        time.sleep(1.0)
        during = len(api.calls) - first

    assert 1 <= during <= 11 + 1  # at most ten a second, one in flight at the edges


def test_a_long_title_and_description_are_kept_cut_to_the_caption_limit():
    photo = {**GOOD, "title": "t" * 400, "description": {"_content": "d" * 5000}}
    (message,) = to_messages(photo, "seattle")
    assert message["caption"] == ("t" * 400 + "\n\n" + "d" * 5000)[:MAX_CAPTION]


def test_a_description_cut_inside_a_tag_shows_no_piece_of_it():
    # Mostly markup: its text is short, and the cut at 5,000 characters falls in the link.
    body = "<i>fish</i> " * 400 + '<a href="https://example.com/' + "x" * 500 + '">more</a>'
    photo = {**GOOD, "title": "", "description": {"_content": body}}
    (message,) = to_messages(photo, "seattle")
    assert message["caption"] == " ".join(["fish"] * 400)


def test_a_short_description_keeps_a_less_than_sign_that_opens_no_tag():
    photo = {**GOOD, "title": "", "description": {"_content": "I &lt;3 fish, 1 < 2"}}
    (message,) = to_messages(photo, "seattle")
    assert message["caption"] == "I <3 fish, 1 < 2"
