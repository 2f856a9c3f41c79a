"""The base of the project's management commands that read or write the app's tables,
the check `manage.py` makes of a command line first, the type of a number option,
and `capped()`, which reads a number of any length (a form's row, `?per_page=`)."""

import argparse
import re

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor

from config.env import is_utf8, libpq_said, shown

WHOLE_NUMBER = re.compile(r"-?[0-9]+")


def capped(digits: str, bound: int) -> int:
    """The number the ASCII `digits` write, or `bound` where it is larger: read by its
    length first, as int() refuses more than 4,300 digits."""
    significant = digits.lstrip("0") or "0"
    return bound if len(significant) > len(str(bound)) else min(int(significant), bound)


def whole_number(text: str) -> int:
    """argparse's `type` for the options that take a number: ASCII digits, maybe
    after a minus sign (each command says which numbers it takes).

    `int()` also reads other scripts' digits ("١٢" seeded 12 products), underscores
    between digits and spaces around, which no config var of the project takes either.
    """
    if WHOLE_NUMBER.fullmatch(text) is None:
        raise argparse.ArgumentTypeError(f"give a whole number in ASCII digits, not {shown(text)}")
    try:
        return int(text)
    except ValueError:  # past Python's 4,300 digits
        raise argparse.ArgumentTypeError(
            f"{shown(text)} has more digits than Python reads (4,300)"
        ) from None


def at_least_one(text: str) -> int:
    """argparse's `type` for a count of runs, requests or seconds: 1 or more."""
    number = whole_number(text) if WHOLE_NUMBER.fullmatch(text) else 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"give a whole number of 1 or more, not {shown(text)}")
    return number


def at_most(number: int, bound: int, unit: str = "") -> int:
    """`number`, or argparse's error for a `type` when it is past `bound`: "at most
    1,000", "at most 3,600 seconds a page" with `unit`."""
    if number > bound:
        raise argparse.ArgumentTypeError(f"at most {bound:,}{' ' + unit if unit else ''}")
    return number


def command_line_said(argv: list[str], environ) -> str | None:
    """One line for a command line, or a DJANGO_SUPERUSER_ variable (which Django's
    `createsuperuser --noinput` reads), that is not UTF-8; None when all are.

    A shell passes bytes, and Python reads those that are not UTF-8 as lone
    surrogates, which the database, the password hashers and the terminal refuse
    with a traceback, half-way through a command. `manage.py` asks this first, for
    every command, Django's included. The line names the argument's place, not its
    value: it may be a password.
    """
    for place, argument in enumerate(argv[1:], start=2):
        if not is_utf8(argument):
            return f"Error: argument {place} of the command line is not UTF-8: type it again."
    for name in sorted(environ):
        if name.startswith("DJANGO_SUPERUSER_") and not is_utf8(environ[name]):
            return f"Error: {name} is not UTF-8: set it again."
    return None


# What a command says when what was typed at its prompts (a password) is not UTF-8.
TYPED_NOT_UTF8 = "What was typed is not UTF-8: run the command again and type it anew."


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
