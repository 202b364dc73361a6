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
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


async def _check_channel_layer():
    await get_channel_layer().group_discard("health", "health.probe")


async def readyz(request):
    """Database, channel layer and bus reachable: this node can serve live pages."""
    checks = {"database": _check_database, "channel_layer": _check_channel_layer}
    checks["bus"] = get_bus().check
    results = {}
    for name, check in checks.items():
        try:
            await asyncio.wait_for(check(), PROBE_TIMEOUT)
            results[name] = "ok"
        except Exception as error:  # any failure means not ready
            results[name] = f"error: {type(error).__name__}"
    ready = all(value == "ok" for value in results.values())
    return JsonResponse(results, status=200 if ready else 503)
