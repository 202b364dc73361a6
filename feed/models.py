"""The cities a visitor can watch and the photos shown on their pages."""

from datetime import UTC, datetime

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from .photo import INSTAGRAM, SOURCE_NAMES, PhotoMessage


class City(models.Model):
    """A place with a live page; its geography subscription covers `radius` metres."""

    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=50, unique=True)
    lat = models.FloatField(validators=[MinValueValidator(-90), MaxValueValidator(90)])
    lng = models.FloatField(validators=[MinValueValidator(-180), MaxValueValidator(180)])
    radius = models.PositiveIntegerField(
        default=5000,
        validators=[MinValueValidator(1), MaxValueValidator(5000)],
        help_text="Metres around the centre; Instagram allows at most 5000.",
    )
    active = models.BooleanField(default=True)
    moderation = models.CharField(
        max_length=4,
        choices=[("post", "post: shown at once, hidden later"), ("pre", "pre: approved first")],
        default="post",
        help_text="pre: every photo waits in the moderation queue until a moderator approves it.",
    )
    profanity_filter = models.BooleanField(
        default=True,
        help_text="Hold photos whose caption has a word of the shipped profanity list.",
    )
    hashtags = models.JSONField(
        default=list,
        blank=True,
        help_text="Lower-case hashtags without '#': posts tagged with one reach this city "
        "(Bluesky, Mastodon).",
    )

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "cities"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(radius__gte=1, radius__lte=5000), name="city_radius_range"
            ),
            # "all" names the stream of every city (/ws/cities/all/).
            models.CheckConstraint(condition=~models.Q(slug="all"), name="city_slug_not_all"),
        ]

    def __str__(self):
        return self.name


class PhotoQuerySet(models.QuerySet):
    def visible(self):
        return self.filter(hidden=False)

    def after(self, photo_id):
        """Photos stored after the one with media id `photo_id` (all when unknown)."""
        anchor = Photo.objects.filter(media_id=photo_id).values("pk").first() if photo_id else None
        return self.filter(pk__gt=anchor["pk"]) if anchor else self

    def latest_first(self, limit):
        return self.order_by("-pk")[:limit]


