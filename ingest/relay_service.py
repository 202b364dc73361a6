"""The relay as a long-running service: the bus's consume loop feeding `relay.deliver`.

`manage.py relay` runs it; a supervisor watches the liveness file, which is
touched while the loop runs on a responsive event loop.
"""

import asyncio
from dataclasses import dataclass
from pathlib import Path

from . import relay
from .bus import Bus, get_bus


@dataclass
class RelayCounts:
    batches: int = 0
    events: int = 0


async def run_relay(
    stop: asyncio.Event,
    liveness_file: Path | None = None,
    liveness_interval: float = 5.0,
    bus: Bus | None = None,
) -> RelayCounts:
    """Relay until `stop` is set; the batch in hand is finished first."""
    bus = bus or get_bus()
    counts = RelayCounts()

    async def deliver(events: list[dict]) -> None:
        await relay.deliver(events)
        counts.batches += 1
        counts.events += len(events)

    heartbeat = None
    if liveness_file:
        heartbeat = asyncio.create_task(_touch_every(liveness_file, liveness_interval))
    try:
        await bus.consume(deliver, stop)
    finally:
        if heartbeat:
            heartbeat.cancel()
    return counts


async def _touch_every(path: Path, seconds: float) -> None:
    while True:
        await asyncio.to_thread(path.touch)
        await asyncio.sleep(seconds)
