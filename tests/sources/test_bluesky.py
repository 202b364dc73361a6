"""Bluesky through the source runner, against the Jetstream and AppView doubles."""

import json

import pytest

from feed.models import Photo
from ingest.models import SourceState
from ingest.sources import bluesky
from tests.sources.conftest import Running
from tests.support.bluesky import AppView, Jetstream, did_for

pytestmark = pytest.mark.django_db(transaction=True)

ALICE = did_for("alice")


@pytest.fixture
def appview(settings):
    with AppView() as appview:
        appview.add_profile(ALICE, "alice.bsky.social", "Alice A.", "https://cdn.example/a.jpg")
        settings.BLUESKY_APPVIEW_URL = appview.url
        yield appview


@pytest.fixture
def jetstream(settings, appview):
    with Jetstream() as jetstream:
        settings.SOURCES = ["bluesky"]
        settings.BLUESKY_JETSTREAM_URL = jetstream.url
        settings.BLUESKY_CDN_URL = "https://cdn.bsky.app"
        yield jetstream


@pytest.fixture
def running(jetstream):
    with Running(bluesky.SOURCE) as running:
        jetstream.wait_for_connections(1)
        yield running


def bluesky_photos(**filters):
    return list(Photo.objects.filter(source="bluesky", **filters).order_by("pk"))


def published(bus_tap):
    return [e["photo"] for e in bus_tap.events() if e["type"] == "photo"]


def test_a_tagged_image_post_reaches_its_city_with_image_link_author_and_alt(
    jetstream, running, bus_tap
):
    event = jetstream.post(
        ALICE,
        text="Rain again",
        hashtags=["Seattle"],
        images=[{"alt": "Space Needle in fog", "width": 1200, "height": 800}],
    )
    running.wait_for(lambda: len(bluesky_photos()) == 1)

    (photo,) = published(bus_tap)
    record, rkey = event["commit"]["record"], event["commit"]["rkey"]
    cid = record["embed"]["images"][0]["image"]["ref"]["$link"]
    assert photo["city"] == "seattle" and photo["source"] == "bluesky"
    assert photo["image"] == {
        "url": f"https://cdn.bsky.app/img/feed_fullsize/plain/{ALICE}/{cid}@jpeg",
        "width": 1200,
        "height": 800,
        "alt": "Space Needle in fog",
    }
    assert photo["thumbnail"]["url"].endswith(f"/img/feed_thumbnail/plain/{ALICE}/{cid}@jpeg")
    assert photo["link"] == f"https://bsky.app/profile/alice.bsky.social/post/{rkey}"
    assert photo["user"] == {
        "username": "alice.bsky.social",
        "full_name": "Alice A.",
        "avatar": "https://cdn.example/a.jpg",
    }
    assert photo["caption"].startswith("Rain again")


def test_every_image_in_every_matching_city_from_facets_and_tags(jetstream, running):
    jetstream.post(ALICE, hashtags=["london"], tags=["NYC"], images=[1, 2], embed="recordWithMedia")
    running.wait_for(lambda: len(bluesky_photos()) == 4)

    assert sorted(p.city.slug for p in bluesky_photos()) == ["london"] * 2 + ["new-york"] * 2


def test_posts_that_are_not_a_citys_photos_are_not_shown(jetstream, running, bus_tap):
    jetstream.post(ALICE, text="no hashtag at all")
    jetstream.post(ALICE, hashtags=["seattle"], embed=None)
    jetstream.post(ALICE, hashtags=["seattle"], embed="video")
    jetstream.post(ALICE, hashtags=["seattle"], embed="external")
    jetstream.post(ALICE, hashtags=["paris"])
    jetstream.identity(ALICE, "alice.bsky.social")
    jetstream.account(ALICE, active=False)
    labelled = jetstream.post(ALICE, hashtags=["seattle"], labels=["porn"])
    shown = jetstream.post(ALICE, text="the last one", hashtags=["seattle"])
    running.wait_for(lambda: len(bluesky_photos()) == 2)

    (photo,) = published(bus_tap)
    assert shown["commit"]["rkey"] in photo["link"]
    (hidden,) = bluesky_photos(hidden=True)
    assert labelled["commit"]["rkey"] in hidden.link


def test_a_deleted_post_is_retracted_live(jetstream, running, bus_tap):
    event = jetstream.post(ALICE, hashtags=["seattle"])
    running.wait_for(lambda: len(bluesky_photos()) == 1)

    jetstream.delete(ALICE, event["commit"]["rkey"])
    running.wait_for(lambda: bluesky_photos()[0].hidden)

    (photo,) = bluesky_photos()
    retracts = [e for e in bus_tap.events() if e["type"] == "retract"]
    assert retracts == [{"type": "retract", "id": photo.media_id, "city": "seattle"}]


def test_a_dropped_connection_reconnects_with_a_cursor_and_loses_nothing(jetstream, running):
    first = jetstream.post(ALICE, hashtags=["seattle"])
    running.wait_for(lambda: len(bluesky_photos()) == 1)
    running.wait_for(lambda: _site_cursor() >= first["time_us"])

    jetstream.drop_connections()
    missed = jetstream.post(ALICE, hashtags=["seattle"])  # while the runner reconnects
    jetstream.wait_for_connections(2)
    jetstream.post(ALICE, hashtags=["seattle"])
    running.wait_for(lambda: len(bluesky_photos()) == 3)

    again = jetstream.connections[1]
    assert again["wantedCollections"] == ["app.bsky.feed.post"]
    assert int(again["cursor"]) <= first["time_us"]  # rewound: the overlap is replayed
    assert missed["commit"]["rkey"] in {p.link.rsplit("/", 1)[1] for p in bluesky_photos()}
    assert len({p.media_id for p in bluesky_photos()}) == 3


