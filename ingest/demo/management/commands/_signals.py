"""Ctrl-C (and SIGTERM) as a request to stop: the command finishes its step and sums up."""

import contextlib
import signal
import threading


@contextlib.contextmanager
def stop_on_signals():
    """An event set by SIGINT or SIGTERM while the block runs; the old handlers come back after."""
    stop = threading.Event()
    if threading.current_thread() is not threading.main_thread():  # signals reach only main
        yield stop
        return
    previous = {
        sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)
    }
    try:
        yield stop
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
