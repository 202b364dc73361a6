"""The Service Bus bus, relay and cleanup, with the real SDK against the local broker."""

import asyncio
import contextlib
import datetime
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from azure.servicebus import ServiceBusClient, ServiceBusMessage, ServiceBusSubQueue
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.core.management import call_command

from feed.models import Photo
from feed.routing import websocket_urlpatterns
from ingest.bus import BusError, get_bus
from ingest.bus import servicebus as servicebus_module
from ingest.bus.servicebus import ServiceBusBus
from ingest.events import photo_event, retract_event
from ingest.publish import store_and_publish
from ingest.relay_service import run_relay
from tests.conftest import photo_message
from tests.support.frames import receive_frame
from tests.support.servicebus_broker.fixtures import trusted_broker
from tests.support.waiting import wait_for

TOPIC, SUBSCRIPTION = "wazages", "front"
WAIT = 20  # seconds: a guard against hangs, never a measured quantity
REPO = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


@pytest.fixture
def servicebus(servicebus_broker, settings):
    """This process's bus is the broker's topic, and its subscription exists."""
    with bus_on(servicebus_broker, settings):
        yield servicebus_broker


@pytest.fixture
def strict_servicebus(settings, monkeypatch):
    """A namespace that closes a connection silent for a second (Service Bus: 120 s)."""
    with trusted_broker(monkeypatch, idle_timeout=1.0) as broker:
        with bus_on(broker, settings):
            yield broker


@contextlib.contextmanager
def bus_on(broker, settings):
    settings.SERVICEBUS_CONNECTION_STRING = broker.connection_string
    settings.SERVICEBUS_TOPIC = TOPIC
    settings.SERVICEBUS_SUBSCRIPTION = SUBSCRIPTION
    get_bus().ensure_subscription()
    yield
    get_bus().close()


def relay_environment(broker) -> dict:
    return {
        **os.environ,
        "SERVICEBUS_CONNECTION_STRING": broker.connection_string,
        "SERVICEBUS_TOPIC": TOPIC,
        "SERVICEBUS_SUBSCRIPTION": SUBSCRIPTION,
        "REQUESTS_CA_BUNDLE": str(broker.ca_file),
        "PYTHONPATH": str(REPO),
    }


def pending(broker, subscription=SUBSCRIPTION) -> int:
    queue = broker.store.subscription(TOPIC, subscription).active
    return len(queue.available) + len(queue.locks)


async def feed(path="/ws/cities/all/"):
    communicator = WebsocketCommunicator(URLRouter(websocket_urlpatterns), path)
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def photos_until(communicator, sentinel_id: str) -> list[str]:
    """Ids of the photo frames received up to and including the sentinel."""
    ids = []
    while not ids or ids[-1] != sentinel_id:
        frame = await receive_frame(communicator, WAIT)
        if frame["type"] == "photo":
            ids.append(frame["photo"]["id"])
    return ids


async def publish(*events):
    await asyncio.to_thread(get_bus().publish_many, list(events))


class Relays:
    """In-process relays on their own buses, stopped when the test ends."""

    def __init__(self):
        self.stop = asyncio.Event()
        self.tasks = []

    def start(self, settings):
        bus = ServiceBusBus(settings.SERVICEBUS_CONNECTION_STRING, TOPIC, SUBSCRIPTION)
        self.tasks.append(asyncio.create_task(run_relay(self.stop, bus=bus)))

    async def finish(self):
        self.stop.set()
        return await asyncio.wait_for(asyncio.gather(*self.tasks), WAIT)


@pytest.fixture
async def relays():
    relays = Relays()
    yield relays
    await relays.finish()


def test_publish_sends_one_message_per_event_with_its_properties(servicebus):
    photo = photo_message("rome")
    get_bus().publish_many([photo_event(photo), retract_event(photo["id"], "rome")])
    with ServiceBusClient.from_connection_string(servicebus.connection_string) as client:
        with client.get_subscription_receiver(TOPIC, SUBSCRIPTION) as receiver:
            messages = []
            while len(messages) < 2:
                messages += receiver.receive_messages(2, max_wait_time=WAIT)
    assert [json.loads(b"".join(m.body)) for m in messages] == [
        photo_event(photo),
        retract_event(photo["id"], "rome"),
    ]
    assert [(m.message_id, m.subject, m.content_type) for m in messages] == [
        (photo["id"], "photo", "application/json"),
        (f"retract:{photo['id']}", "retract", "application/json"),
    ]
    assert [m.application_properties for m in messages] == [{b"city": b"rome"}] * 2


