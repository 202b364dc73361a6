"""Every benchmark runs end to end with a tiny load and ends with its summary line (no timings)."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def run_bench(*args: str) -> list[str]:
    finished = subprocess.run(
        [sys.executable, "-m", "bench", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert finished.returncode == 0, finished.stderr[-3000:]
    return finished.stdout.strip().splitlines()


def test_fanout_runs_against_the_project_and_the_baseline():
    lines = run_bench("fanout", "--clients", "3", "--photos", "2", "--rounds", "1")
    assert any(line.startswith("  wazstagram round 1:") for line in lines)
    assert any(line.startswith("  baseline   round 1:") for line in lines)
    assert lines[-1].startswith("fanout ratio = ")
    assert "lost 0" in lines[-1]
