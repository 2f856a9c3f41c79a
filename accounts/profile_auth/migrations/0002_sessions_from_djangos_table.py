"""Every unexpired session of Django's own table, copied into this one: switching
to the unit's session engine logs nobody out.

Each copy's user column is the user its data is logged in as, read as the
engine reads it (a session whose data cannot be read keeps no user, and reads as
empty, as it did). Backwards, the sessions made since go back to Django's table,
for the engine before this one. Sessions that expired are left behind: Django's
`clearsessions` would have removed them.
"""

from django.conf import settings
from django.db import migrations
from django.utils import timezone

BATCH = 2_000


def copy(source, target, user_ids: bool) -> None:
    from django.contrib.sessions.backends.db import SessionStore

    from accounts.profile_auth.sessions import user_id_in

    store = SessionStore()  # its salt is every SessionStore's: the data reads as it did
    existing = set(target.objects.values_list("session_key", flat=True))
    batch = []
    for session in source.objects.filter(expire_date__gt=timezone.now()).iterator(BATCH):
        if session.session_key in existing:
            continue
        copied = target(
            session_key=session.session_key,
            session_data=session.session_data,
            expire_date=session.expire_date,
        )
        if user_ids:
            copied.user_id = user_id_in(store.decode(session.session_data))
        batch.append(copied)
        if len(batch) == BATCH:
            target.objects.bulk_create(batch)
            batch = []
    target.objects.bulk_create(batch)


def forwards(apps, schema_editor):
    copy(apps.get_model("sessions", "Session"), apps.get_model("profile_auth", "Session"), True)


def backwards(apps, schema_editor):
    copy(apps.get_model("profile_auth", "Session"), apps.get_model("sessions", "Session"), False)


class Migration(migrations.Migration):
    dependencies = [
        ("profile_auth", "0001_initial"),
        ("sessions", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=True)]
