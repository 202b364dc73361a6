"""Servers under test, as loopback subprocesses: the project (served as in production), baseline."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from .photos import PROFILE_PATH, PUBLISH_PATH

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"


@dataclass
class Server:
    """A running server: where to reach it and its process (for CPU and memory readings)."""

    process: subprocess.Popen
    port: int
    env: dict

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def ws_url(self, path: str) -> str:
        return f"ws://{HOST}:{self.port}{path}"

    def publish(self, city: str, count: int) -> None:
        """Ask the server to publish `count` photos of `city` now (bench trigger)."""
        query = urlencode({"city": city, "count": count})
        with urllib.request.urlopen(f"{self.base_url}{PUBLISH_PATH}?{query}", timeout=30) as r:
            r.read()

    def dump_profile(self) -> None:
        """Make a server started with BENCH_PROFILE write its cProfile statistics."""
        with urllib.request.urlopen(f"{self.base_url}{PROFILE_PATH}", timeout=60) as response:
            response.read()

    def pids(self) -> list[int]:
        """The server process and its descendants (uvicorn's workers are its children)."""
        children: dict[int, list[int]] = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                with contextlib.suppress(OSError):  # gone meanwhile
                    children.setdefault(int(_stat(entry.name)[1]), []).append(int(entry.name))
        found, pending = [], [self.process.pid]
        while pending:
            found.append(pending.pop())
            pending.extend(children.get(found[-1], []))
        return found

    def cpu_seconds(self) -> float:
        """User + system CPU time the server's processes have used so far."""
        ticks = 0
        for pid in self.pids():
            with contextlib.suppress(OSError):
                fields = _stat(pid)
                ticks += int(fields[11]) + int(fields[12])
        return ticks / os.sysconf("SC_CLK_TCK")

    def rss_bytes(self) -> int:
        """Resident memory of the server's processes together."""
        total = 0
        for pid in self.pids():
            with contextlib.suppress(OSError):
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
        return total

    def connections_by_process(self) -> dict[int, int]:
        """Established connections to the server's port, per process holding them."""
        established = set()
        for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "01" and int(fields[1].rsplit(":", 1)[1], 16) == self.port:
                established.add(f"socket:[{fields[9]}]")
        counts = {}
        for pid in self.pids():
            with contextlib.suppress(OSError):
                links = [os.readlink(fd) for fd in Path(f"/proc/{pid}/fd").iterdir()]
                counts[pid] = sum(link in established for link in links)
        return counts


def _stat(pid) -> list[str]:
    """The fields of /proc/<pid>/stat after the command name: state, ppid, …, utime, stime."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def project_env(workdir: Path, redis_url: str = "", **extra: str) -> dict:
    """The environment of a production-like project process with its own SQLite file."""
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="wazstagram.settings",
        DEBUG="false",
        SECRET_KEY="bench-only-secret-key-not-for-production-use-0123456789",
        INSTAGRAM_CLIENT_SECRET="bench-secret",
        INSTAGRAM_VERIFY_TOKEN="bench-verify",
        ALLOWED_HOSTS=f"{HOST},localhost",
        PUBLIC_BASE_URL=f"http://{HOST}:1",
        DATABASE_URL=f"sqlite:///{workdir / 'db.sqlite3'}",
        REDIS_URL=redis_url,
        SERVICEBUS_CONNECTION_STRING="",
        LOG_LEVEL="WARNING",
        # Every load client connects from 127.0.0.1: no per-address connection limit.
        FEED_CONNECTIONS_PER_ADDRESS="0",
        PYTHONPATH=str(ROOT),
    )
    env.update(extra)
    return env


def _listening_socket() -> socket.socket:
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((HOST, 0))
    sock.listen(4096)
    sock.set_inheritable(True)
    return sock


def _wait_ready(server: Server, path: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if server.process.poll() is not None:
            raise RuntimeError(f"server exited with {server.process.returncode}")
        try:
            with urllib.request.urlopen(f"{server.base_url}{path}", timeout=5) as response:
                response.read()
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def stop(process: subprocess.Popen, timeout: float) -> None:
    """Terminate `process`, killing it when it has not stopped after `timeout` seconds."""
    process.terminate()
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextlib.contextmanager
def _serving(command: list[str], env: dict, ready_path: str):
    sock = _listening_socket()
    command = [part.replace("{fd}", str(sock.fileno())) for part in command]
    process = subprocess.Popen(command, cwd=ROOT, env=env, pass_fds=(sock.fileno(),))
    server = Server(process, sock.getsockname()[1], env)
    sock.close()
    try:
        _wait_ready(server, ready_path)
        yield server
    finally:
        workers = server.pids()[1:]
        stop(process, 10)
        for pid in workers:  # what a killed master left behind
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)


# The project's servers; uvicorn's (`bench.serve`) takes --workers and --compression.
SERVER_COMMANDS = {
    "daphne": [sys.executable, "-m", "daphne", "-v", "0", "--fd", "{fd}", "bench.asgi:application"],
    "uvicorn": [sys.executable, "-m", "bench.serve", "--fd", "{fd}"],
}


@contextlib.contextmanager
def project(server: str = "uvicorn", workers: int = 1, compression: bool = False, **env_options):
    """The project on a fresh migrated SQLite database, as production serves it.

    `compression` turns the server's permessage-deflate on (production: off).
    """
    command = SERVER_COMMANDS[server]
    if server == "uvicorn":
        command = [*command, "--workers", str(workers), "--compression", _on(compression)]
    elif workers != 1 or compression:
        raise ValueError("daphne serves here in one process, without permessage-deflate")
    with tempfile.TemporaryDirectory(prefix="wz-bench-") as workdir:
        env = project_env(Path(workdir), **env_options)
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
            cwd=ROOT,
            env=env,
            check=True,
        )
        with _serving(command, env, "/healthz") as running:
            yield running


@contextlib.contextmanager
def baseline(compression: bool = False):
    """The bare `websockets` broadcast server, with the project's permessage-deflate setting."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    command = [sys.executable, "-m", "bench.baseline", "--fd", "{fd}"]
    command += ["--compression", _on(compression)]
    with _serving(command, env, f"{PUBLISH_PATH}?city=none&count=0") as running:
        yield running


def _on(flag: bool) -> str:
    return "on" if flag else "off"
