"""The built-in source's v1 API, over HTTP only, against the legacy Instagram v1 protocol."""

import math
import re
import xml.etree.ElementTree as ElementTree
from io import StringIO
from urllib.parse import urlencode

import pytest
from django.core.management import call_command

from .conftest import API, credentials

pytestmark = pytest.mark.django_db

SUBSCRIPTION_FIELDS = {"id", "object", "object_id", "aspect", "callback_url", "type"}
SEATTLE = (47.606308, -122.332072)


def meta_error(response, code, error_type):
    body = response.json()
    assert response.status_code == code
    assert body["meta"]["code"] == code
    assert body["meta"]["error_type"] == error_type
    assert isinstance(body["meta"]["error_message"], str) and body["meta"]["error_message"]


def listed(client):
    response = client.get(f"{API}/subscriptions", credentials())
    assert response.status_code == 200 and response.json()["meta"] == {"code": 200}
    return response.json()["data"]


def simulate(*args):
    call_command("simulate", "--duration", "0", *args, stdout=StringIO())


def recent(client, object_id, **params):
    response = client.get(
        f"{API}/geographies/{object_id}/media/recent",
        {"client_id": credentials()["client_id"], **params},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["meta"] == {"code": 200}
    return body


def distance(lat1, lng1, lat2, lng2):
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((phi2 - phi1) / 2) ** 2
        + math.cos(phi1) * math.cos(phi2) * math.sin(math.radians(lng2 - lng1) / 2) ** 2
    )
    return 2 * 6_371_000 * math.asin(math.sqrt(a))


# Subscriptions


def test_create_challenges_the_callback_then_answers_the_subscription(subscribe, callback_server):
    response = subscribe()

    assert response.status_code == 200
    body = response.json()
    assert body["meta"] == {"code": 200}
    data = body["data"]
    assert set(data) == SUBSCRIPTION_FIELDS
    assert all(isinstance(value, str) and value for value in data.values())
    assert (data["object"], data["aspect"], data["type"]) == ("geography", "media", "subscription")
    assert data["callback_url"] == callback_server.url + "/seattle/"
    [challenge] = callback_server.of("GET")
    assert challenge.path == "/seattle/"
    assert challenge.query["hub.mode"] == "subscribe"
    assert challenge.query["hub.verify_token"] == "the-verify-token"
    assert len(challenge.query["hub.challenge"]) >= 16


def test_each_subscription_gets_a_fresh_challenge_and_geography(subscribe, callback_server):
    first, second = subscribe().json()["data"], subscribe(path="/london/").json()["data"]

    challenges = {r.query["hub.challenge"] for r in callback_server.of("GET")}
    assert len(challenges) == 2
    assert first["id"] != second["id"] and first["object_id"] != second["object_id"]


@pytest.mark.parametrize("answer", ["wrong", "refuse"])
def test_a_callback_that_does_not_echo_the_challenge_is_refused(
    subscribe, callback_server, client, answer
):
    callback_server.challenge = answer

    response = subscribe()

    meta_error(response, 400, "APISubscriptionError")
    assert len(callback_server.of("GET")) == 1
    assert listed(client) == []


def test_an_unreachable_callback_is_refused(client, unused_tcp_port):
    form = {"object": "geography", "aspect": "media", "lat": 1, "lng": 2, "radius": 100}
    url = f"http://127.0.0.1:{unused_tcp_port}/cb/"

    response = client.post(f"{API}/subscriptions/", credentials(**form, callback_url=url))

    meta_error(response, 400, "APISubscriptionError")


@pytest.mark.parametrize(
    "bad",
    [
        {"object": "user"},
        {"aspect": "comments"},
        {"radius": 5001},
        {"radius": 0},
        {"lat": 91},
        {"lng": "east"},
        {"callback_url": "javascript:alert(1)"},
    ],
)
def test_invalid_subscription_requests_are_refused_before_any_challenge(
    subscribe, callback_server, bad
):
    response = subscribe(**bad)

    assert response.status_code == 400
    assert response.json()["meta"]["error_type"] in (
        "APISubscriptionError",
        "APIInvalidParametersError",
    )
    assert callback_server.of("GET") == []


@pytest.mark.parametrize("method", ["post", "get", "delete"])
@pytest.mark.parametrize("wrong", ["client_id", "client_secret"])
def test_subscriptions_need_the_client_id_and_secret(client, method, wrong):
    params = credentials(**{wrong: "not-it"}, id="1")

    if method == "post":
        response = client.post(f"{API}/subscriptions/", params)
    else:
        response = getattr(client, method)(f"{API}/subscriptions?{urlencode(params)}")

    meta_error(response, 400, "OAuthClientException")


def test_list_shows_this_clients_subscriptions(subscribe, client, callback_server):
    created = [subscribe().json()["data"], subscribe(path="/london/").json()["data"]]

    assert listed(client) == created


def test_delete_one_subscription_by_id(subscribe, client):
    keep, drop = subscribe().json()["data"], subscribe(path="/london/").json()["data"]

    response = client.delete(f"{API}/subscriptions?{urlencode(credentials(id=drop['id']))}")

    assert response.status_code == 200 and response.json()["meta"] == {"code": 200}
    assert listed(client) == [keep]


def test_delete_all_subscriptions(subscribe, client):
    subscribe(), subscribe(path="/london/")

    response = client.delete(f"{API}/subscriptions?{urlencode(credentials(object='all'))}")

    assert response.status_code == 200
    assert listed(client) == []


def test_deleting_an_unknown_subscription_is_an_error(client):
    response = client.delete(f"{API}/subscriptions?{urlencode(credentials(id='999'))}")

    meta_error(response, 400, "APISubscriptionError")


