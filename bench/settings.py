"""The project's settings plus the bench-only URLs (`bench.urls`); only benchmark servers use it."""

from wazstagram.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
