"""What the suite needs from the machine: skipped when missing, a failure in CI.

`make test` provides Redis (scripts/ensure-redis.sh) and Chromium
(scripts/ensure-chromium.sh). A developer without them still gets the rest of
the suite; in CI (`CI` set) a missing one means the run is broken, and tests
that silently did not run must not pass for tests that did.
"""

import os

import pytest
import redis


def missing(reason: str) -> None:
    """Skip the test, or fail it when running in CI."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI is set, so this is a failure, not a skip", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The real Redis server of the tests (TEST_REDIS_URL)."""
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.ConnectionError:
        missing(f"no Redis at {url} (make test starts one)")
    return url