def published_ids(broker, count: int) -> list[str]:
    """The photo ids of the first `count` messages of the subscription, in order."""
    with ServiceBusClient.from_connection_string(broker.connection_string) as client:
        with client.get_subscription_receiver(TOPIC, SUBSCRIPTION) as receiver:
            messages = []
            while len(messages) < count:
                messages += receiver.receive_messages(count - len(messages), max_wait_time=WAIT)
    return [m.message_id for m in messages]


def test_photos_stored_together_reach_the_topic_in_one_transfer_in_order(servicebus, seattle):
    photos = [photo_message() for _ in range(3)]

    assert store_and_publish(seattle, photos) == (3, 3)

    assert servicebus.store.topic(TOPIC).transfers == 1
    assert published_ids(servicebus, 3) == [p["id"] for p in photos]


def test_a_publish_after_the_namespace_dropped_the_connection_is_retried(servicebus, seattle):
    first, second = photo_message(), photo_message()
    assert store_and_publish(seattle, [first]) == (1, 1)

    servicebus.drop_connections()  # the bus's sender still holds the dead connection

    assert store_and_publish(seattle, [second]) == (1, 1)
    assert published_ids(servicebus, 2) == [first["id"], second["id"]]
    assert not Photo.objects.filter(published_at__isnull=True).exists()


def test_publishes_in_a_row_share_one_connection(servicebus, seattle):
    first, second = photo_message(), photo_message()
    opened = servicebus.connections_opened

    assert store_and_publish(seattle, [first]) == (1, 1)
    assert store_and_publish(seattle, [second]) == (1, 1)

    assert servicebus.connections_opened - opened == 1
    assert published_ids(servicebus, 2) == [first["id"], second["id"]]


async def test_no_sdk_keep_alive_holds_the_socket_of_the_sender_or_the_relay(
    servicebus, settings, relays
):
    """Every 30 s the SDK's keep-alive reads the socket for up to 0.2 s, and a publish or
    a receive meanwhile waits for it: every photo behind it would arrive that much later."""
    # The SDK's keep-alive: a thread beside a sender, a task beside an async receiver.
    # (Earlier tests' own clients may leave theirs for up to a second after closing.)
    before = keep_alive_threads()
    relays.start(settings)
    client = await feed()
    photo = photo_message()
    await publish(photo_event(photo))
    assert (await receive_frame(client, WAIT))["photo"]["id"] == photo["id"]
    await client.disconnect()

    assert keep_alive_threads() - before == set()
    coroutines = [task.get_coro().__qualname__ for task in asyncio.all_tasks()]
    assert not [name for name in coroutines if name.endswith("._keep_alive_async")]


async def test_a_quiet_relay_keeps_its_connection_past_the_namespace_idle_timeout(
    strict_servicebus, settings, relays, monkeypatch
):
    """Without the SDK's keep-alive, the relay's own receive loop sends the heartbeats."""
    monkeypatch.setattr(servicebus_module, "SENDER_IDLE", 0.5)  # the sender: one new connection
    relays.start(settings)
    client = await feed()
    first, second = photo_message(), photo_message()
    await publish(photo_event(first))
    assert (await receive_frame(client, WAIT))["photo"]["id"] == first["id"]
    opened = strict_servicebus.connections_opened

    await asyncio.sleep(3)  # three idle timeouts with nothing to relay
    await publish(photo_event(second))

    assert (await receive_frame(client, WAIT))["photo"]["id"] == second["id"]
    assert strict_servicebus.connections_opened - opened == 1  # the sender's, not the relay's
    await client.disconnect()


