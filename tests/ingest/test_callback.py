"""The Realtime callback answers each request as the contract says, before any fetch."""

import json

import pytest
from django.db import OperationalError, connection

from feed.models import City
from ingest.sources.instagram.signatures import sign_sha1, sign_sha256

from .conftest import GEOGRAPHY, notification

URL = "/ingest/instagram/seattle/"
pytestmark = pytest.mark.usefixtures("no_fetch")


def challenge(client, token, slug="seattle"):
    return client.get(
        f"/ingest/instagram/{slug}/",
        {"hub.mode": "subscribe", "hub.challenge": "15f7d1a91c1f40f8", "hub.verify_token": token},
    )


@pytest.mark.django_db(transaction=True)
def test_challenge_with_the_verify_token_is_echoed(client, settings):
    response = challenge(client, settings.INSTAGRAM_VERIFY_TOKEN)
    assert response.status_code == 200
    assert response.content == b"15f7d1a91c1f40f8"
    assert response["Content-Type"].startswith("text/plain")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("token", ["wrong", "", "wazstagram-dev-verif"])
def test_challenge_with_another_token_is_refused(client, token):
    response = challenge(client, token)
    assert response.status_code == 403
    assert b"15f7d1a91c1f40f8" not in response.content


@pytest.mark.django_db(transaction=True)
def test_challenge_for_an_unknown_city_is_404(client, settings):
    assert challenge(client, settings.INSTAGRAM_VERIFY_TOKEN, slug="atlantis").status_code == 404


def post(client, body, **headers):
    return client.post(URL, body, content_type="application/json", headers=headers)


@pytest.mark.django_db(transaction=True)
def test_notification_signed_with_sha1_is_accepted_and_pokes_the_city(client, settings, no_fetch):
    body = notification(GEOGRAPHY)
    response = post(
        client, body, **{"X-Hub-Signature": sign_sha1(body, settings.INSTAGRAM_CLIENT_SECRET)}
    )
    assert response.status_code == 200
    assert no_fetch == [("seattle", [GEOGRAPHY])]


@pytest.mark.django_db(transaction=True)
def test_notification_signed_with_sha256_is_accepted(client, settings, no_fetch):
    body = notification(GEOGRAPHY)
    signature = sign_sha256(body, settings.INSTAGRAM_CLIENT_SECRET)
    response = post(client, body, **{"X-Hub-Signature-256": signature})
    assert response.status_code == 200
    assert no_fetch == [("seattle", [GEOGRAPHY])]


@pytest.mark.django_db(transaction=True)
def test_only_geography_updates_poke(client, settings, no_fetch):
    body = json.dumps(
        [{"object": "user", "object_id": "9"}, {"object": "geography", "object_id": "7"}]
    ).encode()
    post(client, body, **{"X-Hub-Signature": sign_sha1(body, settings.INSTAGRAM_CLIENT_SECRET)})
    assert no_fetch == [("seattle", ["7"])]


def _reserialized(body: bytes) -> bytes:
    return json.dumps(json.loads(body), separators=(",", ":")).encode()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "headers",
    [
        pytest.param(lambda body, secret: {}, id="missing"),
        pytest.param(lambda body, secret: {"X-Hub-Signature": "0" * 40}, id="wrong"),
        pytest.param(
            lambda body, secret: {"X-Hub-Signature": sign_sha1(body, "another secret")},
            id="other-secret",
        ),
        pytest.param(
            lambda body, secret: {"X-Hub-Signature": sign_sha1(_reserialized(body), secret)},
            id="over-reserialized-json",
        ),
        pytest.param(
            lambda body, secret: {"X-Hub-Signature-256": sign_sha256(body, secret)[7:]},
            id="sha256-without-prefix",
        ),
        pytest.param(
            lambda body, secret: {"X-Hub-Signature-256": sign_sha1(body, secret)},
            id="sha1-in-sha256-header",
        ),
    ],
)
def test_notification_without_a_valid_signature_is_403(client, settings, no_fetch, headers):
    body = notification(GEOGRAPHY)
    assert _reserialized(body) != body  # the signature covers the bytes, not the JSON value
    response = post(client, body, **headers(body, settings.INSTAGRAM_CLIENT_SECRET))
    assert response.status_code == 403
    assert no_fetch == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "body",
    [b"not json", b'{"object": "geography", "object_id": "1"}', b"[1, 2]", b"\xff\xfe", b""],
    ids=["not-json", "object-not-list", "list-of-numbers", "invalid-utf8", "empty"],
)
def test_malformed_signed_notification_is_400(client, settings, no_fetch, body):
    response = post(
        client, body, **{"X-Hub-Signature": sign_sha1(body, settings.INSTAGRAM_CLIENT_SECRET)}
    )
    assert response.status_code == 400
    assert no_fetch == []


