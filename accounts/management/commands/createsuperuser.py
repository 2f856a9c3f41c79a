"""Django's `createsuperuser`, stopping with one line on a database it cannot use.

Django's prints a notice about unapplied migrations, then a traceback from the
first missing table; this one stops first, as the project's own commands do
(config/commands.py). It takes the place of Django's because `accounts` comes
before `django.contrib.auth` in INSTALLED_APPS.

A value the database refuses is one line too. Django checks an e-mail address's
254 characters and then lowercases its domain, where "İ" becomes two: the
insert failed with a traceback (the site's forms check the stored form,
accounts/forms.py NormalizedEmail).
"""

from django.contrib.auth.management.commands import createsuperuser
from django.core.management import CommandError
from django.db import DataError

from config.commands import DatabaseCommand


class Command(DatabaseCommand, createsuperuser.Command):
    def handle(self, *args, **options):
        try:
            return super().handle(*args, **options)
        except DataError as error:
            reason = (str(error).strip().splitlines() or [repr(error)])[0]
            raise CommandError(
                f"The database refused a value: {reason}. An e-mail address counts as "
                "Django stores it, its domain in lower case: at most 254 characters."
            ) from error
