"""The local broker, driven by the real azure-servicebus SDK as the product drives Azure."""

import datetime
import json

import pytest
from azure.core.exceptions import ResourceExistsError, ResourceNotFoundError
from azure.servicebus import ServiceBusClient, ServiceBusMessage, ServiceBusSubQueue
from azure.servicebus.exceptions import MessageLockLostError, ServiceBusError
from azure.servicebus.management import ServiceBusAdministrationClient

TOPIC = "wazages"
WAIT = 10  # seconds: only a bound against hangs, never a measured quantity


@pytest.fixture
def admin(servicebus_broker):
    with ServiceBusAdministrationClient.from_connection_string(
        servicebus_broker.connection_string
    ) as client:
        client.create_topic(TOPIC)
        yield client


@pytest.fixture
def client(servicebus_broker):
    with ServiceBusClient.from_connection_string(servicebus_broker.connection_string) as client:
        yield client


def send(client, *bodies, **properties):
    with client.get_topic_sender(TOPIC) as sender:
        sender.send_messages([ServiceBusMessage(json.dumps(b), **properties) for b in bodies])


def receive(receiver, count):
    """Receive until `count` messages arrived (or the hang guard ran out)."""
    received = []
    for _ in range(count):
        received += receiver.receive_messages(count - len(received), max_wait_time=WAIT)
        if len(received) >= count:
            break
    return received


def test_a_topic_message_reaches_every_subscription(admin, client):
    admin.create_subscription(TOPIC, "one")
    admin.create_subscription(TOPIC, "two")
    send(
        client, {"n": 1}, message_id="m-1", subject="photo", application_properties={"city": "rome"}
    )

    for name in ("one", "two"):
        with client.get_subscription_receiver(TOPIC, name) as receiver:
            [message] = receive(receiver, 1)
            assert json.loads(str(message)) == {"n": 1}
            assert (message.message_id, message.subject) == ("m-1", "photo")
            assert message.application_properties == {b"city": b"rome"}
            assert message.delivery_count == 0
            assert message.sequence_number is not None
            assert message.enqueued_time_utc is not None
            assert message.locked_until_utc > datetime.datetime.now(datetime.UTC)
            receiver.complete_message(message)
            assert receiver.receive_messages(1, max_wait_time=0.5) == []


def test_a_batch_arrives_as_separate_messages_in_order(admin, client, servicebus_broker):
    admin.create_subscription(TOPIC, "one")
    send(client, *range(5))
    assert servicebus_broker.store.topic(TOPIC).transfers == 1
    with client.get_subscription_receiver(TOPIC, "one") as receiver:
        messages = receive(receiver, 5)
        assert [json.loads(str(m)) for m in messages] == [0, 1, 2, 3, 4]
        for message in messages:
            receiver.complete_message(message)


def test_an_abandoned_message_comes_back_with_its_delivery_count_raised(admin, client):
    admin.create_subscription(TOPIC, "one")
    send(client, "again")
    with client.get_subscription_receiver(TOPIC, "one") as receiver:
        [first] = receive(receiver, 1)
        receiver.abandon_message(first)
        [second] = receive(receiver, 1)
        assert str(second) == str(first)
        assert second.delivery_count == first.delivery_count + 1
        receiver.complete_message(second)


def test_a_dead_lettered_message_carries_its_reason_into_the_dead_letter_queue(admin, client):
    admin.create_subscription(TOPIC, "one")
    send(client, "poison")
    with client.get_subscription_receiver(TOPIC, "one") as receiver:
        [message] = receive(receiver, 1)
        receiver.dead_letter_message(message, reason="NotJson", error_description="no object")
    runtime = admin.get_subscription_runtime_properties(TOPIC, "one")
    assert (runtime.active_message_count, runtime.dead_letter_message_count) == (0, 1)
    with client.get_subscription_receiver(
        TOPIC, "one", sub_queue=ServiceBusSubQueue.DEAD_LETTER
    ) as dead_letters:
        [dead] = receive(dead_letters, 1)
        assert str(dead) == '"poison"'
        assert (dead.dead_letter_reason, dead.dead_letter_error_description) == (
            "NotJson",
            "no object",
        )
        dead_letters.complete_message(dead)


