"""The pub/sub channel layer, on the real Redis: a cut connection is said, not hidden."""

import asyncio
import uuid

import pytest
import redis

from wazstagram.pubsublayer import LayerInterrupted, ResumingPubSubChannelLayer

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
