"""Hostile websocket clients: junk is ignored, too big or too many frames close, too many
connections from one address are refused; a page's connection is never the worse for it."""

import pytest

from ingest.events import photo_event
from ingest.relay import deliver
from tests.conftest import photo_message
from tests.support.frames import receive_frame
from wazstagram.clientaddress import client_address

pytestmark = pytest.mark.django_db(transaction=True)


async def still_live(stream):
    """The connection still gets the next photo."""
    message = photo_message("seattle")
    await deliver([photo_event(message)])
    frame = await receive_frame(stream)
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
async def test_a_junk_frame_is_ignored_and_the_stream_goes_on(open_stream, frame):
    stream = await open_stream(address="192.0.2.1")

    await stream.send_to(**frame)

    assert await stream.receive_nothing()
    assert await still_live(stream)


async def test_a_frame_over_the_limit_closes_with_1009(open_stream, settings):
    settings.FEED_CLIENT_MAX_FRAME = 4096
    stream = await open_stream(address="192.0.2.1")
    await stream.send_to(text_data="é" * 2048)  # 4096 bytes: at the limit
    assert await still_live(stream)

    await stream.send_to(text_data="é" * 2049)  # 4098 bytes

    assert await closed_with(stream) == 1009


async def test_a_binary_frame_over_the_limit_closes_with_1009(open_stream, settings):
    settings.FEED_CLIENT_MAX_FRAME = 100
    stream = await open_stream(address="192.0.2.1")

    await stream.send_to(bytes_data=b"x" * 101)

    assert await closed_with(stream) == 1009


async def test_a_flood_of_frames_is_cut_off_with_1008(open_stream, settings, caplog):
    settings.FEED_CLIENT_RATE_PER_SECOND, settings.FEED_CLIENT_RATE_BURST = 0.001, 5
    stream, neighbour = (
        await open_stream(address="192.0.2.1"),
        await open_stream(address="192.0.2.1"),
    )
    for _ in range(5):
        await stream.send_to(text_data="{}")
    assert await still_live(stream)

    await stream.send_to(text_data="{}")

    assert await closed_with(stream) == 1008
    assert "192.0.2.1 closed (1008): too many frames" in caplog.text
    await receive_frame(neighbour)  # the photo sent while checking `stream`
    assert await still_live(neighbour)


async def test_connections_over_the_limit_per_address_are_refused(open_stream, settings, caplog):
    settings.FEED_CONNECTIONS_PER_ADDRESS = 2
    first, second = await open_stream(address="192.0.2.1"), await open_stream(address="192.0.2.1")
    assert first and second

    assert await open_stream(address="192.0.2.1") is None
    assert "websocket from 192.0.2.1 refused" in caplog.text
    assert await open_stream(address="192.0.2.2") is not None

    await first.disconnect()
    assert await open_stream(address="192.0.2.1") is not None


async def test_behind_a_trusted_proxy_the_limit_is_per_forwarded_address(open_stream, settings):
    settings.FEED_CONNECTIONS_PER_ADDRESS = 1
    settings.TRUSTED_PROXIES = ["10.9.0.0/16"]

    assert await open_stream(address="10.9.0.5", forwarded_for="203.0.113.7")
    assert await open_stream(address="10.9.0.6", forwarded_for="203.0.113.7") is None
    assert await open_stream(address="10.9.0.5", forwarded_for="203.0.113.8")
    # An address not trusted cannot choose whom it is counted as.
    assert await open_stream(address="198.51.100.1", forwarded_for="203.0.113.9")
    assert await open_stream(address="198.51.100.1", forwarded_for="203.0.113.10") is None


ADDRESSES = {
    # (peer, X-Forwarded-For, trusted proxies) -> the client's address
    "no header": ("192.0.2.1", None, ["10.0.0.0/8"], "192.0.2.1"),
    "with a port": ("10.0.0.1", "203.0.113.5:51234", ["10.0.0.0/8"], "203.0.113.5"),
    "bracketed ipv6 with a port": ("10.0.0.1", "[2001:db8::7]:443", ["10.0.0.0/8"], "2001:db8::7"),
    "bracketed ipv6": ("10.0.0.1", "[2001:db8::7]", ["10.0.0.0/8"], "2001:db8::7"),
    "trusted proxy with a port": (
        "10.0.0.1",
        "203.0.113.5:1, 10.0.0.2:2",
        ["10.0.0.0/8"],
        "203.0.113.5",
    ),
    "untrusted peer with a port": ("192.0.2.1", "203.0.113.5:5", ["10.0.0.0/8"], "192.0.2.1"),
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


FORWARDED = {
    # (peer, RFC 7239 Forwarded, trusted proxies) -> the client's address
    "for": ("10.0.0.1", "for=192.0.2.60;proto=http;by=203.0.113.43", ["10.0.0.0/8"], "192.0.2.60"),
    "quoted ipv6 with port": (
        "10.0.0.1",
        'for="[2001:db8:cafe::17]:4711"',
        ["10.0.0.0/8"],
        "2001:db8:cafe::17",
    ),
    "two elements": (
        "10.0.0.1",
        "for=198.51.100.17, for=10.0.0.9",
        ["10.0.0.0/8"],
        "198.51.100.17",
    ),
    "spoofed left element": (
        "10.0.0.1",
        "for=1.2.3.4, For=192.0.2.43",
        ["10.0.0.0/8"],
        "192.0.2.43",
    ),
    "obfuscated": ("10.0.0.1", "for=_hidden", ["10.0.0.0/8"], "10.0.0.1"),
    "unknown": ("10.0.0.1", "for=unknown", ["10.0.0.0/8"], "10.0.0.1"),
    "untrusted peer": ("192.0.2.1", "for=203.0.113.7", ["10.0.0.0/8"], "192.0.2.1"),
}


@pytest.mark.parametrize(
    ("peer", "forwarded", "trusted", "expected"), FORWARDED.values(), ids=FORWARDED.keys()
)
def test_client_address_from_forwarded(settings, peer, forwarded, trusted, expected):
    settings.TRUSTED_PROXIES = trusted
    assert client_address(peer, "203.0.113.250", forwarded) == expected


@pytest.mark.django_db(transaction=True)
def test_the_callback_counts_the_client_behind_a_proxy_writing_forwarded(client, settings):
    """Two clients behind one balancer are two addresses to the callback's rate limit."""
    from ingest.sources.instagram import views

    views._limiter.cache_clear()
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    settings.INGEST_RATE_PER_SECOND, settings.INGEST_RATE_BURST = 0.001, 1

    def challenge(forwarded):
        return client.get(
            "/ingest/instagram/seattle/",
            {"hub.mode": "subscribe", "hub.challenge": "c", "hub.verify_token": "x"},
            REMOTE_ADDR="10.0.0.1",
            HTTP_FORWARDED=forwarded,
        ).status_code

    assert challenge("for=203.0.113.1:1000") == 403
    assert challenge("for=203.0.113.1:2000") == 429
    assert challenge('for="[2001:db8::2]:3000"') == 403
    views._limiter.cache_clear()