class Photo(models.Model):
    """One photo as the feed shows it; `published_at` is empty until the bus took it."""

    media_id = models.CharField("media id", max_length=64, unique=True)
    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="photos")
    source = models.CharField(max_length=20, default=INSTAGRAM)
    image_url = models.URLField(max_length=1000)
    image_alt = models.TextField("alt text", blank=True)
    image_width = models.PositiveIntegerField(default=0)
    image_height = models.PositiveIntegerField(default=0)
    thumbnail_url = models.URLField(max_length=1000)
    thumbnail_width = models.PositiveIntegerField(default=0)
    thumbnail_height = models.PositiveIntegerField(default=0)
    link = models.URLField(max_length=1000, blank=True)
    caption = models.TextField(null=True, blank=True)  # noqa: DJ001 - "no caption" is not ""
    username = models.CharField(max_length=100, blank=True)
    full_name = models.CharField(max_length=200, blank=True)
    avatar_url = models.URLField(max_length=1000, blank=True)
    lat = models.FloatField(null=True, blank=True)
    lng = models.FloatField(null=True, blank=True)
    location_name = models.CharField(max_length=200, blank=True)
    likes = models.PositiveIntegerField(default=0)
    license = models.CharField(max_length=100, blank=True)
    post = models.CharField(
        max_length=300, blank=True, db_index=True, help_text="The source's id of the post."
    )
    created_at = models.DateTimeField()
    stored_at = models.DateTimeField(auto_now_add=True)
    published_at = models.FloatField(
        null=True, blank=True, help_text="Unix time the bus accepted it; empty means pending."
    )
    hidden = models.BooleanField(default=False, help_text="Hidden photos never reach a page.")
    waiting = models.BooleanField(
        default=False, help_text="Hidden until a moderator decides (the moderation queue)."
    )
    held_because = models.CharField("held because", max_length=200, blank=True)
    pinned_at = models.DateTimeField(
        null=True, blank=True, help_text="Pinned photos stay first on their city's page."
    )

    objects = PhotoQuerySet.as_manager()

    class Meta:
        ordering = ["-pk"]
        permissions = [("moderate_photo", "Can decide photos at the moderation desk")]
        indexes = [
            models.Index(fields=["city", "-id"], name="photo_city_latest"),
            models.Index(
                fields=["id"],
                name="photo_pending",
                condition=models.Q(published_at__isnull=True),
            ),
        ]

    def __str__(self):
        return f"{self.media_id} ({self.city.slug})"

    def to_message(self) -> PhotoMessage:
        """The photo message (feed/photo.py) of this photo."""
        return {
            "id": self.media_id,
            "city": self.city.slug,
            "source": self.source,
            "image": {
                "url": self.image_url,
                "width": self.image_width,
                "height": self.image_height,
                "alt": self.image_alt,
            },
            "thumbnail": {
                "url": self.thumbnail_url,
                "width": self.thumbnail_width,
                "height": self.thumbnail_height,
            },
            "link": self.link,
            "caption": self.caption,
            "user": {
                "username": self.username,
                "full_name": self.full_name,
                "avatar": self.avatar_url,
            },
            "location": {"lat": self.lat, "lng": self.lng, "name": self.location_name},
            "likes": self.likes,
            "license": self.license,
            "post": self.post,
            "pinned": self.pinned_at is not None,
            "created_at": self.created_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "published_at": self.published_at,
        }

    def to_queue_message(self) -> PhotoMessage:
        """The message as moderation desks get it: with why the photo waits."""
        return self.to_message() | {"held_because": self.held_because}

    @classmethod
    def from_message(cls, city: City, message: PhotoMessage) -> "Photo":
        """An unsaved photo of `city` built from a photo message."""
        user, location = message["user"], message["location"]
        return cls(
            media_id=message["id"],
            city=city,
            source=message.get("source", INSTAGRAM),
            image_url=message["image"]["url"],
            image_alt=message["image"].get("alt", ""),
            image_width=message["image"]["width"],
            image_height=message["image"]["height"],
            thumbnail_url=message["thumbnail"]["url"],
            thumbnail_width=message["thumbnail"]["width"],
            thumbnail_height=message["thumbnail"]["height"],
            link=message["link"],
            caption=message["caption"],
            username=user["username"],
            full_name=user["full_name"],
            avatar_url=user["avatar"],
            lat=location["lat"],
            lng=location["lng"],
            location_name=location["name"],
            likes=message["likes"],
            license=message.get("license", ""),
            post=message.get("post", ""),
            created_at=datetime.strptime(message["created_at"], "%Y-%m-%dT%H:%M:%SZ").replace(
                tzinfo=UTC
            ),
            published_at=message.get("published_at"),
        )


class BlockedUser(models.Model):
    """A user of a source whose photos are hidden and never published again."""

    source = models.CharField(
        max_length=20, choices=[(name, name) for name in SOURCE_NAMES], default=INSTAGRAM
    )
    username = models.CharField(
        max_length=100, help_text="Bluesky handle, Mastodon acct, Flickr owner, Instagram name."
    )
    reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["source", "username"]
        constraints = [
            models.UniqueConstraint(fields=["source", "username"], name="blocked_user_per_source")
        ]

    def __str__(self):
        return f"{self.username} ({self.source})"


class BlockedWord(models.Model):
    """A word that keeps a photo off the site when its caption contains it."""

    word = models.CharField(max_length=100, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["word"]

    def __str__(self):
        return self.word


class Decision(models.Model):
    """The audit trail: who decided what about a photo, when and why."""

    APPROVE, REJECT, PIN, UNPIN, BLOCK, UNDO = "approve", "reject", "pin", "unpin", "block", "undo"
    photo = models.ForeignKey(Photo, on_delete=models.SET_NULL, null=True, related_name="+")
    media_id = models.CharField("media id", max_length=64)
    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="decisions")
    moderator = models.ForeignKey(
        "auth.User", on_delete=models.SET_NULL, null=True, related_name="decisions"
    )
    action = models.CharField(
        max_length=10, choices=[(a, a) for a in (APPROVE, REJECT, PIN, UNPIN, BLOCK, UNDO)]
    )
    reason = models.CharField(max_length=200, blank=True)
    was_waiting = models.BooleanField(
        default=False, help_text="The photo was in the queue when it was decided."
    )
    undone = models.BooleanField(default=False, help_text="Taken back with undo.")
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.moderator} {self.action} {self.media_id}"
