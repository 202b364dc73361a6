"""From a poke to stored, published photos: cursor, duplicates, API failures, coalescing."""

import asyncio
import threading
import time
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.db import close_old_connections, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from feed.groups import city_group
from feed.models import Photo
from ingest.models import Subscription
from ingest.sources.instagram import fetcher
from ingest.sources.instagram.fetch import fetch_city
from ingest.sources.instagram.signatures import sign_sha1
from tests.support.frames import layer_frames
from tests.support.instagram import media_item, media_page, meta_error

from .conftest import GEOGRAPHY, notification

pytestmark = pytest.mark.django_db(transaction=True)


def stored_ids():
    return list(Photo.objects.order_by("pk").values_list("media_id", flat=True))


def ids(items):
    return [item["id"] for item in items]


def poke_and_wait(notify, slug="seattle"):
    assert notify(slug).status_code == 200
    assert fetcher.wait_idle(30)


@pytest.fixture
async def city_frames(in_process_relay):
    """The photos the relay delivers to Seattle's group, one `await next_photo()` at a time."""
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add(city_group("seattle"), channel)

    next_frame = layer_frames(layer, channel, 10)

    async def next_photo():
        return (await next_frame())["photo"]

    yield next_photo
    await layer.group_discard(city_group("seattle"), channel)


async def apoke(async_client, settings, slug="seattle"):
    body = notification(GEOGRAPHY)
    response = await async_client.post(
        f"/ingest/instagram/{slug}/",
        body,
        content_type="application/json",
        headers={"X-Hub-Signature": sign_sha1(body, settings.INSTAGRAM_CLIENT_SECRET)},
    )
    assert response.status_code == 200
    assert await asyncio.to_thread(fetcher.wait_idle, 30)


async def test_a_poke_stores_the_new_photos_and_publishes_them_oldest_first(
    subscribed, fake_instagram, city_frames, async_client, settings
):
    items = fake_instagram.add_media(GEOGRAPHY, media_item(), media_item(), media_item())

    await apoke(async_client, settings)

    received = [await city_frames() for _ in items]
    assert ids(received) == ids(items)
    photos = await database_sync_to_async(list)(Photo.objects.order_by("pk"))
    assert [p.media_id for p in photos] == ids(items)
    for photo, message in zip(photos, received, strict=True):
        assert photo.published_at is not None
        assert message["published_at"] == photo.published_at
        assert message["image"]["url"] == photo.image_url
    first = received[0]
    assert first["city"] == "seattle"
    assert first["caption"] == items[0]["caption"]["text"]
    assert first["user"]["avatar"] == items[0]["user"]["profile_picture"]
    assert first["thumbnail"] == items[0]["images"]["thumbnail"]
    assert first["image"] == {**items[0]["images"]["standard_resolution"], "alt": ""}
    assert first["source"] == "instagram"


def test_the_fetch_asks_the_api_for_the_geography_with_the_client_id(
    subscribed, fake_instagram, notify, settings
):
    poke_and_wait(notify)

    [request] = fake_instagram.media_requests()
    assert request.path == f"/v1/geographies/{GEOGRAPHY}/media/recent"
    assert request.query["client_id"] == settings.INSTAGRAM_CLIENT_ID
    assert request.query["count"] == str(settings.INSTAGRAM_PAGE_SIZE)
    assert "min_id" not in request.query
    assert "client_secret" not in request.query


def test_the_cursor_survives_a_restart_and_the_next_fetch_sends_it(
    subscribed, fake_instagram, notify
):
    first = fake_instagram.add_media(GEOGRAPHY, media_item(), media_item())
    poke_and_wait(notify)
    assert Subscription.objects.get(pk=subscribed.pk).cursor == first[-1]["id"]

    from ingest.sources.instagram.client import get_client

    get_client.cache_clear()  # a new process: only the database remembers
    later = fake_instagram.add_media(GEOGRAPHY, media_item())
    poke_and_wait(notify)

    assert fake_instagram.media_requests()[-1].query["min_id"] == first[-1]["id"]
    assert stored_ids() == ids(first + later)
    assert Subscription.objects.get(pk=subscribed.pk).cursor == later[-1]["id"]


