"""The eight cities of the original Wazstagram."""

from django.db import migrations

CITIES = [
    ("Seattle", "seattle", 47.606308, -122.332072),
    ("New York", "new-york", 40.714379, -74.005989),
    ("Los Angeles", "los-angeles", 34.052304, -118.243686),
    ("Pittsburgh", "pittsburgh", 40.440709, -79.995879),
    ("San Francisco", "san-francisco", 37.774963, -122.419433),
    ("Washington, DC", "washington-dc", 38.895125, -77.03637),
    ("London", "london", 51.508235, -0.128023),
    ("Rome", "rome", 41.901534, 12.460781),
]


def seed(apps, schema_editor):
    City = apps.get_model("feed", "City")
    for name, slug, lat, lng in CITIES:
        City.objects.get_or_create(
            slug=slug, defaults={"name": name, "lat": lat, "lng": lng, "radius": 5000}
        )


def unseed(apps, schema_editor):
    apps.get_model("feed", "City").objects.filter(slug__in=[c[1] for c in CITIES]).delete()


class Migration(migrations.Migration):
    dependencies = [("feed", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
