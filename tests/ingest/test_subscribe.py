"""manage.py subscribe: the cities' geography subscriptions at the API, and their local ids."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from feed.models import City
from ingest.models import Subscription
from tests.support.instagram import meta_error

ACTIVE = 8


def run(*args):
    out = StringIO()
    call_command("subscribe", *args, stdout=out)
    return out.getvalue()


def local_ids():
    return {
        s.city.slug: (s.instagram_id, s.object_id)
        for s in Subscription.objects.select_related("city")
    }


@pytest.mark.django_db
def test_subscribe_creates_a_geography_subscription_per_active_city(fake_instagram, settings):
    settings.PUBLIC_BASE_URL = "https://wazstagram.example"
    City.objects.filter(slug="rome").update(active=False)

    out = run()

    created = [r for r in fake_instagram.requests if r.method == "POST"]
    assert len(created) == ACTIVE - 1
    seattle = next(r.form for r in created if r.form["callback_url"].endswith("/seattle/"))
    assert seattle == {
        "client_id": settings.INSTAGRAM_CLIENT_ID,
        "client_secret": settings.INSTAGRAM_CLIENT_SECRET,
        "object": "geography",
        "aspect": "media",
        "lat": "47.606308",
        "lng": "-122.332072",
        "radius": "5000",
        "callback_url": "https://wazstagram.example/ingest/instagram/seattle/",
        "verify_token": settings.INSTAGRAM_VERIFY_TOKEN,
    }
    api = {
        s["callback_url"].split("/")[-2]: (s["id"], s["object_id"])
        for s in fake_instagram.subscriptions.values()
    }
    assert local_ids() == api
    assert "rome" not in api
    assert "seattle" in out and f"{ACTIVE - 1} cities subscribed" in out
    assert settings.INSTAGRAM_CLIENT_SECRET not in out


@pytest.mark.django_db
def test_subscribing_again_keeps_the_existing_subscriptions(fake_instagram):
    run("seattle")
    before = local_ids()

    out = run("seattle", "london")

    assert len([r for r in fake_instagram.requests if r.method == "POST"]) == 2
    assert local_ids()["seattle"] == before["seattle"]
    assert "already subscribed" in out


@pytest.mark.django_db
def test_a_city_the_api_refuses_is_reported_and_the_others_still_subscribed(fake_instagram):
    fake_instagram.respond(
        400,
        meta_error(400, "APISubscriptionError", "Unable to reach callback URL"),
        path="/subscriptions/",  # the create call, not the list
    )
    out = StringIO()

    with pytest.raises(CommandError, match="1 of 2 cities not subscribed"):
        call_command("subscribe", "seattle", "london", stdout=out)

    assert "FAILED" in out.getvalue() and "Unable to reach callback URL" in out.getvalue()
    assert len(local_ids()) == 1


@pytest.mark.django_db
def test_unknown_city_names_fail_the_command(fake_instagram):
    with pytest.raises(CommandError, match="1 of 2"):
        call_command("subscribe", "seattle", "atlantis", stdout=StringIO())
    assert set(local_ids()) == {"seattle"}


@pytest.mark.django_db
def test_an_unreachable_api_fails_without_showing_the_secret(settings, unused_tcp_port):
    settings.INSTAGRAM_API_URL = f"http://127.0.0.1:{unused_tcp_port}/v1"

    with pytest.raises(CommandError) as failure:
        run("--list")

    assert "Instagram API" in str(failure.value)
    assert settings.INSTAGRAM_CLIENT_SECRET not in str(failure.value)


@pytest.mark.django_db
def test_list_shows_the_api_subscriptions_with_their_city(fake_instagram):
    run("seattle", "rome")

    lines = run("--list").splitlines()

    assert lines[0].split() == ["ID", "CITY", "OBJECT", "OBJECT", "ID", "ASPECT", "CALLBACK", "URL"]
    rows = {line.split()[1]: line.split() for line in lines[1:-1]}
    assert set(rows) == {"seattle", "rome"}
    assert rows["rome"][2:5] == ["geography", local_ids()["rome"][1], "media"]
    assert lines[-1] == "2 subscriptions"


@pytest.mark.django_db
def test_delete_one_removes_it_at_the_api_and_forgets_its_ids(fake_instagram):
    run("seattle", "rome")
    rome_id = local_ids()["rome"][0]

    out = run("--delete", rome_id)

    assert set(fake_instagram.subscriptions) == {local_ids()["seattle"][0]}
    assert local_ids()["rome"] == ("", "")
    assert f"deleted subscription {rome_id}" in out


@pytest.mark.django_db
def test_delete_all_removes_every_subscription(fake_instagram):
    run()
    Subscription.objects.filter(city__slug="seattle").update(cursor="1700000000_1")

    run("--delete", "all")

    assert fake_instagram.subscriptions == {}
    assert set(local_ids().values()) == {("", "")}
    assert Subscription.objects.get(city__slug="seattle").cursor == "1700000000_1"
    [request] = [r for r in fake_instagram.requests if r.method == "DELETE"]
    assert request.query["object"] == "all"


@pytest.mark.django_db
def test_deleting_an_unknown_subscription_fails(fake_instagram):
    with pytest.raises(CommandError, match="No such subscription"):
        run("--delete", "999")
