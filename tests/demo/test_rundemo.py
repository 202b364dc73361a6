"""`make run` runs `manage.py rundemo`: one command serves a living site, Ctrl-C stops it all."""

import os
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import requests

from tests.support.live import free_port
from tests.support.waiting import wait_for

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


def demo_env(tmp_path, port):
    """Development settings, as on a fresh clone, with this test's own database and port."""
    env = {
        **os.environ,
        "DEBUG": "true",
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        "REDIS_URL": "",
        "SERVICEBUS_CONNECTION_STRING": "",
        "LOG_LEVEL": "WARNING",
    }
    for name in ("DJANGO_SETTINGS_MODULE", "INSTAGRAM_API_URL", "INSTAGRAM_SOURCE_ENABLED"):
        env.pop(name, None)
    return env


def read_lines(process, lines):
    for line in process.stdout:
        lines.append(line)


def test_rundemo_streams_photos_into_every_city_until_ctrl_c(tmp_path):
    port = free_port()
    demo = subprocess.Popen(
        [sys.executable, "manage.py", "rundemo", "--rate", "4"],
        cwd=ROOT,
        env=demo_env(tmp_path, port),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines = []
    threading.Thread(target=read_lines, args=(demo, lines), daemon=True).start()
    try:
        url = f"http://127.0.0.1:{port}/"
        wait_for(lambda: any(f"open {url}" in line for line in lines), "the address", 60)

        def photos(city):
            return requests.get(f"{url}cities/{city}/photos.json", timeout=10).json()["photos"]

        for city in ("seattle", "rome", "new-york", "london"):
            wait_for(lambda city=city: len(photos(city)) >= 8, f"8 photos in {city}", 60)
        first = photos("london")[-1]["id"]
        wait_for(lambda: photos("london")[-1]["id"] != first, "a new photo in London", 60)
    finally:
        demo.send_signal(signal.SIGINT)
        demo.wait(30)
        print("".join(lines))  # shown when the test fails

    output = "".join(lines)
    assert demo.returncode == 0, output
    assert "8 cities subscribed" in output
    assert "stopped after" in output and " 0 errors" in output
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()


def test_rundemo_live_serves_the_seeded_cities_from_bluesky_and_warns_when_it_cannot(tmp_path):
    from tests.support.bluesky import AppView, Jetstream, did_for

    port = free_port()
    with Jetstream() as jetstream, AppView() as appview:
        env = demo_env(tmp_path, port) | {
            "LOG_LEVEL": "INFO",
            "BLUESKY_JETSTREAM_URL": jetstream.url,
            "BLUESKY_APPVIEW_URL": appview.url,
        }
        env.pop("SOURCES", None)
        demo = subprocess.Popen(
            [sys.executable, "manage.py", "rundemo", "--live"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        lines = []
        threading.Thread(target=read_lines, args=(demo, lines), daemon=True).start()
        try:
            url = f"http://127.0.0.1:{port}/"
            wait_for(lambda: any(f"open {url}" in line for line in lines), "the address", 60)
            jetstream.wait_for_connections(1, 30)
            jetstream.post(did_for("ann"), text="Harbour", hashtags=["nyc"])

            def photos():
                return requests.get(f"{url}cities/new-york/photos.json", timeout=10).json()

            wait_for(lambda: photos()["photos"], "a Bluesky photo in New York", 30)
            jetstream.stop()  # the network goes away
            wait_for(lambda: any("is the network up?" in line for line in lines), "a warning", 30)
        finally:
            demo.send_signal(signal.SIGINT)
            demo.wait(30)
            print("".join(lines))

    output = "".join(lines)
    assert demo.returncode == 0, output
    assert "Real photos from bluesky" in output
    assert "is the network up?" in output
    assert "new photos for" not in output  # no line per photo
