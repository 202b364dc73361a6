"""What the source remembers: geographies, their Realtime subscriptions and their media.

Kept in the database so that `simulate`, in another process, makes media the
web process then serves.
"""

from django.db import models
from django.utils import timezone


class Geography(models.Model):
    """A circle a client subscribed to; its id is the `object_id` of notifications."""

    client_id = models.CharField(max_length=100)
    lat = models.FloatField()
    lng = models.FloatField()
    radius = models.PositiveIntegerField(help_text="Metres, at most 5000.")
    place = models.SlugField(blank=True, help_text="The city it covers, when one does.")
    name = models.CharField(max_length=100)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]
        verbose_name_plural = "geographies"

    def __str__(self):
        return f"geography {self.pk} ({self.name})"


class RealtimeSubscription(models.Model):
    """A client's subscription to a geography's new media, notified at `callback_url`."""

    client_id = models.CharField(max_length=100)
    geography = models.ForeignKey(Geography, on_delete=models.CASCADE, related_name="subscriptions")
    callback_url = models.URLField(max_length=1000)
    verify_token = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return f"subscription {self.pk} → {self.callback_url}"


class Media(models.Model):
    """One photo posted at a geography; its media id is "<pk>_<user id>", growing with time."""

    geography = models.ForeignKey(Geography, on_delete=models.CASCADE, related_name="media")
    user_id = models.PositiveIntegerField()
    username = models.CharField(max_length=100)
    full_name = models.CharField(max_length=200)
    caption = models.TextField(blank=True, help_text="Empty: the photo has no caption.")
    location_name = models.CharField(max_length=200)
    lat = models.FloatField()
    lng = models.FloatField()
    likes = models.PositiveIntegerField(default=0)
    tags = models.JSONField(default=list)
    seed = models.PositiveIntegerField(help_text="Picks the generated image.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]
        verbose_name_plural = "media"

    def __str__(self):
        return self.media_id

    @property
    def media_id(self) -> str:
        return f"{self.pk}_{self.user_id}"
