"""manage.py simulate: media at the source, then a signed Realtime notification per subscriber."""

import hashlib
import hmac
import json
import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from .conftest import API, credentials

pytestmark = pytest.mark.django_db

LONDON = {"lat": 51.508235, "lng": -0.128023, "path": "/london/"}


def simulate(*args):
    out = StringIO()
    call_command("simulate", *args, stdout=out)
    return out.getvalue()


def test_each_subscriber_gets_a_signed_geography_notification(
    subscribe, callback_server, client, settings
):
    subscription = subscribe().json()["data"]

    out = simulate("--burst", "2", "--duration", "0")

    [notification] = callback_server.of("POST")
    assert notification.path == "/seattle/"
    assert notification.headers["Content-Type"] == "application/json"
    expected = hmac.new(
        settings.INSTAGRAM_CLIENT_SECRET.encode(), notification.body, hashlib.sha1
    ).hexdigest()
    assert hmac.compare_digest(notification.headers["X-Hub-Signature"], expected)
    [update] = json.loads(notification.body)
    assert update["subscription_id"] == subscription["id"]
    assert (update["object"], update["object_id"]) == ("geography", subscription["object_id"])
    assert update["changed_aspect"] == "media"
    assert isinstance(update["time"], int)
    media = client.get(
        f"{API}/geographies/{update['object_id']}/media/recent",
        {"client_id": credentials()["client_id"]},
    ).json()["data"]
    assert len(media) == 2
    assert "2 photos made, 1 notifications sent, 0 errors" in out


def test_cities_limits_the_simulation_to_those_cities(subscribe, callback_server):
    subscribe(), subscribe(**LONDON)

    simulate("--cities", "london", "--burst", "1", "--duration", "0")

    assert [n.path for n in callback_server.of("POST")] == ["/london/"]


def test_the_rate_makes_photos_across_the_cities_and_announces_them(
    subscribe, callback_server, client
):
    geographies = [subscribe().json()["data"]["object_id"]]
    geographies.append(subscribe(**LONDON).json()["data"]["object_id"])

    out = simulate("--rate", "40", "--duration", "0.5")

    made = int(re.search(r"(\d+) photos made", out)[1])
    notified = callback_server.of("POST")
    assert made == 20, out  # every photo owed over the duration, however late the loop ran
    assert f"{len(notified)} notifications sent, 0 errors" in out
    assert {n.path for n in notified} == {"/seattle/", "/london/"}
    listed = [
        client.get(
            f"{API}/geographies/{geography}/media/recent",
            {"client_id": credentials()["client_id"], "count": 100},
        ).json()["data"]
        for geography in geographies
    ]
    assert sorted(len(media) for media in listed) == [10, 10]  # round-robin


def test_failed_notifications_are_counted_and_fail_the_command(subscribe, callback_server):
    subscribe()
    callback_server.notification_status = 403
    out = StringIO()

    with pytest.raises(CommandError, match="1 notifications failed.*HTTP 403"):
        call_command("simulate", "--burst", "1", "--duration", "0", stdout=out)

    assert "1 photos made, 0 notifications sent, 1 errors" in out.getvalue()


def test_without_subscriptions_there_is_nothing_to_simulate():
    with pytest.raises(CommandError, match="manage.py subscribe"):
        simulate("--duration", "0")


def test_a_city_nobody_subscribed_to_is_an_error(subscribe):
    subscribe()

    with pytest.raises(CommandError, match="atlantis"):
        simulate("--cities", "seattle,atlantis", "--duration", "0")
