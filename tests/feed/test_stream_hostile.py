"""Hostile websocket clients: junk is ignored, too big or too many frames close, too many
connections from one address are refused; a page's connection is never the worse for it."""

import pytest
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator

from ingest.events import photo_event
from ingest.relay import deliver
from tests.conftest import photo_message
from wazstagram.asgi import websocket as websocket_app
from wazstagram.clientaddress import client_address

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
async def connect():
    """Open Seattle's stream as a page would, from `address` (through `forwarded_for`)."""
    opened = []

    async def connect_(address="192.0.2.1", forwarded_for=None):
        headers = [(b"origin", b"http://localhost"), (b"host", b"localhost")]
        if forwarded_for:
            headers.append((b"x-forwarded-for", forwarded_for.encode()))
        communicator = WebsocketCommunicator(websocket_app, "/ws/cities/seattle/", headers)
        communicator.scope["client"] = (address, 40000 + len(opened))
        opened.append(communicator)
        connected, _ = await communicator.connect(timeout=5)
        return communicator if connected else None

    yield connect_
    for communicator in opened:
        await communicator.disconnect()
    await get_channel_layer().flush()


async def still_live(stream):
    """The connection still gets the next photo."""
    message = photo_message("seattle")
    await deliver([photo_event(message)])
    frame = await stream.receive_json_from(timeout=5)
    return frame == {"type": "photo", "photo": message}


async def closed_with(stream):
    output = await stream.receive_output(timeout=5)
    assert output["type"] == "websocket.close"
    return output["code"]


JUNK = {
    "not json": {"text_data": "not json"},
    "whitespace": {"text_data": " \n"},
    "json null": {"text_data": "null"},
    "json list": {"text_data": '[{"type": "resume"}]'},
    "unknown type": {"text_data": '{"type": "subscribe", "city": "rome"}'},
    "resume without after": {"text_data": '{"type": "resume"}'},
    "resume after an object": {"text_data": '{"type": "resume", "after": {"$gt": ""}}'},
    "resume after a long id": {"text_data": '{"type": "resume", "after": "' + "9" * 65 + '"}'},
    "binary": {"bytes_data": b"\x00\xff\xfe"},
    "invalid surrogate": {"text_data": '{"type": "\\ud800"}'},
}


@pytest.mark.parametrize("frame", JUNK.values(), ids=JUNK.keys())
async def test_a_junk_frame_is_ignored_and_the_stream_goes_on(connect, frame):
    stream = await connect()

    await stream.send_to(**frame)

    assert await stream.receive_nothing()
    assert await still_live(stream)


async def test_a_frame_over_the_limit_closes_with_1009(connect, settings):
    settings.FEED_CLIENT_MAX_FRAME = 4096
    stream = await connect()
    await stream.send_to(text_data="é" * 2048)  # 4096 bytes: at the limit
    assert await still_live(stream)

    await stream.send_to(text_data="é" * 2049)  # 4098 bytes

    assert await closed_with(stream) == 1009


async def test_a_binary_frame_over_the_limit_closes_with_1009(connect, settings):
    settings.FEED_CLIENT_MAX_FRAME = 100
    stream = await connect()

    await stream.send_to(bytes_data=b"x" * 101)

    assert await closed_with(stream) == 1009


async def test_a_flood_of_frames_is_cut_off_with_1008(connect, settings, caplog):
    settings.FEED_CLIENT_RATE_PER_SECOND, settings.FEED_CLIENT_RATE_BURST = 0.001, 5
    stream, neighbour = await connect(), await connect()
    for _ in range(5):
        await stream.send_to(text_data="{}")
    assert await still_live(stream)

    await stream.send_to(text_data="{}")

    assert await closed_with(stream) == 1008
    assert "192.0.2.1 closed (1008): too many frames" in caplog.text
    await neighbour.receive_json_from(timeout=5)  # the photo sent while checking `stream`
    assert await still_live(neighbour)


async def test_connections_over_the_limit_per_address_are_refused(connect, settings, caplog):
    settings.FEED_CONNECTIONS_PER_ADDRESS = 2
    first, second = await connect("192.0.2.1"), await connect("192.0.2.1")
    assert first and second

    assert await connect("192.0.2.1") is None
    assert "websocket from 192.0.2.1 refused" in caplog.text
    assert await connect("192.0.2.2") is not None

    await first.disconnect()
    assert await connect("192.0.2.1") is not None


async def test_behind_a_trusted_proxy_the_limit_is_per_forwarded_address(connect, settings):
    settings.FEED_CONNECTIONS_PER_ADDRESS = 1
    settings.TRUSTED_PROXIES = ["10.9.0.0/16"]

    assert await connect("10.9.0.5", forwarded_for="203.0.113.7")
    assert await connect("10.9.0.6", forwarded_for="203.0.113.7") is None
    assert await connect("10.9.0.5", forwarded_for="203.0.113.8")
    # An address not trusted cannot choose whom it is counted as.
    assert await connect("198.51.100.1", forwarded_for="203.0.113.9")
    assert await connect("198.51.100.1", forwarded_for="203.0.113.10") is None


ADDRESSES = {
    # (peer, X-Forwarded-For, trusted proxies) -> the client's address
    "no header": ("192.0.2.1", None, ["10.0.0.0/8"], "192.0.2.1"),
    "untrusted peer": ("192.0.2.1", "203.0.113.7", ["10.0.0.0/8"], "192.0.2.1"),
    "nobody trusted": ("10.0.0.1", "203.0.113.7", [], "10.0.0.1"),
    "trusted peer": ("10.0.0.1", "203.0.113.7", ["10.0.0.0/8"], "203.0.113.7"),
    "spoofed left part": ("10.0.0.1", "1.2.3.4, 203.0.113.7", ["10.0.0.0/8"], "203.0.113.7"),
    "two trusted hops": ("10.0.0.1", "203.0.113.7, 10.0.0.2", ["10.0.0.0/8"], "203.0.113.7"),
    "junk in the header": ("10.0.0.1", "1.2.3.4, <script>", ["10.0.0.0/8"], "10.0.0.1"),
    "only proxies": ("10.0.0.1", "10.0.0.3", ["10.0.0.0/8"], "10.0.0.1"),
    "ipv6": ("::1", "2001:db8::7", ["::1"], "2001:db8::7"),
}


@pytest.mark.parametrize(
    ("peer", "forwarded_for", "trusted", "expected"), ADDRESSES.values(), ids=ADDRESSES.keys()
)
def test_client_address(settings, peer, forwarded_for, trusted, expected):
    settings.TRUSTED_PROXIES = trusted
    assert client_address(peer, forwarded_for) == expected
