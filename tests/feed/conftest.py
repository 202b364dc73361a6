"""Streams opened as pages of this site open them."""

import pytest
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator

from tests.ingest.conftest import bus_tap  # noqa: F401 - the bus as a relay sees it
from wazstagram.asgi import websocket as websocket_app
from wazstagram.leanwebsocket import SEND_NOW


@pytest.fixture
async def open_stream():
    """Open a city's stream like a page: await open_stream("seattle"); None when refused.

    `app` serves it instead of the project's websocket app; `address` is the
    client's (and `forwarded_for` its X-Forwarded-For), for per-address limits;
    `send_now` is the server's immediate write (`serve` offers one), if any.
    """
    opened = []

    async def open_(
        slug="seattle", *, app=websocket_app, address=None, forwarded_for=None, send_now=None
    ):
        headers = [(b"origin", b"http://localhost"), (b"host", b"localhost")]
        if forwarded_for:
            headers.append((b"x-forwarded-for", forwarded_for.encode()))
        communicator = WebsocketCommunicator(app, f"/ws/cities/{slug}/", headers)
        if address:
            communicator.scope["client"] = (address, 40000 + len(opened))
        if send_now:
            communicator.scope["extensions"] = {SEND_NOW: send_now}
        opened.append(communicator)
        connected, _ = await communicator.connect(timeout=5)
        return communicator if connected else None

    yield open_
    for communicator in opened:
        await communicator.disconnect()
    await get_channel_layer().flush()
