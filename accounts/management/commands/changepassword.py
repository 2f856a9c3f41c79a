"""Django's `changepassword`, stopping with one line on a database it cannot use
(see createsuperuser.py beside it)."""

from django.contrib.auth.management.commands import changepassword

from config.commands import DatabaseCommand


class Command(DatabaseCommand, changepassword.Command):
    pass
