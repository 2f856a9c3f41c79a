"""Give every user that existed before the accounts app a profile.

From now on the post_save receiver in accounts/profiles.py creates them; this
covers the users created before it was installed.
"""

from django.conf import settings
from django.db import migrations


def create_missing_profiles(apps, schema_editor):
    User = apps.get_model(settings.AUTH_USER_MODEL)
    Profile = apps.get_model("accounts", "Profile")
    users = User.objects.filter(profile__isnull=True).values_list("pk", flat=True)
    Profile.objects.bulk_create([Profile(user_id=pk) for pk in users], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(create_missing_profiles, migrations.RunPython.noop, elidable=True),
    ]