def test_the_max_delivery_count_sends_a_message_to_the_dead_letter_queue(admin, client):
    admin.create_subscription(TOPIC, "one", max_delivery_count=2)
    send(client, "unlucky")
    with client.get_subscription_receiver(TOPIC, "one") as receiver:
        for _ in range(2):
            [message] = receive(receiver, 1)
            receiver.abandon_message(message)
        assert receiver.receive_messages(1, max_wait_time=0.5) == []
    with client.get_subscription_receiver(
        TOPIC, "one", sub_queue=ServiceBusSubQueue.DEAD_LETTER
    ) as dead_letters:
        [dead] = receive(dead_letters, 1)
        assert dead.dead_letter_reason == "MaxDeliveryCountExceeded"


def test_an_expired_lock_redelivers_and_a_late_complete_fails(admin, client):
    admin.create_subscription(TOPIC, "one")  # the fixture's lock duration: 2 seconds
    send(client, "slow")
    with client.get_subscription_receiver(TOPIC, "one") as receiver:
        [first] = receive(receiver, 1)
        [again] = receive(receiver, 1)  # only comes once the first lock ran out
        assert again.delivery_count == 1
        with pytest.raises(ServiceBusError):
            receiver.complete_message(first)
        receiver.complete_message(again)


def test_what_a_departed_receiver_held_is_delivered_again(admin, servicebus_broker):
    admin.create_subscription(TOPIC, "one", lock_duration=datetime.timedelta(minutes=5))
    connection = servicebus_broker.connection_string
    with ServiceBusClient.from_connection_string(connection) as client:
        send(client, "held")
        receiver = client.get_subscription_receiver(TOPIC, "one")
        [held] = receive(receiver, 1)
        servicebus_broker.drop_connections()
    with ServiceBusClient.from_connection_string(connection) as client:
        with client.get_subscription_receiver(TOPIC, "one") as receiver:
            [again] = receive(receiver, 1)
            assert str(again) == str(held)
            receiver.complete_message(again)


def test_a_settlement_after_the_link_is_gone_answers_lock_lost(admin, servicebus_broker):
    """The SDK then settles through `$management`; the departed receiver's lock is gone."""
    admin.create_subscription(TOPIC, "one", lock_duration=datetime.timedelta(minutes=5))
    with ServiceBusClient.from_connection_string(servicebus_broker.connection_string) as client:
        send(client, "held")
        with client.get_subscription_receiver(TOPIC, "one") as receiver:
            [held] = receive(receiver, 1)
            servicebus_broker.drop_connections()
            with pytest.raises(MessageLockLostError):
                receiver.complete_message(held)
            [again] = receive(receiver, 1)
            assert (str(again), again.delivery_count) == (str(held), 1)
            receiver.complete_message(again)


def test_sending_to_a_missing_topic_fails(servicebus_broker):
    connection = servicebus_broker.connection_string
    with ServiceBusClient.from_connection_string(connection, retry_total=0) as client:
        with pytest.raises(ServiceBusError):
            send(client, "nowhere")


def test_administration_of_topics_and_subscriptions(admin, client):
    with pytest.raises(ResourceExistsError):
        admin.create_topic(TOPIC)
    admin.create_subscription(
        TOPIC,
        "node-a",
        auto_delete_on_idle=datetime.timedelta(hours=1),
        max_delivery_count=7,
        lock_duration=datetime.timedelta(seconds=30),
    )
    admin.create_subscription(TOPIC, "node-b")
    send(client, 1, 2, 3)

    assert [t.name for t in admin.list_topics()] == [TOPIC]
    assert admin.get_topic_runtime_properties(TOPIC).subscription_count == 2
    subscription = admin.get_subscription(TOPIC, "node-a")
    assert subscription.auto_delete_on_idle == datetime.timedelta(hours=1)
    assert subscription.max_delivery_count == 7
    assert subscription.lock_duration == datetime.timedelta(seconds=30)
    assert admin.get_subscription(TOPIC, "node-b").max_delivery_count == 10
    runtime = {r.name: r for r in admin.list_subscriptions_runtime_properties(TOPIC)}
    assert {name: r.active_message_count for name, r in runtime.items()} == {
        "node-a": 3,
        "node-b": 3,
    }
    assert runtime["node-a"].accessed_at_utc.tzinfo is not None

    admin.delete_subscription(TOPIC, "node-a")
    assert [s.name for s in admin.list_subscriptions(TOPIC)] == ["node-b"]
    with pytest.raises(ResourceNotFoundError):
        admin.get_subscription(TOPIC, "node-a")
    admin.delete_topic(TOPIC)
    with pytest.raises(ResourceNotFoundError):
        admin.get_topic(TOPIC)
