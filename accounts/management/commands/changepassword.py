"""Django's `changepassword`, stopping with one line on a database it cannot use
(see createsuperuser.py beside it), and on a password typed with a byte that is not
UTF-8, which the password hasher refused with a traceback."""

from django.contrib.auth.management.commands import changepassword
from django.core.management import CommandError

from config.commands import TYPED_NOT_UTF8, DatabaseCommand


class Command(DatabaseCommand, changepassword.Command):
    def handle(self, *args, **options):
        try:
            return super().handle(*args, **options)
        except UnicodeError as error:
            raise CommandError(TYPED_NOT_UTF8) from error
