"""Waiting for something another process does, with a bound against hangs."""

import time


def wait_for(condition, what: str, timeout: float = 20):
    """Poll `condition` until it returns something true, and return that.

    `timeout` is a guard against hangs, never a measured quantity.
    """
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.05)
    return result
