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


def test_ingest_runs_against_the_callback_and_a_plain_view():
    lines = run_bench("ingest", "--seconds", "0.5", "--rounds", "1", "--connections", "2")
    assert any(line.startswith("  ingest   round 1:") for line in lines)
    assert any(line.startswith("  baseline round 1:") for line in lines)
    assert lines[-1].startswith("ingest ratio = ")
    assert "0 answers not 200" in lines[-1]


def test_end_to_end_runs_embedded_and_with_redis_and_service_bus(redis_url):
    lines = run_bench(
        "endtoend", "--clients", "3", "--rate", "5", "--seconds", "1", "--redis-url", redis_url
    )
    assert lines[-1].startswith("end to end (5 photos at 5/s, 3 clients): embedded: p50 ")
    assert "; servicebus: p50 " in lines[-1]
    assert lines[-1].count("lost 0") == 2


def test_capacity_runs_against_the_project_and_the_baseline():
    lines = run_bench("capacity", "--connections", "20", "--client-processes", "2")
    assert lines[-1].startswith("capacity: 20 of 20 connections held, ")
    assert "a photo reached 20" in lines[-1]
