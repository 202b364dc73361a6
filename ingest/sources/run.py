"""What a running source is given: a stop signal, its counters, and patient sleeps."""

import asyncio
import random
from collections import Counter
from dataclasses import dataclass, field

from wazstagram.metrics import SOURCE_ITEMS

# The counters every source keeps (the runner's minute lines and metrics read them).
PHOTOS, SKIPPED, ERRORS, RETRACTED = "photos", "skipped", "errors", "retracted"


@dataclass
class Run:
    name: str
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    counts: Counter = field(default_factory=Counter)

    def count(self, outcome: str, number: int = 1) -> None:
        """Count what the source did, for its minute lines and for /metrics."""
        self.counts[outcome] += number
        if number:
            SOURCE_ITEMS.labels(self.name, outcome).inc(number)

    async def sleep(self, seconds: float) -> bool:
        """Wait `seconds` unless stopped first; whether the run should go on."""
        try:
            await asyncio.wait_for(self.stop.wait(), max(0.0, seconds))
        except TimeoutError:
            return True
        return False


def backoff(attempt: int, base: float, cap: float) -> float:
    """Seconds before retry `attempt` (0, 1, …): exponential with full jitter, at most `cap`.

    Jitter keeps many runners that failed together from retrying together.
    """
    return random.uniform(base / 2, min(cap, base * 2**attempt))