@pytest.mark.django_db(transaction=True)
def test_body_over_one_mebibyte_is_413(client, settings, no_fetch):
    updates = [{"object": "geography", "object_id": "1", "padding": "x" * 1000}] * 1100
    body = json.dumps(updates).encode()
    assert len(body) > 1024 * 1024
    response = post(
        client, body, **{"X-Hub-Signature": sign_sha1(body, settings.INSTAGRAM_CLIENT_SECRET)}
    )
    assert response.status_code == 413
    assert no_fetch == []


@pytest.mark.django_db(transaction=True)
def test_body_of_exactly_one_mebibyte_is_read(client, settings, no_fetch):
    body = notification(GEOGRAPHY)
    body = body[:-1] + b" " * (1024 * 1024 - len(body)) + b"]"
    response = post(
        client, body, **{"X-Hub-Signature": sign_sha1(body, settings.INSTAGRAM_CLIENT_SECRET)}
    )
    assert response.status_code == 200
    assert no_fetch == [("seattle", [GEOGRAPHY])]


@pytest.mark.django_db(transaction=True)
def test_notification_for_an_unknown_city_is_404(client, settings, no_fetch):
    body = notification(GEOGRAPHY)
    response = client.post(
        "/ingest/instagram/atlantis/",
        body,
        content_type="application/json",
        headers={"X-Hub-Signature": sign_sha1(body, settings.INSTAGRAM_CLIENT_SECRET)},
    )
    assert response.status_code == 404
    assert no_fetch == []


@pytest.mark.django_db(transaction=True)
def test_a_city_switched_off_or_added_in_the_admin_counts_at_once(staff_client, settings):
    token = settings.INSTAGRAM_VERIFY_TOKEN
    assert challenge(staff_client, token, slug="rome").status_code == 200

    rome = City.objects.get(slug="rome")
    form = {f: getattr(rome, f) for f in ("name", "slug", "lat", "lng", "radius", "moderation")}
    form.update({"source_states-TOTAL_FORMS": 0, "source_states-INITIAL_FORMS": 0})
    response = staff_client.post(f"/admin/feed/city/{rome.pk}/change/", form)  # active unticked
    assert response.status_code == 302
    assert challenge(staff_client, token, slug="rome").status_code == 404

    form.update(name="Lisbon", slug="lisbon", active="on")
    assert staff_client.post("/admin/feed/city/add/", form).status_code == 302
    assert challenge(staff_client, token, slug="lisbon").status_code == 200


def refuse_queries(execute, sql, params, many, context):
    raise OperationalError("connection to server at 127.0.0.1, port 5432 failed")


@pytest.mark.django_db(transaction=True)
def test_while_the_database_is_down_notifications_are_accepted_with_the_last_cities_read(
    notify, settings, no_fetch, caplog
):
    assert notify().status_code == 200
    settings.INGEST_CITY_CACHE_SECONDS = 0  # every notification tries to read the cities

    with connection.execute_wrapper(refuse_queries):
        assert notify().status_code == 200
        assert notify("atlantis").status_code == 404

    assert no_fetch == [("seattle", [GEOGRAPHY])] * 2  # the fetch catches up once it is back
    assert "the last list read stays in use" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_a_process_that_never_read_the_cities_answers_503_while_the_database_is_down(
    notify, no_fetch, monkeypatch
):
    monkeypatch.setattr("ingest.cities._active", None)  # a process just started

    with connection.execute_wrapper(refuse_queries):
        response = notify()

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert no_fetch == []
    assert notify().status_code == 200  # and accepted again once it is back
