"""A missing Redis skips its tests on a developer's machine and fails them in CI."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.live import free_port

REPO = Path(__file__).resolve().parents[2]
NEEDS_REDIS = "def test_needs_redis(redis_url):\n    pass\n"


def run_with_redis_gone(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    """A one-test session needing `redis_url`, with TEST_REDIS_URL pointing at nothing."""
    (tmp_path / "test_needs_redis.py").write_text(NEEDS_REDIS)
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    environment = {k: v for k, v in os.environ.items() if k not in ("CI", "DJANGO_SETTINGS_MODULE")}
    environment.update(
        TEST_REDIS_URL=f"redis://127.0.0.1:{free_port()}/0", PYTHONPATH=str(REPO), **env
    )
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "tests.support.prerequisites", "-p", "no:django"]
        + ["-p", "no:cacheprovider", "-rsf", str(tmp_path)],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("env", "exit_code", "outcome"),
    [({}, 0, "1 skipped"), ({"CI": "true"}, 1, "1 error")],
    ids=["developer", "ci"],
)
def test_a_missing_redis_is_a_skip_for_a_developer_and_a_failure_in_ci(
    tmp_path, env, exit_code, outcome
):
    result = run_with_redis_gone(tmp_path, **env)
    assert result.returncode == exit_code, result.stdout + result.stderr
    assert outcome in result.stdout
    assert "no Redis at" in result.stdout