def test_an_unknown_endpoint_answers_a_meta_error(client):
    meta_error(client.get(f"{API}/users/self/feed", credentials()), 404, "APINotFoundError")


# Media


def test_media_items_have_the_fields_and_types_of_the_protocol(subscribe, client, settings):
    geography = subscribe().json()["data"]["object_id"]
    simulate("--burst", "4")

    body = recent(client, geography)

    assert len(body["data"]) == 4
    for item in body["data"]:
        assert re.fullmatch(r"\d+_\d+", item["id"])
        assert item["type"] == "image"
        assert item["link"].startswith(("http://", "https://"))
        assert re.fullmatch(r"\d{10}", item["created_time"])
        assert set(item["images"]) == {"thumbnail", "low_resolution", "standard_resolution"}
        for name, size in [
            ("thumbnail", 150),
            ("low_resolution", 306),
            ("standard_resolution", 640),
        ]:
            image = item["images"][name]
            assert (image["width"], image["height"]) == (size, size)
            assert image["url"].startswith(settings.PUBLIC_BASE_URL + "/")
        user = item["user"]
        assert set(user) >= {"id", "username", "full_name", "profile_picture"}
        assert all(isinstance(user[key], str) and user[key] for key in user)
        assert user["profile_picture"].startswith(("http://", "https://"))
        if item["caption"] is not None:
            assert isinstance(item["caption"]["text"], str) and item["caption"]["text"]
            assert item["caption"]["from"]["username"] == user["username"]
        location = item["location"]
        assert isinstance(location["latitude"], float) and isinstance(location["longitude"], float)
        assert distance(*SEATTLE, location["latitude"], location["longitude"]) <= 5000
        assert isinstance(location["name"], str) and location["name"]
        assert isinstance(item["likes"]["count"], int) and item["likes"]["count"] >= 0
        assert isinstance(item["tags"], list) and all(isinstance(t, str) for t in item["tags"])


def test_media_come_newest_first_and_pages_follow_next_min_id(subscribe, client):
    geography = subscribe().json()["data"]["object_id"]
    simulate("--burst", "5")
    everything = [item["id"] for item in recent(client, geography)["data"]]
    assert len(everything) == 5
    assert everything == sorted(everything, key=lambda i: int(i.split("_")[0]), reverse=True)

    latest = recent(client, geography, count=2)
    assert [item["id"] for item in latest["data"]] == everything[:2]
    assert latest["pagination"]["next_min_id"] == everything[0]

    seen, cursor = [], everything[-1]
    for _ in range(5):
        page = recent(client, geography, min_id=cursor, count=2)
        ids = [item["id"] for item in page["data"]]
        if not ids:
            break
        assert ids == sorted(ids, key=lambda i: int(i.split("_")[0]), reverse=True)
        assert page["pagination"]["next_min_id"] == ids[0]
        seen, cursor = ids + seen, ids[0]
    assert seen == everything[:-1]


def test_media_of_another_geography_are_not_listed(subscribe, client):
    seattle = subscribe().json()["data"]["object_id"]
    london = subscribe(lat=51.508235, lng=-0.128023, path="/london/").json()["data"]["object_id"]
    simulate("--burst", "2", "--cities", "london")

    assert recent(client, seattle)["data"] == []
    assert len(recent(client, london)["data"]) == 2


@pytest.mark.parametrize(
    "params, error_type",
    [
        ({"client_id": "not-it"}, "OAuthClientException"),
        ({"count": "many"}, "APIInvalidParametersError"),
        ({"min_id": "<script>"}, "APIInvalidParametersError"),
    ],
)
def test_media_requests_with_bad_parameters_are_refused(subscribe, client, params, error_type):
    geography = subscribe().json()["data"]["object_id"]

    response = client.get(
        f"{API}/geographies/{geography}/media/recent",
        {"client_id": credentials()["client_id"], **params},
    )

    meta_error(response, 400, error_type)


def test_an_unknown_geography_is_a_meta_error(client):
    response = client.get(f"{API}/geographies/424242/media/recent", credentials())

    meta_error(response, 400, "APINotFoundError")


def test_calls_over_the_hourly_limit_get_429(client, settings):
    settings.INSTAGRAM_SOURCE_RATE_LIMIT = 3
    for _ in range(3):
        listed(client)

    response = client.get(f"{API}/subscriptions", credentials())

    meta_error(response, 429, "OAuthRateLimitException")
    assert int(response["Retry-After"]) > 0


# Images


def test_the_images_are_svg_of_the_city_cached_for_a_year(subscribe, client, settings):
    geography = subscribe().json()["data"]["object_id"]
    simulate("--burst", "1")
    [item] = recent(client, geography)["data"]

    for name, size in [("thumbnail", 150), ("low_resolution", 306), ("standard_resolution", 640)]:
        url = item["images"][name]["url"]
        response = client.get(url.removeprefix(settings.PUBLIC_BASE_URL))
        assert response.status_code == 200
        assert response["Content-Type"] == "image/svg+xml"
        assert "max-age=31536000" in response["Cache-Control"]
        svg = ElementTree.fromstring(response.content)
        assert svg.tag == "{http://www.w3.org/2000/svg}svg"
        assert (svg.get("width"), svg.get("height")) == (str(size), str(size))
        assert "SEATTLE" in response.content.decode()
        assert client.get(url.removeprefix(settings.PUBLIC_BASE_URL)).content == response.content
    avatar = client.get(item["user"]["profile_picture"].removeprefix(settings.PUBLIC_BASE_URL))
    assert avatar.status_code == 200 and avatar["Content-Type"] == "image/svg+xml"