def test_a_sender_closes_its_silent_connection_before_the_namespace_does_and_publishes(
    strict_servicebus, seattle, monkeypatch
):
    """Into a connection the namespace closed for silence, the SDK's send fails (or waits
    for its retry); a sender silent for SENDER_IDLE opens a new one first."""
    monkeypatch.setattr(servicebus_module, "SENDER_IDLE", 0.5)  # half the idle timeout, as 60/120
    first, second = photo_message(), photo_message()
    assert store_and_publish(seattle, [first]) == (1, 1)
    opened = strict_servicebus.connections_opened

    time.sleep(1.6)  # the namespace closes the silent connection meanwhile

    assert store_and_publish(seattle, [second]) == (1, 1)
    assert strict_servicebus.connections_opened - opened == 1
    assert published_ids(strict_servicebus, 2) == [first["id"], second["id"]]
    assert not Photo.objects.filter(published_at__isnull=True).exists()


def keep_alive_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.name.endswith("(_keep_alive)")}


def test_a_publish_that_cannot_reach_the_topic_raises(servicebus_broker):
    bus = ServiceBusBus(servicebus_broker.connection_string, "no-such-topic", SUBSCRIPTION)
    with pytest.raises(BusError):
        bus.publish(photo_event(photo_message()))
    bus.close()


async def test_a_published_photo_reaches_the_websockets_of_its_city(servicebus, settings, relays):
    relays.start(settings)
    seattle, rome = await feed("/ws/cities/seattle/"), await feed("/ws/cities/rome/")
    photo = photo_message("seattle")
    await publish(photo_event(photo))

    assert await receive_frame(seattle, WAIT) == {"type": "photo", "photo": photo}
    await publish(retract_event(photo["id"], "seattle"))
    assert await receive_frame(seattle, WAIT) == {"type": "retract", "id": photo["id"]}
    assert await rome.receive_nothing()
    await seattle.disconnect()
    await rome.disconnect()
    counts = await relays.finish()
    assert [(c.batches, c.events) for c in counts] == [(2, 2)]


async def test_a_relay_reconnects_after_the_namespace_dropped_it(servicebus, settings, relays):
    relays.start(settings)
    client = await feed()
    first, second = photo_message(), photo_message()
    await publish(photo_event(first))
    assert (await receive_frame(client, WAIT))["photo"]["id"] == first["id"]
    servicebus.drop_connections()
    await publish(photo_event(second))
    assert (await receive_frame(client, WAIT))["photo"]["id"] == second["id"]
    await client.disconnect()


async def test_poison_messages_go_to_the_dead_letter_queue_with_a_reason(
    servicebus, settings, relays
):
    with ServiceBusClient.from_connection_string(servicebus.connection_string) as client:
        with client.get_topic_sender(TOPIC) as sender:
            sender.send_messages(ServiceBusMessage("not json"))
            sender.send_messages(ServiceBusMessage('{"type": "selfie"}'))
    good = photo_message()
    await publish(photo_event(good))
    relays.start(settings)
    client = await feed()

    assert await photos_until(client, good["id"]) == [good["id"]]
    await client.disconnect()
    await relays.finish()
    with ServiceBusClient.from_connection_string(servicebus.connection_string) as client:
        dead_letters = client.get_subscription_receiver(
            TOPIC, SUBSCRIPTION, sub_queue=ServiceBusSubQueue.DEAD_LETTER
        )
        with dead_letters:
            dead = dead_letters.receive_messages(2, max_wait_time=WAIT)
    assert sorted(str(m) for m in dead) == ["not json", '{"type": "selfie"}']
    assert {m.dead_letter_reason for m in dead} == {"InvalidEvent"}
    assert all(m.dead_letter_error_description for m in dead)


async def test_a_relay_killed_mid_batch_loses_nothing_and_duplicates_nothing(
    servicebus, settings, relays, tmp_path
):
    photos = [photo_message() for _ in range(5)]
    await publish(*[photo_event(p) for p in photos])
    announcement = tmp_path / "batch.json"
    doomed = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.ingest.blocking_relay",
        str(announcement),
        cwd=REPO,
        env=relay_environment(servicebus),
        stdout=asyncio.subprocess.DEVNULL,
    )
    try:
        await asyncio.to_thread(wait_for, announcement.exists, "the relay to take a batch")
        await asyncio.to_thread(wait_for, announcement.read_text, "its batch")
        held = json.loads(announcement.read_text())
        assert held and set(held) <= {p["id"] for p in photos}
    finally:
        doomed.kill()  # SIGKILL: no chance to settle or even close its connection
        await asyncio.wait_for(doomed.wait(), WAIT)

    client = await feed()
    relays.start(settings)
    received = await photos_until(client, photos[-1]["id"])
    await asyncio.to_thread(wait_for, lambda: pending(servicebus) == 0, "every completion")
    sentinel = photo_message()
    await publish(photo_event(sentinel))
    received += await photos_until(client, sentinel["id"])
    assert sorted(received) == sorted([p["id"] for p in photos] + [sentinel["id"]])
    await client.disconnect()


