"""A long-running management command (`relay`, `runsources`) as a supervisor runs it."""

import signal
import subprocess
import sys
import uuid
from pathlib import Path

from tests.support.live import ROOT, LiveSite

WAIT = 20  # seconds: a guard against hangs, never a measured quantity


class Supervised:
    """`manage.py <command> --liveness-file …` beside a site, stopped with SIGTERM."""

    def __init__(self, command: str, site: LiveSite, workdir: Path):
        self.liveness = workdir / f"{command}-{uuid.uuid4().hex[:8]}.alive"
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", command, "--liveness-file", str(self.liveness)],
            cwd=ROOT,
            env=site.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def stop(self) -> str:
        """SIGTERM, as a supervisor stops it; what it printed (it must exit 0)."""
        self.process.send_signal(signal.SIGTERM)
        out, err = self.process.communicate(timeout=WAIT)
        assert self.process.returncode == 0, err
        return out

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(WAIT)
