"""The source's URLs, under /_instagram/: the v1 API and the generated images."""

from django.urls import path, re_path

from . import views

app_name = "instagram_source"

urlpatterns = [
    re_path(r"^v1/subscriptions/?$", views.subscriptions, name="subscriptions"),
    re_path(
        r"^v1/geographies/(?P<object_id>[^/]+)/media/recent/?$",
        views.recent_media,
        name="recent-media",
    ),
    re_path(r"^v1/", views.not_found),
    path("images/<slug:place>/<int:seed>/<int:size>.svg", views.image, name="image"),
    re_path(
        r"^images/avatars/(?P<username>[A-Za-z0-9._]{1,40})\.svg$", views.avatar, name="avatar"
    ),
]
