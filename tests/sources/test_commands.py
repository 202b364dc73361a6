"""`manage.py sources` and `manage.py runsources` through call_command."""

import io

import pytest
from django.core.management import CommandError, call_command

from feed.models import City
from ingest.models import SourceState


@pytest.mark.django_db
def test_sources_prints_every_city_and_source_with_its_state(settings):
    settings.SOURCES = ["instagram", "bluesky"]
    seattle = City.objects.get(slug="seattle")
    SourceState.objects.create(city=None, source="bluesky", cursor="1733000000000000")
    SourceState.objects.create(
        city=seattle, source="bluesky", enabled=False, last_error="HTTP 503 " * 20
    )
    out = io.StringIO()

    call_command("sources", stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[0] == "SOURCES: instagram, bluesky"
    assert lines[1].split() == ["city", "source", "on", "cursor", "last", "photo", "last", "error"]
    rows = {tuple(line.split()[:2]): line for line in lines[2:]}
    assert len(rows) == 2 * 8 + 1  # every active city for each source, and bluesky's site row
    assert "1733000000000000" in rows[("(every", "city)")]
    assert rows[("seattle", "bluesky")].split()[2] == "no"
    assert rows[("seattle", "bluesky")].endswith("…")  # a long error is clipped
    assert rows[("london", "instagram")].split()[2:4] == ["yes", "-"]


def test_runsources_without_service_bus_says_the_web_process_runs_them(settings):
    settings.SERVICEBUS_CONNECTION_STRING = ""
    settings.SOURCES = ["bluesky"]
    with pytest.raises(CommandError, match="the web process runs the sources itself"):
        call_command("runsources")


def test_runsources_with_only_pushed_sources_has_nothing_to_run(settings):
    settings.SERVICEBUS_CONNECTION_STRING = (
        "Endpoint=sb://example/;SharedAccessKeyName=a;SharedAccessKey=b"
    )
    settings.SOURCES = ["instagram"]
    with pytest.raises(CommandError, match="no poll or stream source"):
        call_command("runsources")