def test_a_city_without_a_known_geography_uses_the_poked_one(seattle, fake_instagram, notify):
    items = fake_instagram.add_media(GEOGRAPHY, media_item())

    poke_and_wait(notify)

    assert stored_ids() == ids(items)
    subscription = Subscription.objects.get(city=seattle)
    assert (subscription.object_id, subscription.cursor) == (GEOGRAPHY, items[0]["id"])


def test_pages_are_followed_up_to_the_page_limit(subscribed, fake_instagram, notify, settings):
    settings.INSTAGRAM_PAGE_SIZE = 2
    settings.INGEST_MAX_PAGES = 2
    items = fake_instagram.add_media(GEOGRAPHY, *(media_item() for _ in range(5)))

    poke_and_wait(notify)
    assert stored_ids() == ids(items[:4])
    assert len(fake_instagram.media_requests()) == 2

    poke_and_wait(notify)
    assert stored_ids() == ids(items)
    assert fake_instagram.media_requests()[-1].query["min_id"] == items[3]["id"]


def test_a_photo_already_stored_is_not_published_again(subscribed, fake_instagram, notify, bus_tap):
    old, new = fake_instagram.add_media(GEOGRAPHY, media_item(), media_item())
    stored_by_another_node(subscribed.city, old)

    poke_and_wait(notify)
    assert bus_tap.photo_ids() == [new["id"]]

    # The same page again (as after a lost cursor): nothing stored, nothing published.
    Subscription.objects.filter(pk=subscribed.pk).update(cursor="")
    poke_and_wait(notify)

    assert bus_tap.photo_ids() == [new["id"]]
    assert stored_ids() == ids([old, new])


def stored_by_another_node(city, item):
    from ingest.sources.instagram.media import message_from_media

    Photo.from_message(city, message_from_media(item, city.slug) | {"published_at": 1.0}).save()


def test_two_nodes_poked_for_one_city_at_once_fetch_it_one_at_a_time(
    subscribed, fake_instagram, bus_tap
):
    """One fetch per city across nodes: the second leaves its poke to the first."""
    if connection.vendor == "sqlite":
        pytest.skip("one node per SQLite file: the lock is PostgreSQL's advisory lock")
    from ingest.sources.instagram.fetch import fetch_city

    first = fake_instagram.add_media(GEOGRAPHY, *(media_item() for _ in range(3)))
    release = threading.Event()
    fake_instagram.respond(hold=release, times=1, path="/media/recent")
    stored = {}

    def node(name):
        try:
            stored[name] = fetch_city("seattle")
        finally:
            close_old_connections()

    node_a = threading.Thread(target=node, args=("a",))
    node_a.start()
    while len(fake_instagram.media_requests()) < 1:  # A is fetching, held by the API
        time.sleep(0.01)
    later = fake_instagram.add_media(GEOGRAPHY, media_item(), media_item())
    node_b = threading.Thread(target=node, args=("b",))
    node_b.start()
    node_b.join(30)
    assert stored["b"] == 0 and len(fake_instagram.media_requests()) == 1  # B left it to A

    release.set()
    node_a.join(30)

    assert stored["a"] == 5  # A fetched once more for B's poke
    requests = fake_instagram.media_requests()
    assert len(requests) == 2  # never two at once, and no fetch for nothing
    cursor = Subscription.objects.get(pk=subscribed.pk).cursor
    assert requests[1].query["min_id"] == cursor  # the second went on from the first's cursor
    assert sorted(stored_ids()) == sorted(ids(first + later))
    assert sorted(bus_tap.photo_ids()) == sorted(ids(first + later))


def rate_limited(**headers):
    return dict(status=429, body=meta_error(429, "OAuthRateLimitException", "too many"), **headers)


