"""Locks held in the database, so that processes on different nodes take turns.

On PostgreSQL a session advisory lock: held by this thread's connection, released when
the work ends or the connection dies (a crashed node holds nothing). SQLite serves one
node per database file, and in a process the callers already take turns: there the lock
is always granted.
"""

import hashlib
from contextlib import contextmanager

from django.db import DatabaseError, connection


def nodes_take_turns() -> bool:
    """Whether several nodes may share this database, so that locks are needed."""
    return connection.vendor == "postgresql"


@contextmanager
def try_lock(name: str):
    """Yields whether the lock `name` was free and is now held by this thread."""
    if not nodes_take_turns():
        yield True
        return
    key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        held = cursor.fetchone()[0]
    try:
        yield held
    finally:
        if held:
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
            except DatabaseError:
                pass  # the connection is gone, and the lock with it