async def test_two_relays_on_one_subscription_never_deliver_a_photo_twice(
    servicebus, settings, relays
):
    relays.start(settings)
    relays.start(settings)
    client = await feed()
    photos = [photo_message() for _ in range(40)]
    for start in range(0, len(photos), 8):
        await publish(*[photo_event(p) for p in photos[start : start + 8]])
    received = await photos_until(client, photos[-1]["id"])  # may come out of order
    while len(received) < len(photos):
        received.append((await receive_frame(client, WAIT))["photo"]["id"])
    await asyncio.to_thread(wait_for, lambda: pending(servicebus) == 0, "every completion")
    sentinel = photo_message()
    await publish(photo_event(sentinel))
    received += await photos_until(client, sentinel["id"])
    assert sorted(received) == sorted([p["id"] for p in photos] + [sentinel["id"]])
    counts = await relays.finish()
    assert sum(c.events for c in counts) == len(photos) + 1
    await client.disconnect()


async def raise_in_the_handler(broker):
    raise ConnectionError("channel layer away")


async def drop_the_connection_before_completion(broker):
    await asyncio.to_thread(broker.drop_connections)


@pytest.mark.parametrize("fail_once", [raise_in_the_handler, drop_the_connection_before_completion])
async def test_a_batch_that_failed_is_relayed_again(servicebus, settings, fail_once):
    bus = ServiceBusBus(settings.SERVICEBUS_CONNECTION_STRING, TOPIC, SUBSCRIPTION)
    photo = photo_message()
    await publish(photo_event(photo))
    attempts, stop = [], asyncio.Event()

    async def fail_the_first(events):
        attempts.append(events)
        if len(attempts) == 1:
            await fail_once(servicebus)
        else:
            stop.set()

    await asyncio.wait_for(bus.consume(fail_the_first, stop), WAIT)
    assert attempts == [[photo_event(photo)], [photo_event(photo)]]
    assert pending(servicebus) == 0


