"""A web process collects garbage with the configured thresholds (see wazstagram/collector.py)."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPORT = (
    "import gc, json, wazstagram.asgi; "
    "print(json.dumps([gc.get_threshold(), gc.get_freeze_count()]))"
)


def _web_process(thresholds: str) -> subprocess.CompletedProcess:
    """Load the ASGI application as uvicorn or daphne would, then report the collector's state."""
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="wazstagram.settings", GC_THRESHOLDS=thresholds)
    return subprocess.run(
        [sys.executable, "-c", REPORT], cwd=ROOT, env=env, capture_output=True, text=True
    )


def test_a_web_process_freezes_what_it_loaded_and_uses_the_configured_thresholds():
    done = _web_process("20000,30,40")
    assert done.returncode == 0, done.stderr
    thresholds, frozen = json.loads(done.stdout)
    assert thresholds == [20000, 30, 40]
    assert frozen > 10_000  # Django and the apps: out of every later collection


def test_empty_thresholds_leave_python_s_collector_alone():
    done = _web_process("")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [[700, 10, 10], 0]


def test_unusable_thresholds_stop_the_process_with_a_clear_message():
    done = _web_process("1,2,3,4")
    assert done.returncode != 0
    assert "GC_THRESHOLDS: one to three positive numbers" in done.stderr
