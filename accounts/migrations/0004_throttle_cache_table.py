"""Create the table of the database cache the throttles count in (config/security/throttle.py).

Django's `createcachetable`, run here so that the release phase (`migrate`)
does everything a deploy needs. It creates the table of every DatabaseCache
alias in CACHES and skips tables that exist, so it is safe to run again by hand
after adding one; when the `throttles` alias is pointed at Redis there is
nothing to create. The reverse leaves the table: it holds only counts that
expire within the hour.
"""

from django.core.management import call_command
from django.db import migrations


def create_cache_tables(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_bio_max_length"),
    ]

    operations = [
        migrations.RunPython(create_cache_tables, migrations.RunPython.noop),
    ]
