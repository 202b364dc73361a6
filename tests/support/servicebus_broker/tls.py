"""A throwaway self-signed certificate for the broker's HTTPS administration API.

azure-servicebus 7.15's ServiceBusAdministrationClient ignores
`UseDevelopmentEmulator` for its scheme: it always calls
`https://<endpoint host>:<endpoint port>/…`, the same port as AMQP. Clients
trust this certificate through `REQUESTS_CA_BUNDLE` (the SDK's requests
transport honours it), which the pytest fixture sets.
"""

import ssl
import subprocess
from pathlib import Path


def make_certificate(directory: Path) -> Path:
    """Write `cert.pem` and `key.pem` for 127.0.0.1/localhost; return the certificate path."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-nodes",
            "-days",
            "3650",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1,DNS:localhost",
        ],
        check=True,
        capture_output=True,
    )
    return cert


def server_context(cert: Path) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, cert.with_name("key.pem"))
    return context
