from django.contrib import admin

from .models import City, Photo


@admin.register(City)
class CityAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "lat", "lng", "radius", "active"]
    list_filter = ["active"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Photo)
class PhotoAdmin(admin.ModelAdmin):
    list_display = [
        "media_id",
        "city",
        "username",
        "caption",
        "created_at",
        "published_at",
        "hidden",
    ]
    list_filter = ["city", "hidden"]
    search_fields = ["media_id", "username", "full_name", "caption"]
    date_hierarchy = "created_at"
    list_select_related = ["city"]
