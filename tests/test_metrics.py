"""/metrics: who may scrape it, and what it says."""

import pytest


@pytest.mark.django_db
def test_metrics_answer_the_monitoring_network_only(client, settings):
    settings.METRICS_ALLOWED_NETWORKS = ["10.1.0.0/16"]
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.5").status_code == 403
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200


@pytest.mark.django_db
def test_a_token_opens_metrics_from_anywhere_and_a_wrong_one_does_not(client, settings):
    settings.METRICS_ALLOWED_NETWORKS = []
    settings.METRICS_TOKEN = "scrape-token-123"
    outside = {"REMOTE_ADDR": "203.0.113.5"}
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer nope", **outside).status_code == 403
    answer = client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-token-123", **outside)
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/plain")


@pytest.mark.django_db
def test_the_database_figures_are_read_at_the_scrape(client, make_photo):
    make_photo("seattle", published_at=None)
    body = client.get("/metrics", REMOTE_ADDR="127.0.0.1").content.decode()
    assert "wazstagram_outbox_pending 1.0" in body


def test_the_grafana_dashboard_asks_only_for_metrics_the_site_exposes():
    import json
    import re
    from pathlib import Path

    from prometheus_client import REGISTRY

    import wazstagram.metrics  # noqa: F401 - registers the metrics

    exposed = {"wazstagram_outbox_pending", "wazstagram_source_cursor_age_seconds"}
    for family in REGISTRY.collect():
        if family.name.startswith("wazstagram_"):
            exposed |= {sample.name for sample in family.samples} | {family.name}
            if family.type == "counter":  # labelled ones have no samples before their first
                exposed.add(f"{family.name}_total")
    dashboard = json.loads((Path(__file__).parents[1] / "docs/grafana-dashboard.json").read_text())
    asked = {
        name
        for panel in dashboard["panels"]
        for target in panel["targets"]
        for name in re.findall(r"wazstagram_\w+", target["expr"])
    }
    buckets = {name for name in asked if name.endswith("_bucket")}
    assert asked - buckets <= exposed
    assert {name.removesuffix("_bucket") for name in buckets} <= exposed
