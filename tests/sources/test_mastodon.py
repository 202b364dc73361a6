"""Mastodon through the source runner, against the Mastodon double's REST and streaming API."""

import pytest
from django.db import OperationalError

from feed.models import Photo
from ingest.sources import mastodon
from ingest.sources.mastodon import streaming
from ingest.sources.mastodon.message import Unusable, html_text, to_messages
from tests.sources.conftest import Running, run_until
from tests.support.mastodon import MastodonServer

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def server(settings):
    with MastodonServer(window_seconds=2) as server:
        settings.SOURCES = ["mastodon"]
        settings.MASTODON_SERVERS = [server.url]
        settings.MASTODON_ACCESS_TOKENS = {}
        settings.MASTODON_POLL_INTERVAL = 0.2
        yield server


def mastodon_photos(**filters):
    return list(Photo.objects.filter(source="mastodon", **filters).order_by("pk"))


def seattle_cursors(server):
    return [r.query.get("min_id") for r in tag_requests(server) if r.path.endswith("/seattle")]


def tag_requests(server):
    return [r for r in server.requests if r.path.startswith("/api/v1/timelines/tag/")]


def test_a_tagged_image_status_reaches_its_city_as_text_with_its_author_and_alt(server, bus_tap):
    status = server.add_status(
        ["Seattle"],
        text="Ferry <b>at</b> dusk",
        username="bob",
        domain="photos.example",
        display_name="Bob B.",
        media=[{"description": "A ferry", "width": 1600, "height": 900}],
    )

    run_until(mastodon.SOURCE, lambda: len(mastodon_photos()) == 1)

    (event,) = [e for e in bus_tap.events() if e["type"] == "photo"]
    photo, attachment = event["photo"], status["media_attachments"][0]
    assert photo["city"] == "seattle" and photo["source"] == "mastodon"
    assert photo["image"]["url"] == attachment["url"]
    assert photo["image"]["alt"] == "A ferry"
    assert (photo["image"]["width"], photo["image"]["height"]) == (1600, 900)
    assert photo["thumbnail"]["url"] == attachment["preview_url"]
    assert photo["link"] == status["url"]
    assert photo["user"]["username"] == "bob@photos.example"
    assert photo["user"]["full_name"] == "Bob B."
    # The author's words as text (the double escapes them into its HTML), the markup gone.
    assert photo["caption"] == "Ferry <b>at</b> dusk #Seattle"
    query = tag_requests(server)[0].query
    assert query["only_media"] == "true" and query["limit"] == "40"


def test_statuses_that_are_not_a_citys_photos_are_not_shown(server, bus_tap):
    server.add_status(["seattle"], media=())
    server.add_status(["seattle"], media=[{"type": "video"}])
    server.add_status(["paris"])
    sensitive = server.add_status(["seattle"], sensitive=True)
    warned = server.add_status(["seattle"], spoiler_text="spiders")
    shown = server.add_status(["seattle"], text="the last one")

    run_until(mastodon.SOURCE, lambda: len(mastodon_photos()) == 3)

    published = [e["photo"]["link"] for e in bus_tap.events() if e["type"] == "photo"]
    assert published == [shown["url"]]
    assert {p.link for p in mastodon_photos(hidden=True)} == {sensitive["url"], warned["url"]}


def test_pages_are_followed_with_min_id_and_the_next_poll_starts_after_the_newest(server):
    """The first poll takes the latest page; from then on nothing is skipped."""
    statuses = [server.add_status(["seattle"])]
    with Running(mastodon.SOURCE) as running:
        running.wait_for(lambda: len(mastodon_photos(city__slug="seattle")) == 1)
        statuses += [server.add_status(["seattle"]) for _ in range(45)]  # more than a page
        running.wait_for(lambda: len(mastodon_photos(city__slug="seattle")) == 46)
        running.wait_for(lambda: statuses[-1]["id"] in seattle_cursors(server))

    # The first page's newest status was the second page's cursor.
    assert statuses[40]["id"] in seattle_cursors(server)
    links = [p.link for p in mastodon_photos(city__slug="seattle")]
    assert links == [s["url"] for s in statuses]  # oldest first, each once


def test_a_hashtag_of_two_cities_is_read_once_for_both(server, settings):
    from feed.models import City

    City.objects.filter(slug="london").update(hashtags=["london", "seattle"])
    server.add_status(["seattle"])

    run_until(mastodon.SOURCE, lambda: len(mastodon_photos()) == 2)

    assert sorted(p.city.slug for p in mastodon_photos()) == ["london", "seattle"]


