"""The live stream as a browser sees it: history on connect, live frames, retract, resume."""

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator

from feed.frames import layer_event
from feed.groups import city_group
from feed.hub import current_hub
from feed.models import City
from ingest.events import photo_event, retract_event
from ingest.relay import deliver
from tests.conftest import photo_message
from tests.support.frames import receive_frames
from wazstagram.asgi import websocket as websocket_app

pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = (b"origin", b"http://localhost")


@pytest.fixture
def store(make_photo):
    """Store photos from async tests: await store("seattle", hidden=True)."""
    return sync_to_async(make_photo)


async def frames(communicator, count):
    return await receive_frames(communicator, count)


async def ids(communicator, count):
    return [frame["photo"]["id"] for frame in await frames(communicator, count)]


async def test_history_on_connect_is_the_citys_visible_photos_oldest_first(open_stream, store):
    first = await store("seattle")
    await store("seattle", hidden=True)
    await store("london")
    last = await store("seattle")

    stream = await open_stream("seattle")

    received = await frames(stream, 2)
    assert received == [
        {"type": "photo", "photo": await sync_to_async(first.to_message)()},
        {"type": "photo", "photo": await sync_to_async(last.to_message)()},
    ]
    assert await stream.receive_nothing()


async def test_history_is_the_latest_photos_when_there_are_many(open_stream, store, settings):
    settings.FEED_HISTORY_SIZE = 3
    photos = [await store("seattle") for _ in range(5)]

    stream = await open_stream("seattle")

    assert await ids(stream, 3) == [photo.media_id for photo in photos[2:]]
    assert await stream.receive_nothing()


async def test_all_stream_has_every_city(open_stream, store):
    seattle = await store("seattle")
    london = await store("london")

    stream = await open_stream("all")

    assert await ids(stream, 2) == [seattle.media_id, london.media_id]


async def test_live_photo_reaches_its_city_and_all_but_not_other_cities(open_stream, db):
    seattle, everything, london = (
        await open_stream("seattle"),
        await open_stream("all"),
        await open_stream("london"),
    )
    message = photo_message("seattle", caption="fresh off the ferry")

    await deliver([photo_event(message)])

    assert await frames(seattle, 1) == [{"type": "photo", "photo": message}]
    assert await frames(everything, 1) == [{"type": "photo", "photo": message}]
    assert await london.receive_nothing()


async def test_frames_are_forwarded_as_the_relay_serialized_them(open_stream, db):
    stream = await open_stream("seattle")
    frame = '{"type": "photo",   "photo": {"id": "as-built"}}'

    await get_channel_layer().group_send(
        city_group("seattle"), layer_event([("photo", "as-built", frame)])
    )

    assert await stream.receive_from(timeout=5) == frame


async def test_a_photo_already_sent_in_history_is_not_sent_again_live(open_stream, store):
    photo = await store("seattle")
    stream = await open_stream("seattle")
    assert await ids(stream, 1) == [photo.media_id]

    await deliver([photo_event(await sync_to_async(photo.to_message)())])

    assert await stream.receive_nothing()


async def test_retract_removes_a_photo_live(open_stream, store):
    photo = await store("seattle")
    seattle, everything = await open_stream("seattle"), await open_stream("all")
    await frames(seattle, 1)
    await frames(everything, 1)

    await deliver([retract_event(photo.media_id, "seattle")])

    assert await frames(seattle, 1) == [{"type": "retract", "id": photo.media_id}]
    assert await frames(everything, 1) == [{"type": "retract", "id": photo.media_id}]


async def test_a_retracted_photo_may_be_shown_again_when_restored(open_stream, store):
    photo = await store("seattle")
    stream = await open_stream("seattle")
    await frames(stream, 1)
    message = await sync_to_async(photo.to_message)()

    await deliver([retract_event(photo.media_id, "seattle"), photo_event(message)])

    assert await frames(stream, 2) == [
        {"type": "retract", "id": photo.media_id},
        {"type": "photo", "photo": message},
    ]


async def test_resume_sends_only_the_photos_missed_while_away(open_stream, store, settings):
    settings.FEED_HISTORY_SIZE = 2
    seen = [await store("seattle") for _ in range(2)]
    first = await open_stream("seattle")
    assert await ids(first, 2) == [photo.media_id for photo in seen]
    await first.disconnect()
    missed = [await store("seattle") for _ in range(3)]

    again = await open_stream("seattle")
    history = await ids(again, 2)
    await again.send_json_to({"type": "resume", "after": seen[-1].media_id})
    resumed = await ids(again, 1)

    assert history == [photo.media_id for photo in missed[1:]]
    assert resumed == [missed[0].media_id]
    assert await again.receive_nothing()


async def test_resume_when_nothing_was_missed_sends_nothing(open_stream, store):
    photos = [await store("seattle") for _ in range(2)]
    stream = await open_stream("seattle")
    await frames(stream, 2)

    await stream.send_json_to({"type": "resume", "after": photos[-1].media_id})

    assert await stream.receive_nothing()


@pytest.mark.parametrize(
    "request_text",
    ["not json", "[]", '{"type": "resume", "after": {"id": 1}}', '{"type": "resume"}', "{}"],
)
async def test_malformed_requests_are_ignored(open_stream, db, request_text):
    stream = await open_stream("seattle")

    await stream.send_to(text_data=request_text)

    assert await stream.receive_nothing()
    message = photo_message("seattle")
    await deliver([photo_event(message)])
    assert await frames(stream, 1) == [{"type": "photo", "photo": message}]


@pytest.mark.parametrize("slug", ["atlantis", "inactive"])
async def test_unknown_or_inactive_city_closes_with_4404(open_stream, db, slug):
    await City.objects.filter(slug="rome").aupdate(slug="inactive", active=False)

    stream = await open_stream(slug)

    assert await stream.receive_output(timeout=5) == {"type": "websocket.close", "code": 4404}
    assert current_hub().stats()["groups"] == 0  # it listens to nothing for the refused page


async def test_a_page_of_another_site_cannot_open_the_stream(db):
    communicator = WebsocketCommunicator(
        websocket_app, "/ws/cities/seattle/", headers=[(b"origin", b"http://evil.example")]
    )

    connected, _ = await communicator.connect(timeout=5)

    assert not connected


async def test_a_client_without_origin_cannot_open_the_stream(db):
    communicator = WebsocketCommunicator(websocket_app, "/ws/cities/seattle/")

    connected, _ = await communicator.connect(timeout=5)

    assert not connected
