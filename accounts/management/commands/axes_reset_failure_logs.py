"""django-axes' `axes_reset_failure_logs`, with the checks of `axes_reset_logs`
beside it: one line on a database it cannot use and on an `--age` it cannot take."""

from axes.management.commands import axes_reset_failure_logs

from accounts.management.commands.axes_reset_logs import (
    age_in_ascii_digits,
    refuse_an_age_it_cannot_take,
)
from config.commands import DatabaseCommand


class Command(DatabaseCommand, axes_reset_failure_logs.Command):
    def add_arguments(self, parser):
        super().add_arguments(parser)
        age_in_ascii_digits(parser)

    def handle(self, *args, **options):
        refuse_an_age_it_cannot_take(options["age"])
        return super().handle(*args, **options)
