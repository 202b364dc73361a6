"""The Instagram callback as the ASGI server serves it: on the loop, past Django's middleware."""

import logging

import pytest
from channels.testing import ApplicationCommunicator
from django.conf import settings as django_settings
from django.core.signals import request_started

from ingest.sources.instagram.signatures import sign_sha1
from wazstagram.asgi import http as http_app

from .conftest import GEOGRAPHY, notification

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("no_fetch")]

URL = "/ingest/instagram/seattle/"


@pytest.fixture
def django_requests():
    """Requests Django's own handler took (its request_started signal)."""
    started = []

    def count(**kwargs):
        started.append(kwargs)

    request_started.connect(count)
    yield started
    request_started.disconnect(count)


def scope(path, method="POST", query=b"", host=b"localhost", headers=(), forwarded_proto=None):
    sent = [(b"host", host), *headers]
    if forwarded_proto:
        sent.append((b"x-forwarded-proto", forwarded_proto))
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query,
        "root_path": "",
        "headers": sent,
        "client": ("203.0.113.7", 50123),
        "server": ("127.0.0.1", 8000),
    }


async def request(path=URL, body=b"", **options):
    """Status, headers and body of one request, sent in a single body message."""
    communicator = ApplicationCommunicator(http_app, scope(path, **options))
    await communicator.send_input({"type": "http.request", "body": body})
    return await response_of(communicator)


async def response_of(communicator):
    start = await communicator.receive_output(5)
    body = await communicator.receive_output(5)
    await communicator.wait(5)
    headers = {name.decode().lower(): value.decode() for name, value in start["headers"]}
    return start["status"], headers, body["body"]


def signed(body):
    signature = sign_sha1(body, django_settings.INSTAGRAM_CLIENT_SECRET).encode()
    return [(b"content-type", b"application/json"), (b"x-hub-signature", signature)]


async def test_a_signed_notification_is_answered_outside_djangos_request_path(
    seattle, no_fetch, django_requests
):
    body = notification(GEOGRAPHY)
    status, headers, answer = await request(body=body, headers=signed(body))
    assert (status, answer) == (200, b"ok")
    assert headers["content-length"] == "2" and headers["x-content-type-options"] == "nosniff"
    assert no_fetch == [("seattle", [GEOGRAPHY])]
    assert django_requests == []
    # Every other request still goes through Django.
    status, _, _ = await request("/healthz", method="GET")
    assert status == 200 and len(django_requests) == 1


async def test_the_challenge_is_echoed_from_the_query_string(settings, seattle):
    query = (
        b"hub.mode=subscribe&hub.challenge=15f7d1a91c1f40f8&hub.verify_token="
        + settings.INSTAGRAM_VERIFY_TOKEN.encode()
    )
    assert await request(method="GET", query=query) == (
        200,
        {
            "content-type": "text/plain",
            "content-length": "16",
            "x-content-type-options": "nosniff",
            "referrer-policy": "same-origin",
            "cross-origin-opener-policy": "same-origin",
        },
        b"15f7d1a91c1f40f8",
    )


async def test_refusals_keep_their_codes(seattle, no_fetch):
    body = notification(GEOGRAPHY)
    assert (await request(body=body, headers=[(b"x-hub-signature", b"0" * 40)]))[0] == 403
    assert (await request(body=b"{", headers=signed(b"{")))[0] == 400
    unknown = await request("/ingest/instagram/atlantis/", body=body, headers=signed(body))
    assert unknown[0] == 404 and unknown[2] == b"no such city"
    wrong_method = await request(method="PUT", body=body)
    assert wrong_method[0] == 405 and wrong_method[1]["allow"] == "GET, POST"
    assert no_fetch == []


async def test_a_host_this_site_does_not_serve_is_refused(seattle, no_fetch, caplog):
    body = notification(GEOGRAPHY)
    status, _, answer = await request(body=body, host=b"evil.example", headers=signed(body))
    assert (status, answer) == (400, b"bad host")
    assert "evil.example" in caplog.text
    assert no_fetch == []


async def test_in_production_plain_http_is_redirected_and_https_gets_hsts(
    settings, seattle, no_fetch
):
    settings.SECURE_SSL_REDIRECT, settings.SECURE_HSTS_SECONDS = True, 31536000
    body = notification(GEOGRAPHY)
    headers = signed(body)
    status, sent, _ = await request(body=body, headers=headers)
    assert status == 301 and sent["location"] == "https://localhost" + URL
    assert no_fetch == []
    status, sent, _ = await request(body=body, headers=headers, forwarded_proto=b"https")
    assert status == 200 and sent["strict-transport-security"].startswith("max-age=31536000")
    assert no_fetch == [("seattle", [GEOGRAPHY])]


async def test_an_oversize_body_is_refused_without_waiting_for_the_rest(settings, seattle):
    settings.INGEST_MAX_BODY = 1000
    communicator = ApplicationCommunicator(
        http_app, scope(URL, headers=[(b"content-type", b"application/json")])
    )
    for _ in range(2):  # 1,200 bytes of a body that never ends
        chunk = {"type": "http.request", "body": b" " * 600, "more_body": True}
        await communicator.send_input(chunk)
    status, _, answer = await response_of(communicator)
    assert status == 413 and b"1000" in answer


async def test_a_client_gone_mid_body_gets_nothing_and_pokes_nothing(seattle, no_fetch):
    communicator = ApplicationCommunicator(http_app, scope(URL))
    await communicator.send_input({"type": "http.request", "body": b"[", "more_body": True})
    await communicator.send_input({"type": "http.disconnect"})
    await communicator.wait(5)
    assert await communicator.receive_nothing()
    assert no_fetch == []


async def test_a_failing_view_answers_500_and_is_logged(seattle, monkeypatch, caplog):
    async def broken(request, slug):
        raise RuntimeError("boom")

    monkeypatch.setattr("ingest.sources.instagram.views._answer", broken)
    caplog.set_level(logging.ERROR, logger="wazstagram")
    status, _, answer = await request(body=b"[]")
    assert (status, answer) == (500, b"server error")
    assert "POST /ingest/instagram/seattle/ failed" in caplog.text and "boom" in caplog.text
