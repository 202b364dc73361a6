"""Two front-end nodes on one Redis layer, fed through Service Bus by two competing relays.

The production path across processes: a signed notification to either daphne
node → fetch, store in the shared database, publish to the local Service Bus
broker's topic → two `manage.py relay` processes on the layer's one
subscription → the Redis channel layer → the websockets of both nodes.
"""

import os
import re
import uuid
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
import requests
from azure.servicebus.management import ServiceBusAdministrationClient

from tests.support.live import LiveSite, photo_ids
from tests.support.supervised import Supervised
from tests.support.waiting import wait_for

TOPIC = "wazages"
WAIT = 20  # seconds: a guard against hangs, never a measured quantity
pytestmark = pytest.mark.slow


@pytest.fixture
def shared_database(tmp_path):
    """The nodes' one database: PostgreSQL when the suite runs on it, else one SQLite file."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        yield f"sqlite:///{tmp_path / 'nodes.sqlite3'}"
        return
    name = f"{os.environ.get('TEST_DATABASE_NAME', 'test_wz')}_nodes"
    with psycopg.connect(url, autocommit=True) as server:
        server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        server.execute(f'CREATE DATABASE "{name}"')
        yield urlunsplit(urlsplit(url)._replace(path=f"/{name}"))
        server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def nodes(tmp_path, redis_url, servicebus_broker, shared_database):
    """Two daphne nodes sharing the database, the Redis layer and the topic."""
    env = {
        "DATABASE_URL": shared_database,
        "SERVICEBUS_CONNECTION_STRING": servicebus_broker.connection_string,
        "SERVICEBUS_TOPIC": TOPIC,
        "REQUESTS_CA_BUNDLE": str(servicebus_broker.ca_file),
        # Both nodes on one layer (each LiveSite would otherwise have its own).
        "REDIS_PREFIX": f"nodes-{uuid.uuid4().hex[:12]}",
        "LOG_LEVEL": "INFO",
    }
    sites = []
    try:
        for name in ("node-a", "node-b"):
            (tmp_path / name).mkdir()
            # One Instagram for both, as in production: a node may fetch the other's poke.
            instagram = sites[0].instagram if sites else None
            site = LiveSite(tmp_path / name, redis_url, instagram=instagram, **env)
            sites.append(site)
            site.prepare()
            site.start()
        yield sites
    finally:
        for site in sites:
            site.close()


@pytest.fixture
def relays(nodes, tmp_path):
    """One relay beside each node; both read the layer's subscription."""
    started = [Supervised("relay", site, tmp_path) for site in nodes]
    yield started
    for relay in started:
        relay.kill()


def subscriptions(broker) -> dict[str, int]:
    """The topic's subscriptions and how many messages each still holds (none before the topic)."""
    if TOPIC not in {topic.name for topic in broker.store.topics()}:
        return {}
    return {
        s.name: len(s.active.available) + len(s.active.locks)
        for s in broker.store.subscriptions(TOPIC)
    }


def test_two_nodes_on_one_redis_layer_both_deliver_each_photo_published_once(
    nodes, relays, servicebus_broker, tmp_path
):
    node_a, node_b = nodes
    for relay in relays:
        wait_for(relay.liveness.exists, "the relays to run")
    [layer_subscription] = wait_for(lambda: list(subscriptions(servicebus_broker)), "it")
    assert layer_subscription.startswith("redis-")  # named after the layer, not a process

    with (
        node_a.open_stream("seattle", open_timeout=WAIT) as on_a,
        node_b.open_stream("seattle", open_timeout=WAIT) as on_b,
        node_b.open_stream("all", open_timeout=WAIT) as all_b,
    ):
        first, second = node_a.post_photo("seattle"), node_b.post_photo("seattle")
        for client in (on_a, on_b, all_b):
            assert sorted(photo_ids(client, 2, WAIT)) == sorted([first["id"], second["id"]])
        wait_for(lambda: subscriptions(servicebus_broker) == {layer_subscription: 0}, "settling")

        # A relay stops; the other carries on alone. A cleanup on a node keeps its
        # layer's subscription and deletes one nobody reads.
        summaries = [relays[0].stop().strip().splitlines()[-1]]
        with ServiceBusAdministrationClient.from_connection_string(
            servicebus_broker.connection_string
        ) as admin:
            admin.create_subscription(TOPIC, "departed-node")
        cleanup = node_a.manage("cleanup", "--max-idle", "0s")
        assert f"{layer_subscription}" in cleanup and "keep (this node)" in cleanup
        assert "deleted 1 of 2 subscriptions" in cleanup
        assert list(subscriptions(servicebus_broker)) == [layer_subscription]

        third = node_b.post_photo("seattle")
        for client in (on_a, on_b, all_b):
            assert photo_ids(client, 1, WAIT) == [third["id"]]
        wait_for(lambda: subscriptions(servicebus_broker) == {layer_subscription: 0}, "settling")
        summaries.append(relays[1].stop().strip().splitlines()[-1])

    # Each photo entered the layer once: the relays shared the work, none did it twice.
    relayed = [int(summary.split()[2]) for summary in summaries]
    assert sum(relayed) == 3, summaries


def test_a_moderators_decision_on_node_a_reaches_a_page_on_node_b(nodes, relays):
    node_a, node_b = nodes
    for relay in relays:
        wait_for(relay.liveness.exists, "the relays to run")
    node_a.manage(
        "shell",
        "-c",
        "from django.contrib.auth.models import Group, User\n"
        "from feed.models import City\n"
        "City.objects.filter(slug='seattle').update(moderation='pre')\n"
        "user = User.objects.create_user('mod', password='pw-mod-1')\n"
        "user.is_staff = True\n"
        "user.save()\n"
        "user.groups.add(Group.objects.get(name='Moderators'))\n",
    )
    desk = PlainSession()
    login = desk.get(f"{node_a.url}/admin/login/", timeout=WAIT)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.text).group(1)
    desk.post(
        f"{node_a.url}/admin/login/",
        {"username": "mod", "password": "pw-mod-1", "csrfmiddlewaretoken": token},
        allow_redirects=False,
        timeout=WAIT,
    )

    with node_b.open_stream("seattle", open_timeout=WAIT) as on_b:
        held = node_a.post_photo("seattle")
        wait_for(lambda: held["id"] in desk.get(f"{node_a.url}/moderate/seattle/").text, "queue")
        answer = desk.post(
            f"{node_a.url}/moderate/decide/",
            json={"action": "approve", "ids": [held["id"]]},
            headers={"X-CSRFToken": desk.cookies["csrftoken"]},
            timeout=WAIT,
        )
        assert answer.json()["results"] == [{"id": held["id"], "ok": True, "message": ""}]
        assert photo_ids(on_b, 1, WAIT) == [held["id"]]


class PlainSession(requests.Session):
    """Cookies are Secure with DEBUG off; this test speaks plain HTTP to the nodes."""

    def request(self, *args, **kwargs):
        for cookie in self.cookies:
            cookie.secure = False
        return super().request(*args, **kwargs)
