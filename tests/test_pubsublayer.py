"""The pub/sub channel layer, on the real Redis: a cut connection is said, not hidden."""

import asyncio
import re
import uuid

import pytest
import redis

from tests.support.redis_server import RedisServer
from wazstagram.pubsublayer import LayerInterrupted, ResumingPubSubChannelLayer, _outage

pytestmark = pytest.mark.redis
WAIT = 10  # seconds: a guard against hangs, never a measured quantity


@pytest.fixture
def layers(redis_url):
    """A node's layer, whose connections carry a name of their own, and a relay's."""
    prefix, name = f"wztest{uuid.uuid4().hex[:8]}", f"wz-node-{uuid.uuid4().hex[:8]}"
    node = ResumingPubSubChannelLayer(
        hosts=[{"address": redis_url, "client_name": name}], prefix=prefix
    )
    relay = ResumingPubSubChannelLayer(hosts=[redis_url], prefix=prefix)
    return node, relay, name


def cut_connections(redis_url: str, name: str) -> int:
    """Close the Redis connections named `name`, as a network cut or a restart would."""
    client = redis.Redis.from_url(redis_url)
    try:
        ids = [c["id"] for c in client.client_list() if c.get("name") == name]
        for client_id in ids:
            client.client_kill_filter(_id=client_id)
        return len(ids)
    finally:
        client.close()


async def receive(layer, channel) -> dict:
    return await asyncio.wait_for(layer.receive(channel), WAIT)


async def test_a_waiting_receive_raises_once_the_cut_connection_is_back_then_messages_flow(
    layers, redis_url
):
    node, relay, name = layers
    channel = await node.new_channel("hub.")
    await node.group_add("seattle", channel)
    await relay.group_send("seattle", {"type": "feed.frames", "n": 1})
    assert (await receive(node, channel))["n"] == 1

    assert cut_connections(redis_url, name) >= 1
    # Whatever was published while it was away is gone: the receiver must hear of it.
    with pytest.raises(LayerInterrupted):
        await receive(node, channel)

    await relay.group_send("seattle", {"type": "feed.frames", "n": 2})
    assert (await receive(node, channel))["n"] == 2
    await node.flush()
    await relay.flush()


async def test_an_uncut_connection_never_interrupts(layers):
    node, relay, _ = layers
    channel = await node.new_channel("hub.")
    await node.group_add("seattle", channel)
    for n in range(3):
        await relay.group_send("seattle", {"type": "feed.frames", "n": n})
        await asyncio.sleep(0.2)  # the receiver polls Redis meanwhile, as an idle node does
    assert [(await receive(node, channel))["n"] for _ in range(3)] == [0, 1, 2]
    await node.flush()
    await relay.flush()


async def test_a_redis_outage_is_one_warning_and_its_end_another_not_a_traceback_a_second(
    tmp_path, caplog
):
    server = RedisServer(tmp_path)
    server.start()
    node = ResumingPubSubChannelLayer(hosts=[server.url], prefix="wztest")
    try:
        channel = await node.new_channel("hub.")
        await node.group_add("seattle", channel)
        waiting = asyncio.create_task(node.receive(channel))
        await asyncio.sleep(0.2)  # the receive loop is polling Redis
        server.stop()
        # The library's receive loop retries every second: let it fail a few times.
        await asyncio.wait_for(failed_receives(3), 3 * WAIT)
        server.start()
        with pytest.raises(LayerInterrupted):
            await asyncio.wait_for(waiting, WAIT)
    finally:
        await node.flush()
        server.stop()

    from_library = [r for r in caplog.records if r.name == "channels_redis.pubsub"]
    said = [r.getMessage() for r in caplog.records if r.name == "wazstagram.pubsublayer"]
    assert from_library == []
    assert len(said) == 2
    assert said[0].startswith("lost the connection to Redis (")
    attempts = re.fullmatch(
        r"the connection to Redis is back \(away [0-9.]+ s, (\d+) attempts failed\)", said[1]
    )
    assert attempts and int(attempts[1]) >= 3


async def failed_receives(count: int) -> None:
    """Until the library's receive loop has failed `count` times (the filter counts them)."""
    while sum(failures for _, failures in _outage.outages.values()) < count:
        await asyncio.sleep(0.1)
