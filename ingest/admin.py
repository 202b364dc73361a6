from django.contrib import admin

from feed.admin import CityAdmin
from feed.models import City

from .models import SourceState, Subscription


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ["city", "instagram_id", "object_id", "cursor", "fetched_at", "last_error"]
    search_fields = ["city__name", "object_id", "instagram_id"]
    readonly_fields = ["updated_at"]


@admin.register(SourceState)
class SourceStateAdmin(admin.ModelAdmin):
    list_display = [
        "source",
        "city",
        "enabled",
        "cursor",
        "last_got_at",
        "last_error",
        "updated_at",
    ]
    list_filter = ["source", "enabled"]
    list_editable = ["enabled"]
    search_fields = ["city__name", "city__slug", "last_error"]
    readonly_fields = ["cursor", "last_error", "last_error_at", "last_got_at", "updated_at"]


class SourceStateInline(admin.TabularInline):
    """A city's sources: switch each on or off, see where each got to."""

    model = SourceState
    extra = 0
    fields = ["source", "enabled", "cursor", "last_got_at", "last_error"]
    readonly_fields = ["cursor", "last_got_at", "last_error"]


# The feed's city admin, with each city's sources: ingest extends it, the feed knows nothing of it.
admin.site.unregister(City)


@admin.register(City)
class CityWithSourcesAdmin(CityAdmin):
    inlines = [*CityAdmin.inlines, SourceStateInline]
