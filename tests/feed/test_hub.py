"""Live delivery to many pages: each gets each photo once; a stalled page holds no one up."""

import asyncio
import json
import logging

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer

from feed.groups import city_group
from ingest.events import photo_event, retract_event
from ingest.relay import deliver
from tests.conftest import photo_message
from tests.support.frames import receive_frame, receive_frames, receive_message
from wazstagram.asgi import websocket as websocket_app

pytestmark = pytest.mark.django_db(transaction=True)

HEADERS = [(b"origin", b"http://localhost"), (b"host", b"localhost")]


def stalled_server(app):
    """`app` behind a server whose socket stops draining at the first live frame (until `go`)."""
    go = asyncio.Event()

    async def served(scope, receive, send):
        async def send_until_stalled(message):
            if message["type"] == "websocket.send":
                await go.wait()
            await send(message)

        await app(scope, receive, send_until_stalled)

    return served, go


async def photo_ids(communicator, count):
    frames = await receive_frames(communicator, count)
    return [frame["photo"]["id"] for frame in frames]


async def test_many_pages_of_one_city_each_get_each_photo_once(open_stream):
    seattle = [await open_stream("seattle") for _ in range(40)]
    everything = [await open_stream("all") for _ in range(3)]
    london = await open_stream("london")
    messages = [photo_message("seattle") for _ in range(6)]

    await deliver([photo_event(message) for message in messages[:4]])
    await deliver([photo_event(message) for message in messages[2:]])  # a redelivery overlaps

    expected = [message["id"] for message in messages]
    for page in seattle + everything:
        assert await photo_ids(page, 6) == expected
    quiet = [page.receive_nothing() for page in seattle + everything + [london]]
    assert all(await asyncio.gather(*quiet))


async def test_a_burst_reaches_each_page_in_one_message_built_once_for_all(open_stream):
    pages = [await open_stream("seattle") for _ in range(5)]
    messages = [photo_message("seattle") for _ in range(8)]

    await deliver([photo_event(message) for message in messages])

    sent = [await page.receive_output(timeout=5) for page in pages]
    assert all(await asyncio.gather(*(page.receive_nothing() for page in pages)))
    batch = json.loads(sent[0]["text"])
    assert batch["type"] == "batch"
    assert [frame["photo"]["id"] for frame in batch["frames"]] == [m["id"] for m in messages]
    # One string for every page: the burst's message was built once, not once per page.
    assert all(output["text"] is sent[0]["text"] for output in sent)


async def test_a_socket_that_takes_writes_gets_bursts_at_once_and_a_paused_one_in_order(
    open_stream,
):
    written, socket_takes = [], [True]

    def send_now(text):  # what `serve` offers: write at once, or say it cannot
        if socket_takes[0]:
            written.append(json.loads(text))
        return socket_takes[0]

    page = await open_stream("seattle", send_now=send_now)
    first, second, third = ([photo_message("seattle")] for _ in range(3))

    await deliver([photo_event(message) for message in first])
    await wait_for(lambda: written)
    assert [frame["photo"]["id"] for frame in written] == [first[0]["id"]]
    assert await page.receive_nothing()  # not through ASGI's send as well

    socket_takes[0] = False  # paused: the page's writer sends it when the socket drains
    await deliver([photo_event(message) for message in second])
    assert await photo_ids(page, 1) == [second[0]["id"]]

    socket_takes[0] = True
    await deliver([photo_event(message) for message in third])
    await wait_for(lambda: len(written) == 2)
    assert written[1]["photo"]["id"] == third[0]["id"]


async def wait_for(condition, timeout=5.0):
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "not within the timeout"
        await asyncio.sleep(0.01)


async def test_a_relayed_batch_reaches_each_group_as_one_layer_message():
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add(city_group("seattle"), channel)
    messages = [photo_message("seattle") for _ in range(5)]

    await deliver([photo_event(message) for message in messages])

    event = await asyncio.wait_for(layer.receive(channel), 5)
    assert [photo_id for _, photo_id, _ in event["items"]] == [m["id"] for m in messages]
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(layer.receive(channel), 0.2)
    await layer.group_discard(city_group("seattle"), channel)


async def test_history_reaches_a_new_page_in_one_message(open_stream, make_photo):
    for _ in range(3):
        await sync_to_async(make_photo)("seattle")

    page = await open_stream("seattle")

    assert len(await receive_message(page)) == 3
    assert await page.receive_nothing()


async def test_a_retract_reaches_every_page_and_the_photo_may_come_back(open_stream):
    pages = [await open_stream("seattle") for _ in range(10)]
    message = photo_message("seattle")
    await deliver([photo_event(message)])
    for page in pages:
        assert await photo_ids(page, 1) == [message["id"]]

    await deliver([retract_event(message["id"], "seattle"), photo_event(message)])

    for page in pages:
        assert await receive_frame(page) == {
            "type": "retract",
            "id": message["id"],
        }
        assert await photo_ids(page, 1) == [message["id"]]


async def test_a_stalled_page_loses_its_oldest_frames_and_stalls_no_one(
    open_stream, settings, caplog, make_photo
):
    settings.FEED_CLIENT_QUEUE = 5
    # Every page opens with this photo: once the healthy ones have it, the stalled page's
    # opening was read too (one read for all), and its send waits first in line.
    await sync_to_async(make_photo)("seattle")
    app, go = stalled_server(websocket_app)
    stalled = await open_stream("seattle", app=app)
    healthy = [await open_stream("seattle") for _ in range(5)]
    for page in healthy:
        await receive_message(page)
    messages = [photo_message("seattle") for _ in range(20)]

    with caplog.at_level(logging.WARNING, logger="feed"):
        for burst in range(0, 20, 4):
            await deliver([photo_event(message) for message in messages[burst : burst + 4]])
            for page in healthy:
                assert await photo_ids(page, 4) == [m["id"] for m in messages[burst : burst + 4]]

        go.set()
        received = []
        while not await stalled.receive_nothing(timeout=0.2):
            received += [frame["photo"]["id"] for frame in await receive_message(stalled)]
        await stalled.disconnect()
    received = [photo_id for photo_id in received if photo_id in {m["id"] for m in messages}]

    assert len(received) < 20
    assert received[-5:] == [message["id"] for message in messages[-5:]]
    dropped = 20 - len(received)
    assert f"/ws/cities/seattle/ closed; {dropped} frames dropped" in caplog.text
