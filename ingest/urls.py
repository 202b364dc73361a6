from django.urls import path

from . import views

app_name = "ingest"

urlpatterns = [
    path("instagram/<slug:slug>/", views.callback, name="callback"),
]
