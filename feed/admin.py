"""Admin for cities, photos and moderation (staff only, Django's login)."""

import re

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, Max
from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

from . import moderation
from .models import BlockedUser, BlockedWord, City, Decision, Photo


class HashtagsField(forms.CharField):
    """A city's hashtags as one line of text: "seattle, #SeattleWA" is ["seattle", "seattlewa"]."""

    def prepare_value(self, value):
        return ", ".join(value) if isinstance(value, list) else value

    def to_python(self, value):
        words = re.split(r"[\s,]+", super().to_python(value) or "")
        hashtags = [word.lstrip("#").casefold() for word in words if word.lstrip("#")]
        for hashtag in hashtags:
            if not re.fullmatch(r"\w{1,100}", hashtag):
                raise forms.ValidationError(f"{hashtag!r} is not a hashtag (letters, digits, _)")
        return list(dict.fromkeys(hashtags))


class CityForm(forms.ModelForm):
    hashtags = HashtagsField(
        required=False,
        help_text="Comma-separated, with or without '#': posts tagged with one reach this city "
        "(Bluesky, Mastodon).",
    )

    class Meta:
        model = City
        fields = [
            "name",
            "slug",
            "lat",
            "lng",
            "radius",
            "hashtags",
            "moderation",
            "profanity_filter",
            "active",
        ]


@admin.register(City)
class CityAdmin(admin.ModelAdmin):
    form = CityForm
    list_display = [
        "name",
        "slug",
        "lat",
        "lng",
        "radius",
        "hashtag_list",
        "active",
        "photo_count",
        "latest",
    ]
    list_filter = ["active", "moderation"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["latest_photos"]
    LATEST_PHOTOS = 12

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(photo_count=Count("photos"), latest=Max("photos__stored_at"))
        )

    @admin.display(description="hashtags")
    def hashtag_list(self, city):
        return ", ".join(f"#{hashtag}" for hashtag in city.hashtags)

    @admin.display(ordering="photo_count", description="photos")
    def photo_count(self, city):
        return city.photo_count

    @admin.display(ordering="latest", description="latest photo")
    def latest(self, city):
        return city.latest

    @admin.display(description="latest photos")
    def latest_photos(self, city):
        """The city's newest photos, hidden ones too, each linking to its moderation page."""
        photos = city.photos.order_by("-pk")[: self.LATEST_PHOTOS] if city.pk else []
        if not photos:
            return "No photos yet."
        return format_html_join(
            "",
            '<a href="{}" title="{}" style="display:inline-block;margin:0 6px 6px 0">'
            '<img src="{}" alt="{}" width="75" height="75"{}></a>',
            (
                (
                    reverse("admin:feed_photo_change", args=[photo.pk]),
                    photo.caption or photo.media_id,
                    photo.thumbnail_url,
                    photo.username,
                    mark_safe(' style="opacity:.3"') if photo.hidden else "",
                )
                for photo in photos
            ),
        )


@admin.register(Photo)
class PhotoAdmin(admin.ModelAdmin):
    list_display = [
        "media_id",
        "city",
        "username",
        "caption",
        "stored_at",
        "published",
        "hidden",
        "waiting",
    ]
    list_filter = [
        "city",
        "source",
        "hidden",
        "waiting",
        ("published_at", admin.EmptyFieldListFilter),
    ]
    search_fields = ["media_id", "username", "full_name", "caption"]
    date_hierarchy = "stored_at"
    list_select_related = ["city"]
    actions = ["hide", "show", "block_users"]

    @admin.display(boolean=True, description="published")
    def published(self, photo):
        return photo.published_at is not None

    def save_model(self, request, obj, form, change):
        hiding = change and "hidden" in form.changed_data and obj.hidden
        if hiding:
            obj.hidden = False
        super().save_model(request, obj, form, change)
        if hiding:
            moderation.hide_photos(Photo.objects.filter(pk=obj.pk))

    @admin.action(description="Hide selected photos (retracted from open pages)")
    def hide(self, request, queryset):
        count = moderation.hide_photos(queryset)
        self.message_user(request, f"Hid {count} photo(s).", messages.SUCCESS)

    @admin.action(description="Show selected photos again")
    def show(self, request, queryset):
        count = moderation.show_photos(queryset)
        self.message_user(request, f"Showed {count} photo(s) again.", messages.SUCCESS)

    @admin.action(description="Block the users of selected photos")
    def block_users(self, request, queryset):
        usernames = set(queryset.exclude(username="").values_list("username", "source"))
        hidden = sum(moderation.block_user(username, source) for username, source in usernames)
        self.message_user(
            request,
            f"Blocked {len(usernames)} user(s); hid {hidden} photo(s).",
            messages.SUCCESS,
        )


@admin.register(BlockedUser)
class BlockedUserAdmin(admin.ModelAdmin):
    list_display = ["username", "source", "reason", "created_at"]
    list_filter = ["source"]
    search_fields = ["username"]

    def save_model(self, request, obj, form, change):
        obj.username = obj.username.casefold()
        super().save_model(request, obj, form, change)
        moderation.block_user(obj.username, obj.source)


@admin.register(BlockedWord)
class BlockedWordAdmin(admin.ModelAdmin):
    list_display = ["word", "created_at"]
    search_fields = ["word"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        moderation.apply_blocked_word(obj.word)


@admin.register(Decision)
class DecisionAdmin(admin.ModelAdmin):
    """The audit trail: who decided what, when and why; read only."""

    list_display = ["at", "moderator", "action", "media_id", "city", "reason", "undone"]
    list_filter = ["moderator", "city", "action"]
    search_fields = ["media_id", "reason", "moderator__username"]
    date_hierarchy = "at"
    list_select_related = ["moderator", "city"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
