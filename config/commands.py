"""The base of the project's management commands that read or write the app's tables."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor

from config.env import libpq_said


class DatabaseCommand(BaseCommand):
    """A command that needs the database as `migrate` leaves it.

    Before `handle` runs, it stops with one line saying what to do (a
    CommandError: exit code 1, no traceback) when the database cannot be
    reached, or when it lacks migrations the code has: on a fresh clone's local
    database before `pipenv run demo` has migrated it, say, or after a pull that
    brought new ones. Django would print a notice at most, then a traceback from
    the first missing table, possibly after writing to the tables that exist.
    On Heroku the release phase migrates before any process runs, so there the
    check finds nothing to report.
    """

    requires_migrations_checks = True

    def check_migrations(self):
        try:
            executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
            plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        except DatabaseError as error:
            # psycopg2's first line names the host and port, or an option it refuses.
            reason = (str(error).strip().splitlines() or [repr(error)])[0]
            reason = libpq_said(reason, getattr(settings, "DATABASE_URL", ""))
            raise CommandError(f"The database cannot be reached: {reason}") from error
        if plan:
            apps = ", ".join(sorted({migration.app_label for migration, _ in plan}))
            raise CommandError(
                f"The database lacks {len(plan)} migration(s) of {apps}: "
                "run `pipenv run python manage.py migrate` first "
                "(`pipenv run demo` does it for the local database; on Heroku, the release)."
            )