def test_a_restarted_runner_resumes_from_the_stored_cursor(jetstream, bus_tap):
    with Running(bluesky.SOURCE) as running:
        jetstream.wait_for_connections(1)
        jetstream.post(ALICE, hashtags=["seattle"])
        running.wait_for(lambda: len(bluesky_photos()) == 1)
        running.wait_for(lambda: _site_cursor() > 0)
    stored = _site_cursor()
    assert jetstream.connections[0]["cursor"] is None  # the first run had no cursor: live

    jetstream.post(ALICE, hashtags=["seattle"])  # while no runner runs
    with Running(bluesky.SOURCE) as running:
        running.wait_for(lambda: len(bluesky_photos()) == 2)

    assert stored - 5_000_000 <= int(jetstream.connections[1]["cursor"]) < stored
    assert len(published(bus_tap)) == 2  # the replayed first post was not shown again


BAD_FRAMES = [
    "not json",
    "[]",
    "null",
    json.dumps({"kind": "commit"}),
    json.dumps({"did": ALICE, "time_us": "soon", "kind": "commit", "commit": {}}),
    json.dumps({"did": ALICE, "time_us": 1, "kind": "commit", "commit": "create"}),
    json.dumps(
        {
            "did": ALICE,
            "time_us": 2,
            "kind": "commit",
            "commit": {"operation": "create", "collection": "app.bsky.feed.post", "rkey": "x"},
        }
    ),
]


def _post_frame(record_changes: dict, **event_changes) -> str:
    image = {
        "alt": "",
        "image": {
            "$type": "blob",
            "ref": {"$link": "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy"},
            "mimeType": "image/jpeg",
            "size": 1,
        },
    }
    record = {
        "$type": "app.bsky.feed.post",
        "text": "#seattle",
        "createdAt": "2026-01-01T00:00:00Z",
        "tags": ["seattle"],
        "embed": {"$type": "app.bsky.embed.images", "images": [image]},
        **record_changes,
    }
    event = {
        "did": ALICE,
        "time_us": 3,
        "kind": "commit",
        "commit": {
            "rev": "x",
            "operation": "create",
            "collection": "app.bsky.feed.post",
            "rkey": "3kabc",
            "cid": "x",
            "record": record,
        },
    }
    event.update(event_changes)
    return json.dumps(event)


BAD_POSTS = [
    _post_frame({"embed": {"$type": "app.bsky.embed.gallery", "items": []}}),
    _post_frame({"embed": {"$type": "app.bsky.embed.images", "images": "many"}}),
    _post_frame({"embed": {"$type": "app.bsky.embed.images", "images": [{"image": {}}]}}),
    _post_frame({"embed": {"$type": "app.bsky.embed.images", "images": ["a picture"]}}),
    _post_frame({"embed": "an image"}),
    _post_frame({}, did="alice"),
    _post_frame({}, did="did:plc:../../etc"),
]


def test_malformed_frames_and_posts_are_skipped_and_the_connection_stays(jetstream, running):
    for frame in BAD_FRAMES + BAD_POSTS:
        jetstream.send_raw(frame)
    jetstream.post(ALICE, hashtags=["seattle"])
    running.wait_for(lambda: len(bluesky_photos()) == 1)

    assert len(jetstream.connections) == 1 and jetstream.open_connections() == 1
    assert all(photo.image_url.startswith("https://cdn.bsky.app/") for photo in bluesky_photos())


def test_the_runner_counts_what_it_skipped(jetstream):
    with Running(bluesky.SOURCE) as running:
        jetstream.wait_for_connections(1)
        for frame in BAD_FRAMES + BAD_POSTS:
            jetstream.send_raw(frame)
        jetstream.post(ALICE, hashtags=["seattle"])
        running.wait_for(lambda: len(bluesky_photos()) == 1)
    assert running.counts["skipped"] == len(BAD_FRAMES) + len(BAD_POSTS)
    assert running.counts["photos"] == 1


def test_authors_are_asked_for_at_most_25_at_a_time_and_without_the_appview_still_show(
    jetstream, appview, running
):
    authors = [did_for(f"author-{n}") for n in range(30)]
    appview.fail_next(100)
    for did in authors:
        jetstream.post(did, hashtags=["seattle"])
    running.wait_for(lambda: len(bluesky_photos()) == 30)

    assert all(len(actors) <= 25 for actors in appview.requests)
    assert {p.username for p in bluesky_photos()} == set(authors)  # the DID stands in
    assert all(f"/profile/{p.username}/post/" in p.link for p in bluesky_photos())


def test_a_city_switched_off_for_bluesky_gets_none_of_its_posts(jetstream, running):
    from feed.models import City

    SourceState.objects.create(
        city=City.objects.get(slug="seattle"), source="bluesky", enabled=False
    )
    jetstream.post(ALICE, hashtags=["seattle"])
    jetstream.post(ALICE, hashtags=["london"])
    running.wait_for(lambda: len(bluesky_photos()) == 1)

    assert bluesky_photos()[0].city.slug == "london"


def _site_cursor() -> int:
    row = SourceState.objects.filter(city=None, source="bluesky").first()
    return int(row.cursor) if row and row.cursor else 0


def test_the_runner_reports_what_each_source_did_every_interval(jetstream, caplog):
    caplog.set_level("INFO", logger="ingest.sources.runner")
    with Running(bluesky.SOURCE, report_interval=0.3) as running:
        jetstream.wait_for_connections(1)
        jetstream.post(ALICE, hashtags=["seattle"], images=[1, 2])
        running.wait_for(lambda: "bluesky: 2 photos, 0 retracted" in caplog.text)
        running.wait_for(lambda: "bluesky: 0 photos, 0 retracted" in caplog.text)  # the next one
