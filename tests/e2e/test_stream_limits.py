"""The stream's limits as a client sees them on the wire, against daphne.

Daphne lets an application close only with 1000 or 3000-4999, so 1009 and 1008
reach the client as their private-use mirrors 4009 and 4008.
"""

import contextlib

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus

pytestmark = pytest.mark.live


def close_code(stream) -> int:
    """Read until the server closes the connection; its close code."""
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            stream.recv(timeout=10)
    return closed.value.rcvd.code


def test_a_frame_over_the_limit_is_closed_with_4009(live_site):
    with live_site.open_stream() as stream:
        stream.send("x" * 4097)
        assert close_code(stream) == 4009


def test_a_flood_is_closed_with_4008(live_site):
    with live_site.open_stream() as stream:
        for _ in range(11):  # the burst is 10
            stream.send("{}")
        assert close_code(stream) == 4008


def test_the_connection_over_the_limit_per_address_is_refused_at_the_handshake(live_site):
    with contextlib.ExitStack() as streams:
        for _ in range(100):
            streams.enter_context(live_site.open_stream())
        with pytest.raises(InvalidStatus) as refused:
            live_site.open_stream()
        assert refused.value.response.status_code == 403
    with live_site.open_stream():
        pass  # the limit counts open connections only
