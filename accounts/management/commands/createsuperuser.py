"""Django's `createsuperuser`, stopping with one line on a database it cannot use.

Django's prints a notice about unapplied migrations, then a traceback from the
first missing table; this one stops first, as the project's own commands do
(config/commands.py). It takes the place of Django's because `accounts` comes
before `django.contrib.auth` in INSTALLED_APPS.
"""

from django.contrib.auth.management.commands import createsuperuser

from config.commands import DatabaseCommand


class Command(DatabaseCommand, createsuperuser.Command):
    pass
