"""Where an arriving photo ends up (wall, queue, nowhere), and the moderators' decisions."""

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth.models import Group, User

from feed import decisions
from feed.models import BlockedUser, BlockedWord, City, Decision, Photo
from ingest.publish import store_and_publish
from tests.conftest import photo_message

pytestmark = pytest.mark.django_db(transaction=True)

# (caption, sensitive, author, city's mode, profanity filter) -> (hidden, waiting, reason)
CASES = {
    "plain": ("Ferry at dusk", "", "ann", "post", True, (False, False, "")),
    "pre-moderated": ("Ferry at dusk", "", "ann", "pre", True, (True, True, "pre-moderation")),
    "sensitive": ("Ferry", "self-labelled nudity", "ann", "post", True, (True, True, "sensitive")),
    "blocked word": ("Free CASINO chips", "", "ann", "post", True, (True, True, "blocked word")),
    "phrase": ("GOLDEN  Hour Tours", "", "ann", "post", True, (True, True, "'GOLDEN  Hour'")),
    "word, then phrase": ("casino, golden  hour", "", "ann", "post", True, (True, True, "casino")),
    "word with a sign": ("what the F.U.C.K", "", "ann", "post", True, (True, True, "'F.U.C.K'")),
    "profanity": ("what the fuck", "", "ann", "post", True, (True, True, "profanity")),
    "profanity off": ("what the fuck", "", "ann", "post", False, (False, False, "")),
    "within a word": ("Scunthorpe assassin", "", "ann", "post", True, (False, False, "")),
    "blocked author": ("Ferry", "", "Spammer", "post", True, (True, False, "is blocked")),
    "blocked on pre": ("Ferry", "", "spammer", "pre", True, (True, False, "is blocked")),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_where_an_arriving_photo_ends_up(case, bus_tap, client):
    caption, sensitive, author, mode, profanity, (hidden, waiting, reason) = case
    BlockedUser.objects.create(source="instagram", username="spammer")
    BlockedWord.objects.create(word="casino")
    BlockedWord.objects.create(word="golden  hour")  # a phrase, spaced as it must be
    City.objects.filter(slug="seattle").update(moderation=mode, profanity_filter=profanity)
    message = photo_message(caption=caption, sensitive=sensitive, user=_user(author))

    store_and_publish(City.objects.get(slug="seattle"), [message])

    photo = Photo.objects.get(media_id=message["id"])
    assert (photo.hidden, photo.waiting) == (hidden, waiting)
    assert reason in photo.held_because
    published = [e["photo"]["id"] for e in bus_tap.events() if e["type"] == "photo"]
    queued = [e["photo"]["id"] for e in bus_tap.events() if e["type"] == "queued"]
    assert published == ([] if hidden else [message["id"]])
    assert queued == ([message["id"]] if waiting else [])
    shown = [p["id"] for p in client.get("/cities/seattle/photos.json").json()["photos"]]
    assert shown == ([] if hidden else [message["id"]])


def test_under_pre_moderation_no_page_json_or_feed_shows_a_waiting_photo(client):
    City.objects.filter(slug="seattle").update(moderation="pre")
    message = photo_message(caption="A quiet street")
    store_and_publish(City.objects.get(slug="seattle"), [message])

    assert message["id"] not in client.get("/cities/seattle/").content.decode()
    assert message["id"] not in client.get("/").content.decode()
    assert client.get("/cities/seattle/photos.json").json()["photos"] == []


async def test_under_pre_moderation_a_stream_opens_without_the_waiting_photo(open_stream):
    await City.objects.filter(slug="seattle").aupdate(moderation="pre")
    city = await City.objects.aget(slug="seattle")
    await sync_to_async(store_and_publish)(city, [photo_message(caption="A quiet street")])

    for slug in ("seattle", "all"):
        stream = await open_stream(slug)
        assert await stream.receive_nothing(timeout=0.3)


@pytest.fixture
def moderator():
    user = User.objects.create_user("mod", password="pw-mod-1", is_staff=True)
    user.groups.add(Group.objects.get(name="Moderators"))
    return user


def waiting_photo(**fields):
    City.objects.filter(slug="seattle").update(moderation="pre")
    message = photo_message(**fields)
    store_and_publish(City.objects.get(slug="seattle"), [message])
    return Photo.objects.select_related("city").get(media_id=message["id"])


def test_approving_publishes_the_photo_and_keeps_the_decision(moderator, bus_tap):
    photo = waiting_photo()

    decisions.decide("approve", photo, moderator)

    photo.refresh_from_db()
    assert not photo.hidden and not photo.waiting and photo.published_at
    kinds = [(e["type"], e.get("id") or e["photo"]["id"]) for e in bus_tap.events()]
    assert ("photo", photo.media_id) in kinds and ("decided", photo.media_id) in kinds
    (decision,) = Decision.objects.all()
    assert (decision.moderator, decision.action, decision.city.slug) == (
        moderator,
        "approve",
        "seattle",
    )


def test_a_second_moderator_is_told_who_decided_first(moderator):
    other = User.objects.create_user("other", is_staff=True)
    photo = waiting_photo()
    decisions.decide("approve", photo, moderator)

    with pytest.raises(decisions.Refused, match="already decided: approve by mod"):
        decisions.decide("approve", photo, other)
    assert Decision.objects.count() == 1


def test_rejecting_a_shown_photo_retracts_it_and_rejecting_a_waiting_one_keeps_it_off(
    moderator, bus_tap
):
    shown = Photo.objects.create(
        **{**_fields(photo_message()), "city": City.objects.get(slug="seattle")}
    )
    waiting = waiting_photo()

    decisions.decide("reject", shown, moderator)
    decisions.decide("reject", waiting, moderator)

    retracts = [e["id"] for e in bus_tap.events() if e["type"] == "retract"]
    assert retracts == [shown.media_id]
    waiting.refresh_from_db()
    assert waiting.hidden and not waiting.waiting


def test_pins_are_limited_per_city_and_announced(moderator, bus_tap, settings):
    settings.FEED_MAX_PINS = 2
    seattle = City.objects.get(slug="seattle")
    photos = [Photo.objects.create(**_fields(photo_message()), city=seattle) for _ in range(3)]
    for photo in photos[:2]:
        decisions.decide("pin", photo, moderator)

    with pytest.raises(decisions.Refused, match="2 pinned photos already"):
        decisions.decide("pin", photos[2], moderator)
    decisions.decide("unpin", photos[0], moderator)
    decisions.decide("pin", photos[2], moderator)

    pins = [(e["photo"]["id"], e["pinned"]) for e in bus_tap.events() if e["type"] == "pin"]
    assert pins == [
        (photos[0].media_id, True),
        (photos[1].media_id, True),
        (photos[0].media_id, False),
        (photos[2].media_id, True),
    ]


def test_blocking_the_author_hides_their_photos_of_that_source_only(moderator):
    seattle = City.objects.get(slug="seattle")
    theirs = Photo.objects.create(**_fields(photo_message(user=_user("troll"))), city=seattle)
    namesake = Photo.objects.create(
        **_fields(photo_message(source="bluesky", user=_user("troll"))), city=seattle
    )

    decisions.decide("block", theirs, moderator)

    theirs.refresh_from_db()
    namesake.refresh_from_db()
    assert theirs.hidden and not namesake.hidden
    assert BlockedUser.objects.filter(source="instagram", username="troll").exists()


def test_undo_takes_back_the_last_decision(moderator):
    photo = waiting_photo()
    decisions.decide("approve", photo, moderator)

    decisions.undo(moderator)

    photo.refresh_from_db()
    assert photo.hidden and photo.waiting  # back in the queue
    assert [d.action for d in Decision.objects.order_by("pk")] == ["approve", "undo"]
    with pytest.raises(decisions.Refused, match="nothing to undo"):
        decisions.undo(moderator)


def _fields(message) -> dict:
    photo = Photo.from_message(City.objects.get(slug=message["city"]), message)
    fields = {f.name: getattr(photo, f.name) for f in Photo._meta.concrete_fields}
    fields.pop("id")
    fields.pop("city")
    fields["published_at"] = 1.0
    return fields


def _user(username: str) -> dict:
    return {"username": username, "full_name": "", "avatar": ""}


def test_checking_a_photo_costs_no_query_once_the_lists_are_read(django_assert_num_queries):
    from feed.moderation import verdict

    BlockedWord.objects.create(word="casino")
    seattle = City.objects.get(slug="seattle")
    verdict(photo_message(), seattle)  # the first check reads the lists
    with django_assert_num_queries(0):
        for caption in ("a ferry", "free casino chips", "what the fuck"):
            verdict(photo_message(caption=caption), seattle)


def test_a_moderators_change_counts_at_once_in_their_process():
    from feed.moderation import verdict

    seattle = City.objects.get(slug="seattle")
    assert not verdict(photo_message(caption="free casino chips"), seattle).hidden
    BlockedWord.objects.create(word="casino")
    assert verdict(photo_message(caption="free casino chips"), seattle).waiting


def test_undoing_a_reasoned_reject_of_a_waiting_photo_puts_it_back_in_the_queue(moderator):
    photo = waiting_photo()
    decisions.decide("reject", photo, moderator, reason="blurry")

    decisions.undo(moderator)

    photo.refresh_from_db()
    assert photo.hidden and photo.waiting  # back in the queue, not on the wall
    reject = Decision.objects.get(action="reject")
    assert (reject.reason, reject.undone) == ("blurry", True)  # the audit trail keeps why
