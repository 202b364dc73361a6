"""Shared fixtures: cities, photo factories and the in-process relay."""

import asyncio
import importlib
import itertools

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.utils import timezone

from feed.models import City, Photo
from feed.photo import PhotoMessage

pytest_plugins = [
    "tests.support.instagram",
    "tests.support.prerequisites",
    "tests.support.servicebus_broker.fixtures",
]

_media_ids = itertools.count(1)


def photo_message(city="seattle", **overrides) -> PhotoMessage:
    """A valid photo message; override any top-level field."""
    number = next(_media_ids)
    message = {
        "id": f"{1000000 + number}_{number}",
        "city": city,
        "source": "instagram",
        "image": {
            "url": f"https://img.test/{number}/640.jpg",
            "width": 640,
            "height": 640,
            "alt": "",
        },
        "thumbnail": {"url": f"https://img.test/{number}/150.jpg", "width": 150, "height": 150},
        "link": f"https://instagram.test/p/{number}/",
        "caption": f"photo number {number}",
        "user": {
            "username": f"user{number}",
            "full_name": f"User {number}",
            "avatar": f"https://img.test/u/{number}.jpg",
        },
        "location": {"lat": 47.61, "lng": -122.33, "name": "Pike Place"},
        "likes": number,
        "license": "",
        "created_at": timezone.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
        "published_at": None,
    }
    message.update(overrides)
    return message


@pytest.fixture(autouse=True)
def _reseed_cities_after_flush(request):
    """Transactional tests flush the database, seeded rows included: put them back."""
    marker = request.node.get_closest_marker("django_db")
    transactional = (marker and marker.kwargs.get("transaction")) or {
        "transactional_db",
        "live_server",
    } & set(request.fixturenames)
    if transactional:
        request.getfixturevalue("transactional_db")
        importlib.import_module("feed.migrations.0002_seed_cities").seed(apps, None)
        importlib.import_module("feed.migrations.0005_city_hashtags_photo_post").seed_hashtags(
            apps, None
        )
        importlib.import_module("feed.migrations.0007_moderators_group").create_group(apps, None)


@pytest.fixture(autouse=True)
def _moderation_reads_its_lists_afresh():
    """A flushed or rolled-back test changes the lists without a signal: start cold."""
    from feed.moderation import forget_lists

    forget_lists()


@pytest.fixture(autouse=True)
def _callback_reads_cities_afresh():
    """A rolled-back test changes cities without a signal: the callback's list starts cold."""
    from ingest import cities

    cities.forget()


@pytest.fixture
def staff_client(client, db):
    """The test client logged in as a staff superuser, as an operator in the admin."""
    client.force_login(User.objects.create_superuser("operator", password="pw-operator-1"))
    return client


@pytest.fixture
def make_photo(db):
    """Store a photo of a seeded city: make_photo("seattle", caption="hi")."""

    def make(city="seattle", **fields):
        photo = Photo.from_message(City.objects.get(slug=city), photo_message(city))
        for name, value in fields.items():
            setattr(photo, name, value)
        photo.save()
        return photo

    return make


@pytest.fixture
def seattle(db):
    return City.objects.get(slug="seattle")


@pytest.fixture
async def in_process_relay():
    """Relays the in-process bus into the channel layer on the test's loop."""
    from ingest.bus import get_bus
    from ingest.relay import deliver

    stop = asyncio.Event()
    task = asyncio.create_task(get_bus().consume(deliver, stop))
    await asyncio.sleep(0)
    yield
    stop.set()
    await asyncio.wait_for(task, 5)
