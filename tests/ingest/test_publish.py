"""Store, then publish: a bus outage delays photos, it never loses them."""

import pytest

from feed.models import BlockedUser, BlockedWord, Photo
from ingest.bus import Bus, BusError
from ingest.models import Subscription
from ingest.publish import publish_pending
from tests.support.instagram import media_item

from .conftest import GEOGRAPHY
from .test_fetch import poke_and_wait

pytestmark = pytest.mark.django_db(transaction=True)


class UnreachableBus(Bus):
    """What a Service Bus outage looks like to the publisher."""

    def publish_many(self, events):
        raise BusError("broker unreachable")

    async def consume(self, handle_batch, stop):
        await stop.wait()


def test_photos_the_bus_refused_are_stored_pending_and_the_cursor_moves_on(
    subscribed, fake_instagram, notify, monkeypatch, bus_tap
):
    items = fake_instagram.add_media(GEOGRAPHY, media_item(), media_item())
    with monkeypatch.context() as patch:
        patch.setattr("ingest.publish.get_bus", UnreachableBus)
        poke_and_wait(notify)

    photos = list(Photo.objects.order_by("pk"))
    assert [(p.media_id, p.published_at) for p in photos] == [(i["id"], None) for i in items]
    assert Subscription.objects.get(pk=subscribed.pk).cursor == items[-1]["id"]
    assert bus_tap.photo_ids() == []

    assert publish_pending(older_than=0) == 2

    events = bus_tap.events()
    assert [e["photo"]["id"] for e in events] == [i["id"] for i in items]
    photos = list(Photo.objects.order_by("pk"))
    assert [e["photo"]["published_at"] for e in events] == [p.published_at for p in photos]
    assert all(p.published_at for p in photos)
    assert publish_pending(older_than=0) == 0


def test_pending_photos_just_stored_are_left_to_the_fetch_publishing_them(make_photo, bus_tap):
    make_photo(published_at=None)

    assert publish_pending() == 0
    assert bus_tap.photo_ids() == []


def test_hidden_photos_are_never_republished(make_photo, bus_tap):
    make_photo(published_at=None, hidden=True)

    assert publish_pending(older_than=0) == 0
    assert bus_tap.photo_ids() == []


def test_photos_moderation_blocks_are_stored_hidden_and_never_published(
    subscribed, fake_instagram, notify, bus_tap
):
    BlockedUser.objects.create(username="spammer")
    BlockedWord.objects.create(word="casino")
    spam = media_item()
    spam["user"]["username"] = "Spammer"
    casino = media_item()
    casino["caption"]["text"] = "Best CASINO in town"
    fine = media_item()
    fake_instagram.add_media(GEOGRAPHY, spam, casino, fine)

    poke_and_wait(notify)

    assert bus_tap.photo_ids() == [fine["id"]]
    hidden = set(Photo.objects.filter(hidden=True).values_list("media_id", flat=True))
    assert hidden == {spam["id"], casino["id"]}
    assert publish_pending(older_than=0) == 0
