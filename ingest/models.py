"""What ingest remembers between runs: per city and source, where it got to and how it went."""

from django.db import models

from feed.models import City
from feed.photo import SOURCE_NAMES


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
    pokes = models.PositiveBigIntegerField(
        default=0, help_text="Pokes a node left to the one fetching (a counter, not a clock)."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["city__name"]

    def __str__(self):
        return f"{self.city.slug} → geography {self.object_id or '?'}"


class SourceState(models.Model):
    """One source's switch, cursor and health for one city (or, with no city, site-wide).

    Bluesky's one Jetstream connection serves every city, so its cursor is site-wide;
    poll sources keep one cursor per city. Instagram's cursor stays in its Subscription.
    """

    city = models.ForeignKey(
        City, on_delete=models.CASCADE, null=True, blank=True, related_name="source_states"
    )
    source = models.CharField(max_length=20, choices=[(name, name) for name in SOURCE_NAMES])
    enabled = models.BooleanField(default=True, help_text="Off: this source brings no photos here.")
    cursor = models.TextField(blank=True, help_text="Where the next read starts.")
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    last_got_at = models.DateTimeField(
        "last photo at", null=True, blank=True, help_text="When it last brought a photo."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["source", "city__name"]
        constraints = [
            models.UniqueConstraint(fields=["city", "source"], name="source_state_per_city"),
            models.UniqueConstraint(
                fields=["source"],
                condition=models.Q(city__isnull=True),
                name="source_state_site_wide",
            ),
        ]

    def __str__(self):
        return f"{self.source} for {self.city.slug if self.city else 'every city'}"