# What an unavailable API can answer: each is retried, then left for the next poke.
FAILURES = {
    "429": rate_limited(),
    "429-retry-after": rate_limited(headers={"Retry-After": "0.2"}),
    "429-in-meta": dict(status=200, body=meta_error(429, "OAuthRateLimitException", "slow")),
    "500-html": dict(status=500, body=b"<html>Internal Server Error</html>"),
    "502-empty": dict(status=502, body=b""),
    "503-meta": dict(status=503, body=meta_error(503, "ServiceUnavailable", "busy")),
    "500-in-meta": dict(status=200, body=meta_error(500, "APIError", "oops")),
    "timeout": dict(delay=5),
    "connection-dropped": dict(drop=True),
    "not-json": dict(status=200, body=b"<html>maintenance</html>"),
    "truncated-json": dict(status=200, body=b'{"meta": {"code": 200}, "data": [{"id": '),
    "json-list": dict(status=200, body=[]),
    "no-meta": dict(status=200, body={"data": []}),
    "no-media-list": dict(status=200, body={"meta": {"code": 200}, "data": None}),
}


@pytest.mark.parametrize("failure", FAILURES.values(), ids=FAILURES.keys())
def test_an_unavailable_api_keeps_the_cursor_and_the_next_poke_catches_up(
    subscribed, fake_instagram, notify, settings, failure
):
    settings.INSTAGRAM_TIMEOUT = 0.3
    first = fake_instagram.add_media(GEOGRAPHY, media_item())
    poke_and_wait(notify)
    cursor = Subscription.objects.get(pk=subscribed.pk).cursor
    missed = fake_instagram.add_media(GEOGRAPHY, media_item(), media_item())
    tries = settings.INSTAGRAM_RETRIES + 1
    fake_instagram.respond(**failure, times=tries, path="/media/recent")

    poke_and_wait(notify)

    failed = fake_instagram.media_requests()[1:]
    assert len(failed) == tries
    assert {r.query["min_id"] for r in failed} == {cursor}
    subscription = Subscription.objects.get(pk=subscribed.pk)
    assert subscription.cursor == cursor
    assert subscription.last_error
    assert stored_ids() == ids(first)

    poke_and_wait(notify)

    assert fake_instagram.media_requests()[-1].query["min_id"] == cursor
    assert stored_ids() == ids(first + missed)
    subscription = Subscription.objects.get(pk=subscribed.pk)
    assert (subscription.cursor, subscription.last_error) == (missed[-1]["id"], "")


def test_a_rate_limited_fetch_waits_for_retry_after_then_retries(
    subscribed, fake_instagram, notify
):
    items = fake_instagram.add_media(GEOGRAPHY, media_item())
    fake_instagram.respond(
        429,
        meta_error(429, "OAuthRateLimitException", "too many"),
        headers={"Retry-After": "1"},
        path="/media/recent",
    )

    poke_and_wait(notify)

    limited, retried = fake_instagram.media_requests()
    assert retried.at - limited.at >= 1.0
    assert stored_ids() == ids(items)


# What the API refuses: retrying would not help, the next poke tries again.
REFUSALS = {
    "unknown-geography": (400, meta_error(400, "APINotFoundError", "invalid geography")),
    "bad-client": (400, meta_error(400, "OAuthClientException", "invalid client id")),
    "4xx-in-meta": (200, meta_error(403, "OAuthPermissionsException", "not allowed")),
    "404-without-meta-details": (404, {"meta": {"code": 404}}),
}


@pytest.mark.parametrize(("status", "body"), REFUSALS.values(), ids=REFUSALS.keys())
def test_an_api_refusal_is_recorded_without_retrying_and_the_next_poke_tries_again(
    subscribed, fake_instagram, notify, settings, status, body
):
    items = fake_instagram.add_media(GEOGRAPHY, media_item())
    fake_instagram.respond(status, body, path="/media/recent")

    poke_and_wait(notify)

    assert len(fake_instagram.media_requests()) == 1
    subscription = Subscription.objects.get(pk=subscribed.pk)
    assert subscription.last_error and subscription.cursor == ""
    assert settings.INSTAGRAM_CLIENT_SECRET not in subscription.last_error
    assert stored_ids() == []

    poke_and_wait(notify)

    assert stored_ids() == ids(items)
    assert Subscription.objects.get(pk=subscribed.pk).last_error == ""


