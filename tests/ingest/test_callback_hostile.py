"""Hostile or broken notifications: each gets its documented status and a log line.

The callback must never answer 500, and nothing is fetched, stored or
published from a rejected request.
"""

import json

import pytest
from django.conf import settings
from django.test import override_settings
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from feed.models import Photo
from ingest.sources.instagram import fetcher
from ingest.sources.instagram.signatures import sign_sha1, sign_sha256
from tests.support.instagram import media_item

URL = "/ingest/instagram/seattle/"
POKE = b'[{"subscription_id": "1", "object": "geography", "object_id": "1", "time": 1}]'
MIB = 1024 * 1024


def signed(body):
    return {"HTTP_X_HUB_SIGNATURE": sign_sha1(body, settings.INSTAGRAM_CLIENT_SECRET)}


def nested(depth):
    return b"[" * depth + b"]" * depth


HOSTILE = [
    # (name, body, content type, headers, status)
    ("empty body", b"", "application/json", signed(b""), 400),
    ("one byte over 1 MiB", b" " * (MIB + 1), "application/json", {}, 413),
    ("deeply nested", nested(100_000), "application/json", signed(nested(100_000)), 400),
    ("object, not list", b'{"object": "geography"}', "application/json", None, 400),
    ("list of strings", b'["geography"]', "application/json", None, 400),
    ("invalid UTF-8", b'[{"object": "\xff\xfe"}]', "application/json", None, 400),
    ("form content type", POKE, "application/x-www-form-urlencoded", None, 415),
    ("xml content type", POKE, "text/xml", None, 415),
    ("no signature", POKE, "application/json", {}, 403),
    (
        "signature of other bytes",
        POKE,
        "application/json",
        signed(json.dumps(json.loads(POKE), separators=(",", ":")).encode()),
        403,
    ),
    (
        "sha256 digest under the sha1 header",
        POKE,
        "application/json",
        {"HTTP_X_HUB_SIGNATURE": sign_sha256(POKE, "x")[7:]},
        403,
    ),
    (
        "sha256 header without its prefix",
        POKE,
        "application/json",
        {"HTTP_X_HUB_SIGNATURE_256": sign_sha256(POKE, settings.INSTAGRAM_CLIENT_SECRET)[7:]},
        403,
    ),
    (
        "truncated signature",
        POKE,
        "application/json",
        {"HTTP_X_HUB_SIGNATURE": sign_sha1(POKE, settings.INSTAGRAM_CLIENT_SECRET)[:-1]},
        403,
    ),
    (
        "more than 10,000 updates",
        json.dumps([{"object": "geography", "object_id": "1"}] * 10_001).encode(),
        "application/json",
        None,
        400,
    ),
]


@pytest.fixture
def quiet_api():
    """Points ingest at a closed local port: any fetch would fail, never reach out."""
    with override_settings(INSTAGRAM_API_URL="http://127.0.0.1:9/v1"):
        yield
    assert fetcher.wait_idle(10)


@pytest.fixture
def api_with_a_photo(fake_instagram):
    """The API has a new photo at the poked geography: any fetch would store and publish it."""
    fake_instagram.add_media("1", media_item())
    return fake_instagram


def nothing_happened(api, bus_tap):
    """No API call, no photo stored, nothing published."""
    assert fetcher.wait_idle(10)
    assert api.requests == []
    assert Photo.objects.count() == 0
    assert bus_tap.photo_ids() == []
    return True


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "body, content_type, headers, status",
    [case[1:] for case in HOSTILE],
    ids=[case[0] for case in HOSTILE],
)
def test_hostile_notification_is_refused_and_causes_no_work(
    client, caplog, api_with_a_photo, bus_tap, body, content_type, headers, status
):
    headers = signed(body) if headers is None else headers
    response = client.generic("POST", URL, body, content_type=content_type, **headers)
    assert response.status_code == status
    assert f"refused ({status})" in caplog.text
    assert nothing_happened(api_with_a_photo, bus_tap)


@pytest.mark.django_db(transaction=True)
def test_a_replayed_notification_is_harmless(client, api_with_a_photo, bus_tap):
    for _ in range(3):
        assert (
            client.post(URL, POKE, content_type="application/json", **signed(POKE)).status_code
            == 200
        )
        assert fetcher.wait_idle(10)

    [photo] = Photo.objects.all()
    assert bus_tap.photo_ids() == [photo.media_id]


@pytest.mark.django_db(transaction=True)
def test_ten_thousand_updates_cost_one_fetch(client, api_with_a_photo, bus_tap):
    updates = [{"object": "geography", "object_id": str(n)} for n in range(1, 10_001)]
    body = json.dumps(updates).encode()

    response = client.post(URL, body, content_type="application/json", **signed(body))

    assert response.status_code == 200
    assert fetcher.wait_idle(10)
    assert len(api_with_a_photo.media_requests()) == 1
    assert Photo.objects.count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "query",
    [
        "",
        "?hub.mode=subscribe&hub.challenge=abc",
        "?hub.mode=subscribe&hub.challenge=abc&hub.verify_token=",
        "?hub.mode=unsubscribe&hub.challenge=abc&hub.verify_token=wazstagram-dev-verify",
    ],
    ids=["nothing", "no token", "empty token", "wrong mode"],
)
def test_challenge_without_the_right_token_is_refused(client, caplog, query):
    response = client.get(URL + query)
    assert response.status_code == 403
    assert b"abc" not in response.content
    assert "challenge for seattle refused" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_unknown_city_is_404_before_anything_else(client, api_with_a_photo, bus_tap):
    response = client.post(
        "/ingest/instagram/atlantis/", POKE, content_type="application/json", **signed(POKE)
    )
    assert response.status_code == 404
    assert nothing_happened(api_with_a_photo, bus_tap)


@pytest.mark.django_db(transaction=True)
def test_non_geography_updates_are_accepted_and_ignored(client, api_with_a_photo, bus_tap):
    body = json.dumps([{"object": "tag", "object_id": "1"}, {"object": "user"}]).encode()
    response = client.post(URL, body, content_type="application/json", **signed(body))
    assert response.status_code == 200
    assert nothing_happened(api_with_a_photo, bus_tap)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(["object", "object_id", "time", "x"]), children, max_size=4
        )
    ),
    max_leaves=20,
)


@pytest.mark.django_db(transaction=True)
@hypothesis_settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(payload=st.binary(max_size=2048) | JSON.map(lambda value: json.dumps(value).encode()))
def test_random_signed_bodies_never_cause_a_server_error(client, quiet_api, payload):
    response = client.post(URL, payload, content_type="application/json", **signed(payload))
    assert response.status_code in {200, 400}
    unsigned = client.post(URL, payload, content_type="application/json")
    assert unsigned.status_code == 403


@pytest.mark.django_db(transaction=True)
def test_behind_a_trusted_proxy_the_callback_limit_is_per_forwarded_address(client, settings):
    settings.INGEST_RATE_PER_SECOND, settings.INGEST_RATE_BURST = 0.001, 1
    settings.TRUSTED_PROXIES = ["10.9.0.0/16"]

    def post(forwarded_for):
        return client.post(
            URL,
            b"[]",
            content_type="application/json",
            REMOTE_ADDR="10.9.0.1",
            HTTP_X_FORWARDED_FOR=forwarded_for,
            **signed(b"[]"),
        ).status_code

    assert [post("203.0.113.7"), post("203.0.113.7")] == [200, 429]
    assert post("203.0.113.8") == 200
