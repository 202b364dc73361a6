"""Per-address token buckets for the callback: one noisy sender cannot starve ingest."""

import threading
import time

MAX_TRACKED = 10_000


class RateLimiter:
    """Allows `rate` requests a second per key, with bursts up to `burst`."""

    def __init__(self, rate: float, burst: int):
        self.rate, self.burst = rate, burst
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}

    def allow(self, key: str) -> bool:
        if self.rate <= 0:
            return True
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.pop(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            allowed = tokens >= 1
            self._buckets[key] = (tokens - 1 if allowed else tokens, now)
            if len(self._buckets) > MAX_TRACKED:  # forget the least recently seen
                del self._buckets[next(iter(self._buckets))]
        return allowed
