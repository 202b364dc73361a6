"""The suite's settings: the project's, in development mode unless a test says otherwise.

DEBUG is off by default (fail closed); the tests, like `make run`, turn it on. Set in the
environment so that the processes the tests start inherit the same mode.
"""

import os

os.environ.setdefault("DEBUG", "true")

from wazstagram.settings import *  # noqa: E402, F403
