"""pytest fixtures: a running broker per test, trusted by the SDK's admin client."""

import pytest

from .broker import LocalServiceBusBroker


@pytest.fixture
def servicebus_broker(monkeypatch):
    """A fresh broker with a 2-second lock duration, so lock expiry is testable."""
    with LocalServiceBusBroker(lock_duration=2.0) as broker:
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(broker.ca_file))
        yield broker