def test_429_and_5xx_keep_the_cursor_and_recover(server):
    first = server.add_status(["seattle"])
    with Running(mastodon.SOURCE) as running:
        running.wait_for(lambda: len(mastodon_photos(city__slug="seattle")) == 1)
        server.exhaust_budget()
        server.fail_next(2, status=502)
        second = server.add_status(["seattle"])
        running.wait_for(lambda: len(mastodon_photos(city__slug="seattle")) == 2)

    assert running.counts["errors"] >= 1
    assert first["id"] in seattle_cursors(server) and second["id"] > first["id"]


def stream_a_status_then_delete_it(server, settings) -> Running:
    """With a token, a status that only the stream can bring, then its deletion retracted."""
    settings.MASTODON_ACCESS_TOKENS = {server.host: "test-token"}
    settings.MASTODON_POLL_INTERVAL = 3600  # only the stream can bring what comes next
    with Running(mastodon.SOURCE) as running:
        server.wait_for_stream_subscriptions("seattle")
        status = server.add_status(["seattle"])
        running.wait_for(lambda: len(mastodon_photos()) == 1, timeout=5)
        server.delete_status(status["id"])
        running.wait_for(lambda: mastodon_photos()[0].hidden, timeout=5)
    return running


def test_with_a_token_statuses_stream_in_and_deletes_retract(server, settings, bus_tap):
    stream_a_status_then_delete_it(server, settings)

    assert all(r.headers.get("Authorization") == "Bearer test-token" for r in tag_requests(server))
    assert [e["type"] for e in bus_tap.events()] == ["photo", "retract"]


def test_a_delete_the_database_refuses_at_first_still_retracts(server, settings, monkeypatch):
    """The stream tells a delete once and no catch-up brings it back, so it is tried again."""
    refusals, retract_posts = 2, streaming.retract_posts

    def refusing_at_first(*args):
        nonlocal refusals
        if refusals:
            refusals -= 1
            raise OperationalError("database table is locked: feed_photo")
        return retract_posts(*args)

    monkeypatch.setattr(streaming, "retract_posts", refusing_at_first)
    running = stream_a_status_then_delete_it(server, settings)

    assert running.counts["errors"] >= 2 and running.counts["retracted"] == 1


def test_a_dropped_stream_reconnects_and_catches_up_by_min_id(server, settings):
    settings.MASTODON_ACCESS_TOKENS = {server.host: "test-token"}
    settings.MASTODON_POLL_INTERVAL = 3600
    with Running(mastodon.SOURCE) as running:
        server.wait_for_stream_subscriptions("seattle")
        server.add_status(["seattle"])
        running.wait_for(lambda: len(mastodon_photos()) == 1, timeout=5)
        server.drop_streams()
        server.add_status(["seattle"])  # while the stream is down
        running.wait_for(lambda: len(mastodon_photos()) == 2)

    assert len({p.media_id for p in mastodon_photos()}) == 2


GOOD = {
    "id": "1",
    "uri": "https://m.example/users/a/statuses/1",
    "url": "https://m.example/@a/1",
    "account": {"acct": "a"},
    "media_attachments": [{"type": "image", "url": "https://m.example/1.jpg"}],
}


@pytest.mark.parametrize(
    "change",
    [{"id": 1}, {"id": "1; drop"}, {"uri": None}, {"account": "a"}, {"media_attachments": {}}],
    ids=["numeric id", "id", "uri", "account", "attachments"],
)
def test_unreadable_statuses_are_refused(change):
    with pytest.raises(Unusable):
        to_messages({**GOOD, **change}, "seattle", "m.example")


@pytest.mark.parametrize(
    "attachment",
    [
        {"type": "image", "url": "javascript:alert(1)"},
        {"type": "image", "url": None},
        {"type": "gifv", "url": "https://m.example/1.mp4"},
        "an image",
    ],
    ids=["script URL", "processing", "gifv", "not an object"],
)
def test_attachments_a_page_cannot_show_are_left_out(attachment):
    assert to_messages({**GOOD, "media_attachments": [attachment]}, "seattle", "m.example") == []


def test_the_content_keeps_its_text_and_never_its_markup():
    content = (
        '<p>Hi &amp; <script>alert(1)</script><a href="x">#<span>seattle</span></a></p><p>2</p>'
    )
    assert html_text(content) == "Hi & alert(1)#seattle\n2"


def test_polls_stay_inside_the_servers_rate_limit(settings):
    with MastodonServer(rate_limit=12, window_seconds=2) as server:
        settings.SOURCES = ["mastodon"]
        settings.MASTODON_SERVERS = [server.url]
        settings.MASTODON_ACCESS_TOKENS = {}
        settings.MASTODON_POLL_INTERVAL = 0  # every hashtag always due: only the budget holds
        with Running(mastodon.SOURCE) as running:
            running.wait_for(lambda: len(tag_requests(server)) >= 20, timeout=30)

    assert running.counts["errors"] == 0  # never a 429
