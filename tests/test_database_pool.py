"""PostgreSQL connections come from a pool: a request or a websocket connect opens none."""

import os
import subprocess
import sys
import threading

import pytest
from django.db import connection, connections


def query_in_a_new_thread() -> None:
    """One query from a thread of its own, closing the connection as a request's end does."""
    answered = []

    def query():
        try:
            with connections["default"].cursor() as cursor:
                cursor.execute("SELECT 1")
                answered.append(cursor.fetchone()[0])
        finally:
            connections["default"].close()

    thread = threading.Thread(target=query)
    thread.start()
    thread.join(30)
    assert answered == [1]


@pytest.mark.django_db(transaction=True)
def test_threads_one_after_the_other_reuse_pooled_postgresql_connections():
    if connection.vendor != "postgresql":
        pytest.skip("a pool is a PostgreSQL feature; the suite runs again on PostgreSQL")
    query_in_a_new_thread()  # the pool holds at least one connection now
    pool = connections["default"].pool
    assert pool is not None, "no pool"
    opened_before = pool.get_stats().get("connections_num", 0)

    for _ in range(5):
        query_in_a_new_thread()

    assert pool.get_stats().get("connections_num", 0) == opened_before  # none opened


POOL_OF = (
    "from wazstagram import settings as s; "
    "print(s.DATABASES['default'].get('OPTIONS', {}).get('pool'))"
)


def pool_of(**env: str) -> str:
    """The pool settings of a process started with DATABASE_URL on PostgreSQL and `env`."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DATABASE_")}
    environment["DATABASE_URL"] = "postgres://wz@127.0.0.1:5432/wz"
    done = subprocess.run(
        [sys.executable, "-c", POOL_OF],
        env={**environment, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def test_the_pool_holds_database_pool_size_connections_and_0_switches_it_off():
    assert "'max_size': 20" in pool_of()
    assert "'max_size': 5" in pool_of(DATABASE_POOL_SIZE="5")
    assert pool_of(DATABASE_POOL_SIZE="0") == "None"
