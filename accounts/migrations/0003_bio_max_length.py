"""Bios get a maximum length: existing longer ones are cut to it, then the
database refuses anything longer (a check constraint, so every writer is bound,
not only the forms).

Cutting loses the end of a bio over 2,000 characters; before this limit only a
script or an abuse of the form could write one. The reverse drops the
constraint and keeps the cut text.
"""

import django.db.models.functions.text
import django.db.models.lookups
from django.db import migrations, models
from django.db.models.functions import Left, Length

# Frozen here: a later change of accounts.models.BIO_MAX_LENGTH needs its own migration.
BIO_MAX_LENGTH = 2000


def cut_longer_bios(apps, schema_editor):
    Profile = apps.get_model("accounts", "Profile")
    # One UPDATE, in the database: no row is loaded into the process.
    Profile.objects.annotate(length=Length("bio")).filter(length__gt=BIO_MAX_LENGTH).update(
        bio=Left("bio", BIO_MAX_LENGTH)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_profiles_for_existing_users"),
    ]

    operations = [
        migrations.RunPython(cut_longer_bios, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="profile",
            name="bio",
            field=models.TextField(blank=True, max_length=BIO_MAX_LENGTH),
        ),
        migrations.AddConstraint(
            model_name="profile",
            constraint=models.CheckConstraint(
                condition=django.db.models.lookups.LessThanOrEqual(
                    django.db.models.functions.text.Length("bio"), BIO_MAX_LENGTH
                ),
                name="accounts_profile_bio_max_length",
            ),
        ),
    ]
