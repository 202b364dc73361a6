"""The "Moderators" group: the moderation desk's permission, and no other admin right."""

from django.db import migrations


def create_group(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    photo_type, _ = ContentType.objects.get_or_create(app_label="feed", model="photo")
    permission, _ = Permission.objects.get_or_create(
        content_type=photo_type,
        codename="moderate_photo",
        defaults={"name": "Can decide photos at the moderation desk"},
    )
    group, _ = Group.objects.get_or_create(name="Moderators")
    group.permissions.set([permission])


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="Moderators").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("feed", "0006_moderation_desk"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_group, remove_group)]