async def test_a_stop_during_a_batch_finishes_and_completes_it(servicebus, settings):
    bus = ServiceBusBus(settings.SERVICEBUS_CONNECTION_STRING, TOPIC, SUBSCRIPTION)
    await publish(*[photo_event(photo_message()) for _ in range(3)])
    handled, stop = [], asyncio.Event()

    async def stop_midway(events):
        stop.set()
        await asyncio.sleep(0)
        handled.extend(events)

    await asyncio.wait_for(bus.consume(stop_midway, stop), WAIT)
    assert handled
    assert pending(servicebus) == 3 - len(handled)


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT], ids=["TERM", "INT"])
def test_the_relay_command_stops_gracefully_and_keeps_its_liveness_file_fresh(
    servicebus, tmp_path, stop_signal
):
    liveness = tmp_path / "alive"
    relay = subprocess.Popen(
        [sys.executable, "manage.py", "relay"]
        + ["--liveness-file", str(liveness), "--liveness-interval", "0.1"],
        cwd=REPO,
        env=relay_environment(servicebus),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for(liveness.exists, "the liveness file")
        touched = liveness.stat().st_mtime_ns
        wait_for(lambda: liveness.stat().st_mtime_ns > touched, "the liveness file to be touched")
        get_bus().publish(photo_event(photo_message()))
        wait_for(lambda: pending(servicebus) == 0, "the relay to complete the photo")
        relay.send_signal(stop_signal)
        out, err = relay.communicate(timeout=WAIT)
    finally:
        relay.kill()
    assert relay.returncode == 0, err
    assert "relay stopped: 1 events in 1 batches" in out
    assert "relayed batch: 1 received, 1 delivered, 0 dead-lettered" in err


def test_a_relay_creates_its_missing_subscription_to_vanish_once_nobody_reads_it(
    servicebus_broker,
):
    bus = ServiceBusBus(servicebus_broker.connection_string, TOPIC, "new-node")
    bus.ensure_subscription()
    bus.ensure_subscription()  # as a second relay of the layer finds it
    with bus.administration() as admin:
        subscription = admin.get_subscription(TOPIC, "new-node")
    assert subscription.auto_delete_on_idle == datetime.timedelta(hours=1)
    assert subscription.max_delivery_count == 10


def test_the_topic_a_node_creates_drops_duplicate_photos_by_message_id(servicebus_broker):
    bus = ServiceBusBus(servicebus_broker.connection_string, "fresh-topic", "new-node")
    bus.ensure_subscription()
    with bus.administration() as admin:
        topic = admin.get_topic("fresh-topic")
    assert topic.requires_duplicate_detection is True
    assert topic.duplicate_detection_history_time_window == datetime.timedelta(minutes=10)


def test_readyz_reports_whether_the_namespace_answers(servicebus, client, settings):
    assert client.get("/readyz").json()["bus"] == "ok"
    settings.SERVICEBUS_CONNECTION_STRING = (
        "Endpoint=sb://127.0.0.1:1;SharedAccessKeyName=RootManageSharedAccessKey;"
        "SharedAccessKey=SAS_KEY_VALUE;UseDevelopmentEmulator=true"
    )
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["bus"].startswith("error")


def shared_access_key(connection_string: str) -> str:
    parts = dict(part.split("=", 1) for part in connection_string.split(";") if part)
    return parts["SharedAccessKey"]


def test_no_page_shows_the_service_bus_key_whether_the_namespace_answers_or_not(
    servicebus, admin_client, settings, make_photo
):
    make_photo("seattle")
    pages = ["/", "/cities/seattle/", "/admin/", "/admin/ingest/subscription/", "/readyz"]
    key = shared_access_key(settings.SERVICEBUS_CONNECTION_STRING)
    for url in pages:
        assert key not in admin_client.get(url).content.decode(), url

    settings.SERVICEBUS_CONNECTION_STRING = (
        "Endpoint=sb://127.0.0.1:1;SharedAccessKeyName=RootManageSharedAccessKey;"
        "SharedAccessKey=UNREACHABLE_KEY_VALUE;UseDevelopmentEmulator=true"
    )
    response = admin_client.get("/readyz")
    assert response.status_code == 503
    assert "UNREACHABLE_KEY_VALUE" not in response.content.decode()


def test_cleanup_deletes_exactly_the_stale_subscriptions(servicebus, capsys):
    with get_bus().administration() as admin:
        admin.create_subscription(TOPIC, "busy")
        admin.create_subscription(TOPIC, "idle")
        get_bus().publish_many([photo_event(photo_message()) for _ in range(3)])
        admin.create_subscription(TOPIC, "fresh")
    two_hours_ago = time.time() - 2 * 3600
    servicebus.store.set_accessed_at(TOPIC, "idle", two_hours_ago)
    servicebus.store.set_accessed_at(TOPIC, SUBSCRIPTION, two_hours_ago)  # own: kept anyway

    call_command("cleanup", "--max-pending", "2", "--max-idle", "1h", "--dry-run")
    out = capsys.readouterr().out
    assert "would delete 2 of 4 subscriptions of wazages" in out
    assert subscription_names(servicebus) == {"busy", "fresh", "front", "idle"}
    assert "stale: 3 pending > 2" in out and "keep (this node)" in out

    call_command("cleanup", "--max-pending", "2", "--max-idle", "1h")
    assert "deleted 2 of 4 subscriptions of wazages" in capsys.readouterr().out
    assert subscription_names(servicebus) == {"fresh", "front"}


def subscription_names(broker) -> set[str]:
    return {s.name for s in broker.store.subscriptions(TOPIC)}


def test_cleanup_parses_its_durations():
    from ingest.bus.cleanup import parse_duration

    assert parse_duration("90s") == datetime.timedelta(seconds=90)
    assert parse_duration("1h") == datetime.timedelta(hours=1)
    with pytest.raises(ValueError):
        parse_duration("soon")
