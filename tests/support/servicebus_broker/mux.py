"""One public port for both protocols the SDK speaks to an emulator endpoint.

AMQP clients open with the `AMQP` header, the administration client with a
TLS ClientHello (first byte 0x16). Each accepted connection is sniffed:
TLS is served here by the admin HTTP handler, AMQP is piped to the proton
listener on a private port. Closing the piped socket is how the reactor
learns that a client went away (and so releases its locks).
"""

import socket
import ssl
import threading

TLS_HANDSHAKE = 0x16


class Mux:
    def __init__(self, host: str, port: int, amqp_port: int, tls: ssl.SSLContext, serve_admin):
        self.amqp_port = amqp_port
        self.tls = tls
        self.serve_admin = serve_admin
        self.listener = socket.create_server((host, port))
        self.port = self.listener.getsockname()[1]
        self.host = host
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._down = threading.Event()
        self._thread = threading.Thread(target=self._accept_loop, name="sb-mux", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        _shut(self.listener)  # shutdown, not just close, wakes the blocked accept()
        with self._lock:
            for sock in self._open:
                _shut(sock)
        self._thread.join(timeout=5)

    def drop_connections(self) -> None:
        """Cut every client connection, as a network failure would."""
        with self._lock:
            for sock in self._open:
                _shut(sock)

    def set_down(self, down: bool) -> None:
        """While down, every connection is cut and new ones are closed at once."""
        if down:
            self._down.set()
            self.drop_connections()
        else:
            self._down.clear()

    def _accept_loop(self) -> None:
        while True:
            try:
                client, address = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client, address), daemon=True).start()

    def _serve(self, client: socket.socket, address) -> None:
        client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._track(client)
        try:
            if self._down.is_set():
                return
            first = client.recv(1, socket.MSG_PEEK)
            if first and first[0] == TLS_HANDSHAKE:
                with self.tls.wrap_socket(client, server_side=True) as tls_client:
                    self.serve_admin(tls_client, address)
            elif first:
                self._pipe_to_amqp(client)
        except OSError:
            pass
        finally:
            self._untrack(client)
            _shut(client)

    def _pipe_to_amqp(self, client: socket.socket) -> None:
        upstream = socket.create_connection((self.host, self.amqp_port))
        upstream.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._track(upstream)
        back = threading.Thread(target=_copy, args=(upstream, client), daemon=True)
        back.start()
        _copy(client, upstream)
        back.join()
        self._untrack(upstream)
        _shut(upstream)

    def _track(self, sock) -> None:
        with self._lock:
            self._open.add(sock)

    def _untrack(self, sock) -> None:
        with self._lock:
            self._open.discard(sock)


def _copy(source: socket.socket, target: socket.socket) -> None:
    """Copy one direction until EOF or error, then close both ends."""
    try:
        while data := source.recv(65536):
            target.sendall(data)
    except OSError:
        pass
    _shut(source)
    _shut(target)


def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()
