"""The bio's constraint says its limit, not its name, to a form that reaches it.
No change to the database."""

import django.db.models.functions.text
import django.db.models.lookups
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0007_demo_staff_changes_pictures_only"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterConstraint(
            model_name="profile",
            name="accounts_profile_bio_max_length",
            constraint=models.CheckConstraint(
                condition=django.db.models.lookups.LessThanOrEqual(
                    django.db.models.functions.text.Length("bio"), 2000
                ),
                name="accounts_profile_bio_max_length",
                violation_error_message="A bio may be at most 2,000 characters.",
            ),
        ),
    ]
