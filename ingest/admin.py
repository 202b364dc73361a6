from django.contrib import admin

from .models import Subscription


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ["city", "instagram_id", "object_id", "cursor", "fetched_at", "last_error"]
    search_fields = ["city__name", "object_id", "instagram_id"]
    readonly_fields = ["updated_at"]
