"""Root URLs: pages, the ingest callback, the built-in source, admin and probes."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from . import health
from .metrics_view import metrics

urlpatterns = [
    path("", include("feed.urls")),
    path("ingest/", include("ingest.urls")),
    path("admin/", admin.site.urls),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics, name="metrics"),
]

if settings.INSTAGRAM_SOURCE_ENABLED:
    # The built-in Instagram-compatible source: its v1 API and its images.
    urlpatterns.append(path("_instagram/", include("ingest.demo.urls")))
