"""What ingest remembers between notifications: one geography subscription per city."""

from django.db import models

from feed.models import City


class Subscription(models.Model):
    """A city's Instagram geography subscription and its `min_id` cursor.

    The cursor lives here, not in a process, so a restart or a second ingest
    node continues where the last fetch stopped.
    """

    city = models.OneToOneField(City, on_delete=models.CASCADE, related_name="subscription")
    instagram_id = models.CharField("Instagram subscription id", max_length=64, blank=True)
    object_id = models.CharField("geography id", max_length=64, blank=True, db_index=True)
    cursor = models.CharField("min_id cursor", max_length=64, blank=True)
    last_error = models.TextField(blank=True)
    fetched_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["city__name"]

    def __str__(self):
        return f"{self.city.slug} → geography {self.object_id or '?'}"
