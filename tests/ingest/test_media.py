"""Only media a page can show safely become photos; the rest are dropped, never a crash."""

import pytest

from feed.models import Photo
from feed.photo import MAX_CAPTION
from ingest.models import Subscription
from tests.support.instagram import media_item, media_page

from .conftest import GEOGRAPHY
from .test_fetch import poke_and_wait

pytestmark = pytest.mark.django_db(transaction=True)


def with_image(url):
    item = media_item()
    item["images"]["standard_resolution"]["url"] = url
    return item


def with_thumbnail(url):
    item = media_item()
    item["images"]["thumbnail"]["url"] = url
    return item


def without(*path):
    item = media_item()
    holder = item
    for key in path[:-1]:
        holder = holder[key]
    del holder[path[-1]]
    return item


DROPPED = {
    "javascript-image": lambda: with_image("javascript:alert(1)"),
    "data-image": lambda: with_image("data:image/png;base64,iVBORw0KGgo="),
    "scheme-relative-image": lambda: with_image("//img.test/a.jpg"),
    "ftp-thumbnail": lambda: with_thumbnail("ftp://img.test/a.jpg"),
    "thumbnail-with-space": lambda: with_thumbnail("https://img.test/a b.jpg"),
    "no-image": lambda: without("images", "standard_resolution"),
    "no-images": lambda: without("images"),
    "no-id": lambda: without("id"),
    "no-created-time": lambda: without("created_time"),
    "bad-created-time": lambda: media_item(created_time="yesterday"),
    "not-an-object": lambda: "1700000000_1",
}


@pytest.mark.parametrize("make_bad", DROPPED.values(), ids=DROPPED.keys())
def test_an_unusable_item_is_dropped_and_the_rest_of_the_page_stored(
    subscribed, fake_instagram, notify, caplog, make_bad
):
    good_before, bad, good_after = media_item(), make_bad(), media_item()
    fake_instagram.respond(200, media_page(good_before, bad, good_after), path="/media/recent")

    poke_and_wait(notify)

    stored = list(Photo.objects.order_by("pk").values_list("media_id", flat=True))
    assert stored == [good_before["id"], good_after["id"]]
    assert Subscription.objects.get(pk=subscribed.pk).cursor == good_after["id"]
    assert any("dropped" in record.getMessage() for record in caplog.records)


BLANKED = {
    "javascript-link": (lambda item: item.update(link="javascript:alert(1)"), "link", ""),
    "data-avatar": (
        lambda item: item["user"].update(profile_picture="data:text/html,<script>"),
        "avatar_url",
        "",
    ),
    "no-caption": (lambda item: item.update(caption=None), "caption", None),
    "html-caption": (
        lambda item: item["caption"].update(text="<img src=x onerror=alert(1)>"),
        "caption",
        "<img src=x onerror=alert(1)>",
    ),
    "html-full-name": (
        lambda item: item["user"].update(full_name="<script>alert(1)</script>"),
        "full_name",
        "<script>alert(1)</script>",
    ),
    "html-place": (
        lambda item: item["location"].update(name="<b onmouseover=alert(1)>Pike</b>"),
        "location_name",
        "<b onmouseover=alert(1)>Pike</b>",
    ),
    "no-location": (lambda item: item.update(location=None), "lat", None),
    "absurd-size": (
        lambda item: item["images"]["standard_resolution"].update(width=10**12),
        "image_width",
        0,
    ),
    "absurd-thumbnail-height": (
        lambda item: item["images"]["thumbnail"].update(height="9" * 400),
        "thumbnail_height",
        0,
    ),
    "negative-likes": (lambda item: item.update(likes={"count": -5}), "likes", 0),
    "no-user": (lambda item: item.pop("user"), "username", ""),
}


@pytest.mark.parametrize(("change", "field", "value"), BLANKED.values(), ids=BLANKED.keys())
def test_an_item_with_a_bad_optional_field_is_kept_with_that_field_empty(
    subscribed, fake_instagram, notify, change, field, value
):
    item = media_item()
    change(item)
    fake_instagram.respond(200, media_page(item), path="/media/recent")

    poke_and_wait(notify)

    assert getattr(Photo.objects.get(media_id=item["id"]), field) == value


def test_created_time_becomes_the_photo_time(subscribed, fake_instagram, notify):
    item = fake_instagram.add_media(GEOGRAPHY, media_item(created_time="1361473445"))[0]

    poke_and_wait(notify)

    photo = Photo.objects.get(media_id=item["id"])
    assert photo.to_message()["created_at"] == "2013-02-21T19:04:05Z"


def test_a_caption_over_the_limit_is_kept_cut_to_it(subscribed, fake_instagram, notify):
    """Every page is sent every caption and moderation reads all of it: a megabyte is not one."""
    item = media_item()
    item["caption"]["text"] = "words " * 200_000
    fake_instagram.respond(200, media_page(item), path="/media/recent")

    poke_and_wait(notify)

    caption = Photo.objects.get(media_id=item["id"]).caption
    assert caption == ("words " * 200_000)[:MAX_CAPTION]
