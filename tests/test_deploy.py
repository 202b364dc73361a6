"""The systemd units under deploy/ are ones systemd accepts (systemd-analyze verify)."""

import shutil
import subprocess
from pathlib import Path

from tests.support.prerequisites import missing

ROOT = Path(__file__).resolve().parents[1]
UNITS = sorted((ROOT / "deploy").glob("wazstagram-*.*"))


def test_every_part_of_a_deployment_has_a_unit():
    names = {unit.name for unit in UNITS}
    assert names == {
        "wazstagram-web.service",
        "wazstagram-relay.service",
        "wazstagram-sources.service",
        "wazstagram-cleanup.service",
        "wazstagram-cleanup.timer",
    }


def test_systemd_accepts_the_units(tmp_path):
    if not shutil.which("systemd-analyze"):
        missing("systemd-analyze (Debian package systemd) is not installed")
    # As installed: this checkout in place of /srv/wazstagram, whose programs must exist.
    for unit in UNITS:
        text = unit.read_text().replace("/srv/wazstagram", str(ROOT))
        text = text.replace("/etc/wazstagram/env", str(ROOT / ".env.example"))
        (tmp_path / unit.name).write_text(text)
    verified = subprocess.run(
        ["systemd-analyze", "verify", *sorted(str(path) for path in tmp_path.iterdir())],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert verified.returncode == 0 and not verified.stderr.strip(), verified.stderr
    for unit in UNITS:
        if unit.suffix == ".service":
            assert "ExecStart=/srv/wazstagram/.venv/bin/python manage.py " in unit.read_text()
