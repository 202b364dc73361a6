"""The moderation desk over HTTP and its websocket: who may use it, and what it shows live."""

import json

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import Group, User

from feed.models import City, Decision, Photo
from ingest.publish import store_and_publish
from tests.conftest import photo_message
from tests.support.frames import receive_frame, receive_frames
from wazstagram.asgi import websocket as websocket_app

pytestmark = pytest.mark.django_db(transaction=True)


def make_moderator(username="mod"):
    user = User.objects.create_user(username, password="pw-mod-1", is_staff=True)
    user.groups.add(Group.objects.get(name="Moderators"))
    return user


def waiting(caption="Held for a look"):
    City.objects.filter(slug="seattle").update(moderation="pre")
    message = photo_message(caption=caption)
    store_and_publish(City.objects.get(slug="seattle"), [message])
    return message


def test_the_desk_is_for_moderators_only(client):
    assert client.get("/moderate/").status_code == 302  # to the login
    client.force_login(User.objects.create_user("staff", is_staff=True))
    assert client.get("/moderate/").status_code == 403
    client.force_login(make_moderator())
    assert client.get("/moderate/").status_code == 200
    assert client.get("/moderate/atlantis/").status_code == 404


def test_the_moderators_group_gives_no_other_admin_right(client):
    client.force_login(make_moderator())
    assert client.get("/admin/feed/photo/").status_code == 403
    assert client.get("/admin/feed/city/").status_code == 403


def test_the_desk_lists_the_queue_with_the_reasons_as_text(client):
    message = waiting(caption="<script>alert(1)</script>")
    client.force_login(make_moderator())
    page = client.get("/moderate/seattle/").content.decode()
    assert message["id"] in page and "pre-moderation" in page
    assert "<script>alert(1)</script>" not in page  # JSON-escaped for the script, never markup


def test_decisions_are_posted_for_a_selection_and_refusals_say_why(client):
    first, second = waiting(), waiting()
    client.force_login(make_moderator())
    decide = lambda body: client.post(  # noqa: E731
        "/moderate/decide/", json.dumps(body), content_type="application/json"
    )

    answer = decide(
        {"action": "approve", "ids": [first["id"], second["id"], "nope"], "reason": "fine"}
    ).json()
    again = decide({"action": "approve", "ids": [first["id"]]}).json()

    assert [r["ok"] for r in answer["results"]] == [True, True, False]
    assert again["results"][0]["message"] == "already decided: approve by mod"
    assert not Photo.objects.filter(waiting=True).exists()
    assert list(Decision.objects.values_list("action", "reason")) == [("approve", "fine")] * 2
    assert decide({"action": "approve"}).json()["results"] == []
    assert client.post("/moderate/decide/", "{", content_type="application/json").status_code == 400


def test_decisions_need_a_moderator(client):
    message = waiting()
    body = json.dumps({"action": "approve", "ids": [message["id"]]})
    assert (
        client.post("/moderate/decide/", body, content_type="application/json").status_code == 302
    )
    client.force_login(User.objects.create_user("staff", is_staff=True))
    assert (
        client.post("/moderate/decide/", body, content_type="application/json").status_code == 403
    )
    assert Photo.objects.filter(waiting=True).count() == 1


async def open_desk(slug="seattle", session=None):
    headers = [(b"origin", b"http://localhost"), (b"host", b"localhost")]
    if session:
        headers.append((b"cookie", f"sessionid={session}".encode()))
    communicator = WebsocketCommunicator(websocket_app, f"/ws/moderate/{slug}/", headers)
    connected, _ = await communicator.connect(timeout=5)
    assert connected
    return communicator


async def test_an_anonymous_or_plain_staff_websocket_is_closed(client):
    anonymous = await open_desk()
    assert (await anonymous.receive_output(5))["code"] == 4403
    staff = await sync_to_async(User.objects.create_user)("staff", is_staff=True)
    await sync_to_async(client.force_login)(staff)
    desk = await open_desk(session=client.cookies["sessionid"].value)
    assert (await desk.receive_output(5))["code"] == 4403


async def test_a_moderators_desk_gets_the_queue_then_new_photos_and_decisions_live(
    client, in_process_relay
):
    held = await sync_to_async(waiting)("first")
    moderator = await sync_to_async(make_moderator)()
    await sync_to_async(client.force_login)(moderator)
    desk = await open_desk(session=client.cookies["sessionid"].value)

    snapshot = await receive_frame(desk)
    assert snapshot["type"] == "queue" and [p["id"] for p in snapshot["photos"]] == [held["id"]]
    assert snapshot["photos"][0]["held_because"] == "pre-moderation"

    newer = await sync_to_async(waiting)("second")
    queued = await receive_frame(desk)
    assert queued["type"] == "queued" and queued["photo"]["id"] == newer["id"]

    await sync_to_async(client.post)(
        "/moderate/decide/",
        json.dumps({"action": "approve", "ids": [held["id"]]}),
        content_type="application/json",
    )
    frames = await receive_frames(desk, 2)
    assert {f["type"] for f in frames} == {"photo", "decided"}
    decided = next(f for f in frames if f["type"] == "decided")
    assert decided == {"type": "decided", "id": held["id"], "action": "approve", "by": "mod"}
    await desk.disconnect()
