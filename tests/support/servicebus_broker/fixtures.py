"""pytest fixtures: a running broker per test, trusted by the SDK's admin client."""

import contextlib

import pytest

from .broker import LocalServiceBusBroker


@contextlib.contextmanager
def trusted_broker(monkeypatch, **options):
    """A fresh broker with a 2-second lock duration (lock expiry is testable), and `options`."""
    with LocalServiceBusBroker(**{"lock_duration": 2.0, **options}) as broker:
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(broker.ca_file))
        yield broker


@pytest.fixture
def servicebus_broker(monkeypatch):
    with trusted_broker(monkeypatch) as broker:
        yield broker
