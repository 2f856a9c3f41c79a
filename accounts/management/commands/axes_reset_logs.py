"""django-axes' `axes_reset_logs`, the daily Scheduler job of docs/production.md
(and `axes_reset_failure_logs` beside it, for the failure log where it is on),
stopping with one line on a database it cannot use (config/commands.py) and on
an `--age` it cannot take: a negative one removed every record, the newest too,
and one reaching back before the year 1 was an OverflowError traceback. It takes
the place of axes' own because `accounts` comes before `axes` in INSTALLED_APPS.
"""

from datetime import timedelta

from axes.management.commands import axes_reset_logs
from django.core.management.base import CommandError
from django.utils import timezone

from config.commands import DatabaseCommand, whole_number
from config.env import shown


class Command(DatabaseCommand, axes_reset_logs.Command):
    def add_arguments(self, parser):
        super().add_arguments(parser)
        age_in_ascii_digits(parser)

    def handle(self, *args, **options):
        refuse_an_age_it_cannot_take(options["age"])
        return super().handle(*args, **options)


def age_in_ascii_digits(parser) -> None:
    """django-axes reads --age with int(), which takes "١٢" and "1_0" (config/commands.py)."""
    for action in parser._actions:
        if action.dest == "age":
            action.type = whole_number


def refuse_an_age_it_cannot_take(age: int) -> None:
    """CommandError for an --age of days django-axes' reset commands cannot take."""
    if age < 0:
        raise CommandError(
            f"--age is a number of days, 0 or more (0 removes every record): got {_shown(age)}."
        )
    try:
        timezone.now() - timedelta(days=age)
    except OverflowError:
        raise CommandError(
            f"--age {_shown(age)} reaches back before the year 1: give fewer days."
        ) from None


def _shown(age: int) -> str:
    """The number as typed, or its first 40 digits and length should it be longer."""
    return str(age) if len(str(age)) <= 40 else shown(str(age))
