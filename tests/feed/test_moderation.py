"""Moderation in the admin: hiding retracts live, blocked users and words stay off the site."""

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer

from feed.groups import city_group
from feed.models import BlockedUser, BlockedWord, City, Photo
from feed.moderation import Verdict, verdict
from tests.conftest import photo_message
from tests.support.frames import layer_frames

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
async def seattle_page(in_process_relay):
    """A channel in Seattle's group: what an open Seattle page would receive."""
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add(city_group("seattle"), channel)

    return layer_frames(layer, channel, 5)


async def test_hide_action_retracts_the_photo_from_open_pages(
    staff_client, make_photo, seattle_page
):
    photo = await sync_to_async(make_photo)("seattle")
    response = await sync_to_async(staff_client.post)(
        "/admin/feed/photo/", {"action": "hide", "_selected_action": [photo.pk]}
    )
    assert response.status_code == 302
    assert await seattle_page() == {"type": "retract", "id": photo.media_id}
    assert (await Photo.objects.aget(pk=photo.pk)).hidden


async def test_ticking_hidden_in_the_change_form_retracts_too(
    staff_client, make_photo, seattle_page
):
    photo = await sync_to_async(make_photo)("seattle")
    form = await sync_to_async(staff_client.get)(f"/admin/feed/photo/{photo.pk}/change/")
    data = {
        name: value
        for name, value in form.context["adminform"].form.initial.items()
        if value is not None
    }
    data.update(city=photo.city_id, hidden="on", created_at_0="2024-01-01", created_at_1="10:00:00")
    response = await sync_to_async(staff_client.post)(f"/admin/feed/photo/{photo.pk}/change/", data)
    assert response.status_code == 302, response.content
    assert await seattle_page() == {"type": "retract", "id": photo.media_id}


async def test_blocking_a_user_hides_all_their_photos(staff_client, make_photo, seattle_page):
    first = await sync_to_async(make_photo)("seattle", username="spammer")
    second = await sync_to_async(make_photo)("seattle", username="spammer")
    other = await sync_to_async(make_photo)("seattle", username="friend")
    await sync_to_async(staff_client.post)(
        "/admin/feed/photo/", {"action": "block_users", "_selected_action": [first.pk]}
    )
    retracted = {(await seattle_page())["id"], (await seattle_page())["id"]}
    assert retracted == {first.media_id, second.media_id}
    assert await BlockedUser.objects.filter(username="spammer").aexists()
    assert not (await Photo.objects.aget(pk=other.pk)).hidden


def test_blocked_users_and_words_keep_future_photos_off_the_site(staff_client, make_photo):
    staff_client.post(
        "/admin/feed/blockeduser/add/",
        {"username": "Spammer", "source": "instagram", "reason": "spam"},
    )
    staff_client.post("/admin/feed/blockedword/add/", {"word": "casino"})
    assert BlockedWord.objects.filter(word="casino").exists()
    seattle = City.objects.get(slug="seattle")
    blocked = verdict(photo_message(user={"username": "spammer"}), seattle)
    assert blocked == Verdict(hidden=True, reason="user spammer is blocked")
    worded = verdict(photo_message(caption="Best CASINO in town!"), seattle)
    assert worded.waiting and "CASINO" in worded.reason
    assert verdict(photo_message(caption="occasional sunshine"), seattle) == Verdict()


def test_adding_a_blocked_word_hides_stored_photos_with_it(staff_client, make_photo):
    bad = make_photo("seattle", caption="free casino chips")
    fine = make_photo("seattle", caption="occasionally sunny")
    staff_client.post("/admin/feed/blockedword/add/", {"word": "casino"})
    bad.refresh_from_db()
    fine.refresh_from_db()
    assert bad.hidden and not fine.hidden


def test_hidden_photos_are_left_out_of_history(client, make_photo):
    shown = make_photo("seattle")
    make_photo("seattle", hidden=True)
    ids = [p["id"] for p in client.get("/cities/seattle/photos.json").json()["photos"]]
    assert ids == [shown.media_id]
