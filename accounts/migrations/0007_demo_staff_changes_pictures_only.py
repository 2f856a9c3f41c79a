"""The demo's shared staff group changes products' pictures only (_demo_group.py)."""

from django.db import migrations

from accounts.migrations._demo_group import picture_only


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_demo_staff_without_profiles"),
        ("catalog", "0003_product_change_image_permission"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(picture_only, migrations.RunPython.noop)]
