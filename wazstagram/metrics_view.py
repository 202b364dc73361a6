"""/metrics: the scrape, for Prometheus on METRICS_ALLOWED_NETWORKS or with METRICS_TOKEN."""

import hmac
import os
import time
from functools import cache
from ipaddress import ip_address, ip_network

from django.conf import settings
from django.db import DatabaseError
from django.db.models import Max
from django.http import HttpResponse, HttpResponseForbidden
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

from .clientaddress import request_address


def metrics(request):
    if not _allowed(request):
        return HttpResponseForbidden("metrics are for the monitoring network\n")
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)
    else:
        from prometheus_client import REGISTRY

        registry = REGISTRY
    body = generate_latest(registry) + generate_latest(_database_registry())
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)


def _allowed(request) -> bool:
    token = settings.METRICS_TOKEN
    given = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return True
    try:
        address = ip_address(request_address(request))
    except ValueError:
        return False
    return any(
        address in network for network in _networks(tuple(settings.METRICS_ALLOWED_NETWORKS))
    )


@cache
def _networks(networks: tuple[str, ...]):
    return [ip_network(network, strict=False) for network in networks]


class _DatabaseFigures:
    """Figures read from the database at each scrape."""

    def collect(self):
        from feed.photo import SOURCE_NAMES
        from ingest.models import SourceState, Subscription
        from ingest.publish import count_pending

        pending = GaugeMetricFamily(
            "wazstagram_outbox_pending", "Stored photos the bus has not accepted yet"
        )
        age = GaugeMetricFamily(
            "wazstagram_source_cursor_age_seconds",
            "Seconds since a source last moved its cursor or brought a photo",
            labels=["source"],
        )
        try:
            pending.add_metric([], count_pending(older_than=0))
            now = time.time()
            latest = dict(
                SourceState.objects.values_list("source").annotate(latest=Max("updated_at"))
            )
            if fetched := Subscription.objects.aggregate(latest=Max("fetched_at"))["latest"]:
                latest["instagram"] = fetched
            for source in SOURCE_NAMES:
                if source in settings.SOURCES and latest.get(source):
                    age.add_metric([source], now - latest[source].timestamp())
        except DatabaseError:
            return
        yield pending
        yield age


@cache
def _database_registry() -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_DatabaseFigures())
    return registry
