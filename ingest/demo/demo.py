"""The living demo behind `make run`: the site under daphne, the built-in source playing Instagram.

Run from one process that owns the server: it starts daphne in its own
session (so Ctrl-C reaches this process first and everything stops in order),
waits until it answers, subscribes the cities against the built-in source,
then simulates photos until it is told to stop.
"""

import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import requests
from django.conf import settings

START_TIMEOUT = 30  # seconds
STOP_TIMEOUT = 10


class DemoError(Exception):
    """The demo cannot run as configured, or its server stopped."""


def check_configuration() -> None:
    """The demo drives the built-in source: it must be served and be INSTAGRAM_API_URL."""
    if not settings.INSTAGRAM_SOURCE_ENABLED:
        raise DemoError(
            "the built-in source is off: set INSTAGRAM_SOURCE_ENABLED=true (it defaults to DEBUG)"
        )
    source = f"{settings.PUBLIC_BASE_URL}/_instagram/v1"
    if settings.INSTAGRAM_API_URL != source:
        raise DemoError(
            f"INSTAGRAM_API_URL is {settings.INSTAGRAM_API_URL}, not the built-in source "
            f"({source}); with a real API, run daphne and manage.py subscribe yourself"
        )


def public_port() -> int:
    """The port PUBLIC_BASE_URL names: where Instagram, and so the demo, will call."""
    parts = urlsplit(settings.PUBLIC_BASE_URL)
    return parts.port or (443 if parts.scheme == "https" else 80)


class Server:
    """daphne serving the project on `bind`:`port`, in its own session."""

    def __init__(self, bind: str, port: int):
        self.bind, self.port = bind, port
        self.process: subprocess.Popen | None = None
        self._stopping = False

    def start(self, on_exit, env: dict | None = None) -> None:
        """Start daphne (with `env`, else this environment); `on_exit()` when it exits."""
        if _answers(self.bind, self.port):
            raise DemoError(f"something already listens on {self.bind}:{self.port}")
        daphne = Path(sys.executable).with_name("daphne")
        self.process = subprocess.Popen(
            [str(daphne), "-v", "0", "-b", self.bind, "-p", str(self.port)]
            + ["wazstagram.asgi:application"],
            start_new_session=True,
            env=env,
        )

        def watch():
            self.process.wait()
            on_exit()

        threading.Thread(target=watch, daemon=True, name="daphne-watch").start()

    def exited(self) -> bool:
        """True when daphne stopped by itself, not because `stop()` asked it to."""
        return self.process is not None and self.process.poll() is not None and not self._stopping

    def wait_until_up(self, url: str, stop: threading.Event) -> None:
        """Until `url` answers 200 (or `stop` is set); DemoError when daphne exits or is slow."""
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline and not stop.is_set():
            if self.exited():
                raise DemoError(f"daphne exited with status {self.process.returncode}")
            try:
                if requests.get(url, timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        if self.exited():
            raise DemoError(f"daphne exited with status {self.process.returncode}")
        if stop.is_set():
            return
        raise DemoError(f"daphne did not answer {url} within {START_TIMEOUT} s")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self._stopping = True
        self.process.terminate()
        try:
            self.process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False
