"""Probes for load balancers and supervisors."""

import asyncio

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.db import connection
from django.http import HttpResponse, JsonResponse

from ingest.bus import get_bus

PROBE_TIMEOUT = 5


def healthz(request):
    """The process answers: nothing else is checked."""
    return HttpResponse("ok", content_type="text/plain")


@sync_to_async
def _check_database():
    """One query; the connection is closed after it, whichever thread the probe ran in."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    finally:
        connection.close()


async def _check_channel_layer():
    """A message to a group no one joins: every layer kind sends it to Redis, if it has one."""
    await get_channel_layer().group_send("health", {"type": "health.probe"})


async def _outcome(check) -> str:
    try:
        await check()
        return "ok"
    except Exception as error:  # any failure means not ready
        return f"error: {type(error).__name__}"


async def readyz(request):
    """Database, channel layer and bus reachable: this node can serve live pages.

    The checks run side by side under one deadline, so a hanging dependency costs a
    probe PROBE_TIMEOUT seconds, not that much per dependency.
    """
    checks = {
        "database": _check_database,
        "channel_layer": _check_channel_layer,
        "bus": get_bus().check,
    }
    tasks = {name: asyncio.ensure_future(_outcome(check)) for name, check in checks.items()}
    await asyncio.wait(tasks.values(), timeout=PROBE_TIMEOUT)
    results = {}
    for name, task in tasks.items():
        if task.done():
            results[name] = task.result()
        else:
            task.cancel()
            results[name] = "error: TimeoutError"
    ready = all(value == "ok" for value in results.values())
    return JsonResponse(results, status=200 if ready else 503)
