"""Connects and resumes in steady state read no database: the hub keeps each stream's latest."""

import asyncio
import json

import pytest
from asgiref.sync import sync_to_async
from django.utils.timezone import now
from prometheus_client import REGISTRY

from feed.models import Photo
from ingest.events import photo_event, pin_event, retract_event
from ingest.relay import deliver
from tests.conftest import photo_message
from tests.support.frames import receive_frames, receive_message

pytestmark = pytest.mark.django_db(transaction=True)


def history_queries() -> float:
    return REGISTRY.get_sample_value("wazstagram_history_queries_total") or 0.0


def ids(frames):
    return [frame["photo"]["id"] for frame in frames]


@pytest.fixture
def stored(make_photo):
    async def store(count):
        return [(await sync_to_async(make_photo)("seattle")).media_id for _ in range(count)]

    return store


async def test_pages_connecting_to_a_watched_stream_read_no_database(open_stream, stored):
    first_ids = await stored(3)
    before = history_queries()
    first = await open_stream("seattle")
    assert ids(await receive_message(first)) == first_ids
    assert history_queries() == before + 1

    later = [await open_stream("seattle") for _ in range(10)]

    for page in later:
        assert ids(await receive_message(page)) == first_ids
    assert history_queries() == before + 1


async def test_the_kept_photos_follow_live_photos_and_retracts(open_stream, stored):
    first_ids = await stored(2)
    watcher = await open_stream("seattle")
    await receive_message(watcher)
    live = photo_message("seattle")
    await deliver([photo_event(live)])
    await receive_frames(watcher, 1)
    await deliver([retract_event(first_ids[0], "seattle")])
    await receive_frames(watcher, 1)
    before = history_queries()

    newcomer = await open_stream("seattle")

    assert ids(await receive_message(newcomer)) == [first_ids[1], live["id"]]
    assert history_queries() == before


async def test_a_resume_is_answered_from_the_kept_photos(open_stream, stored):
    first_ids = await stored(4)
    watcher = await open_stream("seattle")
    await receive_message(watcher)
    returning = await open_stream("seattle")
    await receive_message(returning)
    before = history_queries()

    # As after a reconnect: the page says what it had; it already has everything.
    await returning.send_to(text_data=json.dumps({"type": "resume", "after": first_ids[1]}))
    live = photo_message("seattle")
    await deliver([photo_event(live)])

    assert ids(await receive_frames(returning, 1)) == [live["id"]]
    assert await returning.receive_nothing()
    assert history_queries() == before


async def test_a_resume_from_before_the_kept_photos_reads_the_database(open_stream, stored):
    await stored(2)
    page = await open_stream("seattle")
    await receive_message(page)
    before = history_queries()

    await page.send_to(text_data=json.dumps({"type": "resume", "after": "unknown_1"}))
    await page.receive_nothing()

    assert history_queries() == before + 1


async def test_a_pin_makes_the_next_connect_read_again(open_stream, stored):
    first_ids = await stored(2)
    watcher = await open_stream("seattle")
    await receive_message(watcher)
    # As a moderator's pin does: stored, then announced.
    await sync_to_async(Photo.objects.filter(media_id=first_ids[0]).update)(pinned_at=now())
    pinned = photo_message("seattle", pinned=True, id=first_ids[0])
    await deliver([pin_event(pinned, True, 1)])
    await receive_frames(watcher, 1)
    before = history_queries()

    newcomer = await open_stream("seattle")

    assert [frame["photo"].get("pinned") for frame in await receive_message(newcomer)] == [
        False,
        True,
    ]
    assert history_queries() == before + 1


async def test_pages_connecting_at_once_share_one_read(open_stream, stored):
    await stored(2)
    before = history_queries()

    pages = await asyncio.gather(*(open_stream("seattle") for _ in range(20)))

    for page in pages:
        assert len(await receive_message(page)) == 2
    assert history_queries() == before + 1
