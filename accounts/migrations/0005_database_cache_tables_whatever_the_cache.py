"""Create the database cache tables the throttles fall back to, whatever CACHES says now.

0004 ran `createcachetable`, which creates tables only for the aliases CACHES
names as database caches at that moment. A release run while Heroku Key-Value
Store was attached (REDIS_URL set) therefore created none; once the store was
removed, the throttles' aliases pointed at tables that did not exist and every
login failed. These are the tables config/cache.py names when REDIS_URL is
unset (tests/config/test_cache.py keeps the two in step); a table that exists
is left alone, so a release with or without Redis, once or again, ends with
both. The reverse leaves them, as 0004's does.
"""

from django.core.management.commands.createcachetable import Command
from django.db import migrations

TABLES = ("throttle_cache", "login_failure_cache")


def create_tables(apps, schema_editor):
    command = Command()
    command.verbosity = 0  # what handle() would set
    for table in TABLES:
        command.create_table(schema_editor.connection.alias, table, dry_run=False)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_throttle_cache_table"),
    ]

    operations = [
        migrations.RunPython(create_tables, migrations.RunPython.noop),
    ]
