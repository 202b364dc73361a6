"""LocalServiceBusBroker: the store, the AMQP reactor and the port mux, started together."""

import socket
import tempfile
import threading
import types
from pathlib import Path

from proton.reactor import Container

from .admin import AdminHandler
from .amqp import BrokerHandler
from .mux import Mux
from .store import Store
from .tls import make_certificate, server_context

HOST = "127.0.0.1"


class LocalServiceBusBroker:
    """A Service Bus namespace on one loopback port, for the real azure-servicebus SDK.

    `connection_string` is an emulator connection string; `ca_file` is the
    certificate the administration client must trust (REQUESTS_CA_BUNDLE).
    `store` is the broker's state, for tests that need to look behind the API.
    Like Service Bus (120 s) it closes a connection on which nothing arrived for
    `idle_timeout` seconds; its Open frame announces half of that, as proton does
    (Service Bus announces the whole), so clients send heartbeats in time.
    """

    def __init__(
        self, port: int = 0, lock_duration: float = 60.0, idle_timeout: float = 120.0
    ) -> None:
        self.requested_port = port
        self.idle_timeout = idle_timeout
        self.store = Store(default_lock_duration=lock_duration)
        self._stopping = threading.Event()
        self._tmp = None
        self._mux = None
        self._reactor = None
        self._handler = None

    def start(self) -> "LocalServiceBusBroker":
        self._tmp = tempfile.TemporaryDirectory(prefix="servicebus-broker-")
        self.ca_file = make_certificate(Path(self._tmp.name))
        amqp_port = _free_port()
        self._handler = BrokerHandler(self.store, self._stopping, self.idle_timeout)
        container = Container(self._handler)
        container.listen(f"{HOST}:{amqp_port}")
        self._reactor = threading.Thread(target=container.run, name="sb-amqp", daemon=True)
        self._reactor.start()
        admin_server = types.SimpleNamespace(store=self.store)
        self._mux = Mux(
            HOST,
            self.requested_port,
            amqp_port,
            server_context(self.ca_file),
            lambda sock, address: AdminHandler(sock, address, admin_server),
        )
        self._mux.start()
        return self

    @property
    def port(self) -> int:
        return self._mux.port

    @property
    def connection_string(self) -> str:
        return (
            f"Endpoint=sb://{HOST}:{self.port};SharedAccessKeyName=RootManageSharedAccessKey;"
            "SharedAccessKey=SAS_KEY_VALUE;UseDevelopmentEmulator=true"
        )

    @property
    def connections_opened(self) -> int:
        """AMQP connections clients have opened so far (the administration client's HTTPS aside)."""
        return self._handler.connections_opened

    def drop_connections(self) -> None:
        """Cut every client connection, as a network failure would."""
        self._mux.drop_connections()

    def go_down(self) -> None:
        """An outage: connections are cut and refused until `come_back()`; state is kept."""
        self._mux.set_down(True)

    def come_back(self) -> None:
        self._mux.set_down(False)

    def stop(self) -> None:
        self._stopping.set()
        if self._mux:
            self._mux.stop()
        if self._reactor:
            self._reactor.join(timeout=10)
        if self._tmp:
            self._tmp.cleanup()

    def __enter__(self) -> "LocalServiceBusBroker":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]
