"""`python -m tests.support.servicebus_broker --port N`: run the broker until Ctrl-C."""

import argparse
import signal
import threading

from .broker import LocalServiceBusBroker


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=0, help="loopback port (default: any free)")
    parser.add_argument("--lock-duration", type=float, default=60.0, help="seconds")
    args = parser.parse_args()
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    with LocalServiceBusBroker(args.port, args.lock_duration) as broker:
        print(f"SERVICEBUS_CONNECTION_STRING={broker.connection_string}")
        print(f"REQUESTS_CA_BUNDLE={broker.ca_file}", flush=True)
        stop.wait()


if __name__ == "__main__":
    main()
