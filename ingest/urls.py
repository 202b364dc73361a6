from django.conf import settings
from django.urls import path

from .sources.instagram import views

app_name = "ingest"

# The Instagram Realtime callback exists only while the instagram source runs.
urlpatterns = (
    [path("instagram/<slug:slug>/", views.callback, name="callback")]
    if "instagram" in settings.SOURCES
    else []
)
