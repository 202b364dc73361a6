"""The reconnect storm and the browser benchmark run end to end with tiny loads (no timings)."""

import os
import re

import pytest

from tests.bench.running import run_bench
from tests.support.prerequisites import missing

CHROMIUM = "/usr/bin/chromium"

pytestmark = pytest.mark.slow


def test_reconnect_brings_every_page_back_after_a_4012_and_a_restart():
    lines = run_bench("reconnect", "--pages", "20", "--client-processes", "2")
    for phase in ("hub 4012", "restart"):
        line = next(line for line in lines if line.startswith(f"  {phase}: "))
        assert line.startswith(f"  {phase}: 20 of 20 back and resumed, all in "), line
        assert re.search(r", 0 missed \(0 photos of [1-9]\d* published\)", line), line
        assert "history queries max " in line
    summary = lines[-1]
    assert summary.startswith("reconnect: 20 pages, hub 4012: all back in ")
    assert summary.count(", 0 missed, ") == 2
    assert "; restart: all back in " in summary
    assert summary.endswith("(targets 15 s, ≤ 1 query/s per city per process)")


@pytest.mark.browser
def test_browser_and_load_client_take_the_same_rounds():
    if not os.path.exists(CHROMIUM):
        missing(f"{CHROMIUM} missing (scripts/ensure-chromium.sh installs it)")
    lines = run_bench("browser", "--connections", "20", "--photos", "5", "--rounds", "1")
    assert any(line.startswith("  chromium: 20 of 20 websockets open") for line in lines)
    assert any(line.startswith("  chromium     round 1: 100/100 frames, lost 0") for line in lines)
    assert any(line.startswith("  load client  round 1: 100/100 frames, lost 0") for line in lines)
    summary = lines[-1]
    assert summary.startswith("browser: Chromium 100/100 frames, lost 0, p50 ")
    assert "; load client lost 0, p50 " in summary
    assert "; browser/client: server CPU per frame " in summary
