"""Settings combinations that cannot work are refused by `manage.py check`, each by its id."""

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

SERVICEBUS = "Endpoint=sb://x/;SharedAccessKeyName=k;SharedAccessKey=abc"


@pytest.mark.parametrize(
    ("overrides", "check_id"),
    [
        ({"REDIS_URL": "redis://127.0.0.1:6379/0", "REDIS_CHANNEL_LAYER": "cluster"}, "E001"),
        (
            {
                "SERVICEBUS_CONNECTION_STRING": SERVICEBUS,
                "REDIS_URL": "",
                "RELAY_IN_PROCESS": False,
            },
            "E002",
        ),
        ({"INSTAGRAM_SOURCE_ENABLED": True, "DEBUG_AT_START": False}, "E003"),
        ({"SOURCES": ["instagram"], "INSTAGRAM_CLIENT_SECRET": ""}, "E004"),
        ({"SOURCES": ["flickr"], "FLICKR_API_KEY": ""}, "E004"),
        ({"SOURCES": ["myspace"]}, "E005"),
    ],
)
def test_a_combination_that_cannot_work_is_refused(overrides, check_id):
    with override_settings(**overrides), pytest.raises(SystemCheckError) as refused:
        call_command("check")
    assert f"wazstagram.{check_id}" in str(refused.value)


def test_the_outbox_switched_off_is_a_warning(capsys):
    with override_settings(OUTBOX_INTERVAL=0):
        call_command("check")
    assert "wazstagram.W001" in capsys.readouterr().err


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {"REDIS_URL": "redis://127.0.0.1:6379/0", "REDIS_CHANNEL_LAYER": "pubsub"},
        {"SERVICEBUS_CONNECTION_STRING": SERVICEBUS, "REDIS_URL": "", "RELAY_IN_PROCESS": True},
        {"SOURCES": ["bluesky", "mastodon"]},
        {"SOURCES": ["flickr"], "FLICKR_API_KEY": "key"},
    ],
)
def test_a_working_combination_passes(overrides, capsys):
    with override_settings(**overrides):
        call_command("check")
    assert "wazstagram.E" not in capsys.readouterr().err