def test_a_rate_limit_outlasts_the_fetch_a_poke_during_it_fetches_once_it_is_over(
    subscribed, fake_instagram, notify, settings
):
    settings.INSTAGRAM_RETRIES = 0
    items = fake_instagram.add_media(GEOGRAPHY, media_item())
    fake_instagram.respond(**rate_limited(headers={"Retry-After": "1"}), path="/media/recent")
    poke_and_wait(notify)
    assert stored_ids() == []

    poke_and_wait(notify)

    limited, later = fake_instagram.media_requests()
    assert later.at - limited.at >= 1.0
    assert stored_ids() == ids(items)


def test_a_page_of_broken_items_moves_the_cursor_past_them_and_never_stops_the_worker(
    subscribed, fake_instagram, notify
):
    broken = [{"id": "1700000000_1"}, {"images": None}, None, "media", {"id": {"nested": 1}}]
    fake_instagram.respond(200, media_page(*broken), path="/media/recent")
    poke_and_wait(notify)
    assert stored_ids() == []
    assert Subscription.objects.get(pk=subscribed.pk).cursor == "1700000000_1"

    items = fake_instagram.add_media(GEOGRAPHY, media_item())
    poke_and_wait(notify)

    assert stored_ids() == ids(items)


def test_ten_pokes_during_a_slow_fetch_cost_two_api_calls(subscribed, fake_instagram, notify):
    release = threading.Event()
    fake_instagram.respond(hold=release, path="/media/recent")
    items = fake_instagram.add_media(GEOGRAPHY, media_item())

    for _ in range(10):
        assert notify().status_code == 200
    release.set()
    assert fetcher.wait_idle(30)

    assert len(fake_instagram.media_requests()) == 2
    assert stored_ids() == ids(items)


def test_a_poke_after_the_fetch_finished_fetches_again(subscribed, fake_instagram, notify):
    poke_and_wait(notify)
    items = fake_instagram.add_media(GEOGRAPHY, media_item())
    poke_and_wait(notify)

    assert len(fake_instagram.media_requests()) == 2
    assert stored_ids() == ids(items)


def test_a_city_fetches_over_one_kept_alive_connection(subscribed, fake_instagram, notify):
    for _ in range(3):
        fake_instagram.add_media(GEOGRAPHY, media_item())
        poke_and_wait(notify)

    assert len(fake_instagram.media_requests()) == 3
    assert fake_instagram.connections_opened == 1
    assert len(stored_ids()) == 3


def test_a_fetch_after_the_api_closed_the_kept_alive_connection_succeeds_at_once(
    subscribed, fake_instagram, notify
):
    poke_and_wait(notify)
    fake_instagram.drop_connections()
    items = fake_instagram.add_media(GEOGRAPHY, media_item())

    poke_and_wait(notify)

    assert stored_ids() == ids(items)
    assert len(fake_instagram.media_requests()) == 2  # no failed attempt, no retry
    assert Subscription.objects.get(pk=subscribed.pk).last_error == ""


def test_the_admin_shows_when_the_city_last_fetched(subscribed, fake_instagram, notify):
    started = timezone.now()
    poke_and_wait(notify)
    assert Subscription.objects.get(pk=subscribed.pk).fetched_at >= started

    Subscription.objects.filter(pk=subscribed.pk).update(fetched_at=started - timedelta(minutes=5))
    poke_and_wait(notify)

    assert Subscription.objects.get(pk=subscribed.pk).fetched_at >= started


def test_a_busy_city_s_fetch_that_finds_nothing_new_costs_one_query(subscribed, fake_instagram):
    fake_instagram.add_media(GEOGRAPHY, media_item())
    assert fetch_city("seattle") == 1

    with CaptureQueriesContext(connection) as queries:
        assert fetch_city("seattle") == 0  # the same second: its fetch time is already written

    # On PostgreSQL the city's lock costs three more: take it, let it go, look for pokes.
    lock = 3 if connection.vendor == "postgresql" else 0
    assert len(queries.captured_queries) == 1 + lock
    assert len(fake_instagram.media_requests()) == 2
