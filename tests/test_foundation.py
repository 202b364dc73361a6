"""The project boots embedded: seeded cities, probes, settings from the environment."""

import asyncio
import re
from pathlib import Path

import pytest
from django.core.management import call_command

from feed.models import City
from ingest.bus import get_bus

SEEDED = {
    "seattle": (47.606308, -122.332072),
    "new-york": (40.714379, -74.005989),
    "los-angeles": (34.052304, -118.243686),
    "pittsburgh": (40.440709, -79.995879),
    "san-francisco": (37.774963, -122.419433),
    "washington-dc": (38.895125, -77.03637),
    "london": (51.508235, -0.128023),
    "rome": (41.901534, 12.460781),
}


@pytest.mark.django_db
def test_the_original_eight_cities_are_seeded():
    cities = {c.slug: (c.lat, c.lng, c.radius, c.active) for c in City.objects.all()}
    assert cities == {slug: (lat, lng, 5000, True) for slug, (lat, lng) in SEEDED.items()}


def test_healthz_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"


@pytest.mark.django_db(transaction=True)
def test_readyz_reports_each_dependency(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "channel_layer": "ok", "bus": "ok"}


@pytest.mark.django_db(transaction=True)
async def test_readyz_answers_within_one_deadline_when_dependencies_hang(async_client, monkeypatch):
    from wazstagram import health

    started, running_when_cut = [], []

    def hanging(name):
        async def hang():
            started.append(name)
            try:
                await asyncio.sleep(60)
            except asyncio.CancelledError:
                running_when_cut.append(sorted(started))
                raise

        return hang

    monkeypatch.setattr(health, "PROBE_TIMEOUT", 0.5)
    monkeypatch.setattr(health, "_check_channel_layer", hanging("channel_layer"))
    monkeypatch.setattr(get_bus(), "check", hanging("bus"))
    response = await async_client.get("/readyz")
    # Side by side: both hanging checks were running when the one deadline cut them.
    # One after the other, the first would be cut before the second began.
    assert running_when_cut == [["bus", "channel_layer"]] * 2
    assert response.status_code == 503
    assert response.json() == {
        "database": "ok",
        "channel_layer": "error: TimeoutError",
        "bus": "error: TimeoutError",
    }


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "backend",
    ["wazstagram.pubsublayer.ResumingPubSubChannelLayer", "channels_redis.core.RedisChannelLayer"],
)
async def test_readyz_says_when_the_redis_of_the_channel_layer_is_away(
    async_client, settings, backend
):
    # Nothing listens on port 1: refused at once.
    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": backend, "CONFIG": {"hosts": ["redis://127.0.0.1:1/0"]}}
    }
    response = await async_client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["channel_layer"].startswith("error: ")


@pytest.mark.django_db
def test_no_missing_migrations():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_every_setting_read_from_the_environment_is_documented_in_env_example():
    root = Path(__file__).resolve().parent.parent
    settings_source = (root / "wazstagram" / "settings.py").read_text()
    read = set(re.findall(r'(?:env(?:\.\w+)?|secret)\(\s*"([A-Z][A-Z0-9_]*)"', settings_source))
    example = (root / ".env.example").read_text()
    documented = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]*)=", example, flags=re.MULTILINE))
    assert len(read) > 20
    assert read - documented == set()
