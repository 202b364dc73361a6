"""Token buckets: one noisy sender (an address, a connection) cannot starve the rest."""

import threading
import time

MAX_TRACKED = 10_000


class TokenBucket:
    """Allows `rate` events a second, with bursts up to `burst` (rate 0: no limit)."""

    def __init__(self, rate: float, burst: int):
        self.rate, self.burst = rate, burst
        self.tokens, self.last = float(burst), time.monotonic()

    def allow(self) -> bool:
        if self.rate <= 0:
            return True
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.last) * self.rate)
        self.last = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


class RateLimiter:
    """A token bucket per key (a source address), safe across threads."""

    def __init__(self, rate: float, burst: int):
        self.rate, self.burst = rate, burst
        self._lock = threading.Lock()
        self._buckets: dict[str, TokenBucket] = {}

    def allow(self, key: str) -> bool:
        if self.rate <= 0:
            return True
        with self._lock:
            bucket = self._buckets.pop(key, None) or TokenBucket(self.rate, self.burst)
            self._buckets[key] = bucket  # most recently seen last
            if len(self._buckets) > MAX_TRACKED:  # forget the least recently seen
                del self._buckets[next(iter(self._buckets))]
            return bucket.allow()
