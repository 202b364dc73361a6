"""One Service Bus subscription per channel layer: shared over Redis, per host in memory."""

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from wazstagram.layer import layer_subscription

REPO = Path(__file__).resolve().parents[2]


def subscription_of(**env: str) -> str:
    """SERVICEBUS_SUBSCRIPTION as a node started with this environment reads it."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("REDIS_", "SERVICEBUS_"))
    }
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from wazstagram import settings as s; print(s.SERVICEBUS_SUBSCRIPTION)",
        ],
        cwd=REPO,
        env={**environment, **env},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return done.stdout.strip()


def test_nodes_sharing_a_redis_layer_read_one_subscription_named_after_it():
    shared = subscription_of(REDIS_URL="redis://redis-a.test:6379/0")
    assert shared.startswith("redis-") and shared != socket.gethostname()
    assert subscription_of(REDIS_URL="redis://redis-a.test:6379/0", REDIS_PREFIX="asgi") == shared


def test_a_node_with_the_in_memory_layer_reads_its_own_subscription_named_after_its_host():
    assert subscription_of() == socket.gethostname()


def test_an_explicit_subscription_wins():
    assert subscription_of(
        REDIS_URL="redis://redis-a.test:6379/0", SERVICEBUS_SUBSCRIPTION="web"
    ) == ("web")


@pytest.mark.parametrize(
    "spelling",
    ["redis://redis-a.test:6379", "redis://redis-a.test/0", "redis://:s3cret@redis-a.test:6379/0/"],
)
def test_spellings_of_one_redis_database_name_one_subscription(spelling):
    same = layer_subscription("redis://redis-a.test:6379/0", "asgi", "web-1")
    assert layer_subscription(spelling, "asgi", "web-2") == same


@pytest.mark.parametrize(
    ("url", "prefix"),
    [
        ("redis://redis-a.test:6379/1", "asgi"),
        ("redis://redis-b.test:6379/0", "asgi"),
        ("redis://redis-a.test:6380/0", "asgi"),
        ("redis://redis-a.test:6379/0", "other-site"),
    ],
)
def test_another_redis_layer_names_another_subscription(url, prefix):
    assert layer_subscription(url, prefix, "web-1") != layer_subscription(
        "redis://redis-a.test:6379/0", "asgi", "web-1"
    )


SERVICEBUS_NAME = r"[A-Za-z0-9]([A-Za-z0-9._-]{0,48}[A-Za-z0-9])?"


@pytest.mark.parametrize(
    "host_name",
    [
        "web-1.eu-west-1.compute.internal.wazstagram-production.example.com",
        "web-2.eu-west-1.compute.internal.wazstagram-production.example.com",
        "_web 3_",
    ],
)
def test_a_host_name_service_bus_would_refuse_becomes_a_name_it_accepts(host_name):
    name = layer_subscription("", "asgi", host_name)
    assert re.fullmatch(SERVICEBUS_NAME, name), name
    assert name.startswith(("web", "web-3"))
    assert name == layer_subscription("", "asgi", host_name)  # the same after a restart


def test_long_host_names_that_differ_only_at_the_end_keep_their_own_subscriptions():
    common = "web.eu-west-1.compute.internal.wazstagram-production.example"
    assert layer_subscription("", "asgi", f"{common}.com") != layer_subscription(
        "", "asgi", f"{common}.net"
    )
