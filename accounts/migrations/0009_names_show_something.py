"""Names a page shows must show something and reorder nothing (config/names.py).
No change to the database."""

from django.db import migrations, models

import config.names


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0008_bio_constraint_says_its_limit"),
    ]

    operations = [
        migrations.AlterField(
            model_name="company",
            name="name",
            field=models.CharField(max_length=200, validators=[config.names.validate_name]),
        ),
        migrations.AlterField(
            model_name="profile",
            name="display_name",
            field=models.CharField(
                blank=True, max_length=100, validators=[config.names.validate_name]
            ),
        ),
    ]
