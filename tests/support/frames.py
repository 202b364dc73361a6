"""Reading a stream's frames as a page does: a batch message is its frames, in order."""

import asyncio
import json


def message_frames(text: str) -> list[dict]:
    """The frames of one websocket message (itself, or those of a batch)."""
    message = json.loads(text)
    return message["frames"] if message.get("type") == "batch" else [message]


async def receive_message(communicator, timeout: float = 5) -> list[dict]:
    """The frames of the next websocket message."""
    return message_frames(await communicator.receive_from(timeout=timeout))


async def receive_frames(communicator, count: int, timeout: float = 5) -> list[dict]:
    """The next `count` frames; frames of a batch beyond them wait for the next call."""
    waiting = communicator.__dict__.setdefault("_waiting_frames", [])
    while len(waiting) < count:
        waiting.extend(await receive_message(communicator, timeout))
    taken = waiting[:count]
    del waiting[:count]
    return taken


async def receive_frame(communicator, timeout: float = 5) -> dict:
    return (await receive_frames(communicator, 1, timeout))[0]


def layer_frames(layer, channel: str, timeout: float):
    """`await next_frame()`: the frames the layer brings `channel` (a hub's), one at a time."""
    waiting = []

    async def next_frame() -> dict:
        while not waiting:
            event = await asyncio.wait_for(layer.receive(channel), timeout)
            waiting.extend(json.loads(frame) for _, _, frame in event["items"])
        return waiting.pop(0)

    return next_frame
