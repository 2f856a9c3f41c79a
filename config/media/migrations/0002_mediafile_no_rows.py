"""MediaFile's lookups go through a manager with no rows (config/media/models.py):
only a model option changes; there is still no table."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("media", "0001_initial"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="mediafile",
            options={
                "base_manager_name": "objects",
                "default_permissions": (),
                "managed": False,
                "permissions": [("restore_media", "Can list, download and restore media versions")],
            },
        ),
    ]
