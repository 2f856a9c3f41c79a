"""Django's `createsuperuser`, stopping with one line on a database it cannot use.

Django's prints a notice about unapplied migrations, then a traceback from the
first missing table; this one stops first, as the project's own commands do
(config/commands.py). It takes the place of Django's because `accounts` comes
before `django.contrib.auth` in INSTALLED_APPS.

A value the database refuses is one line too. Django checks an e-mail address's
254 characters and then lowercases its domain, where "İ" becomes two: the
insert failed with a traceback (the site's forms check the stored form,
accounts/forms.py NormalizedEmail). So is a password typed with a byte that is not
UTF-8, which the password hasher refused with a traceback.

An address is checked as the site's forms check it: one Django's own check takes
and mail cannot reach, or reaches at another domain (`faß.de` is written
`fass.de`), is refused given with `--email` or DJANGO_SUPERUSER_EMAIL, and asked
again at the prompt. The superuser's password reset mail could never be sent.

A username another account has in another case is refused too, as signup and the
admin refuse it, and so is one the demo keeps for its shared logins (`demo-staff`
in any case): a superuser of that name without an address was taken for the
shared login, whose password the site does not let anyone change. So is one that
shows nothing (a Hangul filler, which Django's validator takes for a letter:
config/names.py).
"""

import os
from contextlib import nullcontext

from django.contrib.auth.management.commands import createsuperuser
from django.core.exceptions import ValidationError
from django.core.management import CommandError
from django.db import DataError, transaction

from accounts import usernames
from accounts.demo_accounts import is_reserved
from accounts.forms import NormalizedEmail
from config.commands import TYPED_NOT_UTF8, DatabaseCommand
from config.names import validate_name


class Command(DatabaseCommand, createsuperuser.Command):
    def handle(self, *args, **options):
        email = self.UserModel.get_email_field_name()
        if email in self.UserModel.REQUIRED_FIELDS:
            # Where Django's command reads it without asking (handle's non-interactive
            # branch reads the option, then the variable; the prompt, the option).
            given = options.get(email)
            if not given and not options["interactive"]:
                given = os.environ.get(f"DJANGO_SUPERUSER_{email.upper()}")
            if given:
                try:
                    NormalizedEmail().clean(given)
                except ValidationError as error:
                    raise CommandError("; ".join(error.messages)) from error
        # Without prompts, in a transaction: the name's lock (accounts/usernames.py)
        # holds to the commit. Not around prompts: a transaction left open while an
        # operator types holds its locks on auth_user, and a release's migration of
        # that table would wait on them, and every page behind it.
        writing = (
            nullcontext()
            if options["interactive"]
            else transaction.atomic(using=options["database"])
        )
        try:
            with writing:
                return super().handle(*args, **options)
        except UnicodeError as error:  # a password typed with a byte that is not UTF-8
            raise CommandError(TYPED_NOT_UTF8) from error
        except DataError as error:
            reason = (str(error).strip().splitlines() or [repr(error)])[0]
            raise CommandError(
                f"The database refused a value: {reason}. An e-mail address counts as "
                "Django stores it, its domain in lower case: at most 254 characters."
            ) from error

    def _validate_username(self, username, verbose_field_name, database):
        """Django's check (taken, blank, invalid), and taken in another case: signup and
        the admin refuse "Root" beside "root", which would stand in every list and log.
        Django's command asks this of a name given, from the environment or typed."""
        error = super()._validate_username(username, verbose_field_name, database)
        if error is not None:  # blank, invalid or taken as it is: Django says which
            return error
        users = self.UserModel._default_manager.db_manager(database)
        # As it is stored: NFKC, so full-width letters are plain ones (as the forms do).
        stored = self.UserModel.normalize_username(username)
        name = self.UserModel.USERNAME_FIELD
        longest = self.UserModel._meta.get_field(name).max_length
        if longest is not None and len(stored) > longest:  # NFKC lengthens some ("ﷺ": 18)
            return (
                f"Error: A {verbose_field_name} may be at most {longest} characters once "
                f"stored, and this one is {len(stored)}."
            )
        if is_reserved(stored):
            return f"Error: That {verbose_field_name} is kept for the demo's shared logins."
        try:  # a Hangul filler, which Django's validator takes for a letter
            validate_name(stored)
        except ValidationError as error:
            return f"Error: {error.messages[0]}"
        taken = set(users.filter(**{f"{name}__iexact": stored}).values_list(name, flat=True))
        taken.update(usernames.taken(users, stored))  # "WEIẞ" beside "weiß" (its module)
        if taken:
            how = "" if stored in taken else " in another case"
            return f"Error: That {verbose_field_name} is already taken{how}."
        return None

    def get_input_data(self, field, message, default=None):
        value = super().get_input_data(field, message, default)
        if value and field.name == self.UserModel.get_email_field_name():
            try:
                NormalizedEmail().clean(value)
            except ValidationError as error:
                self.stderr.write("Error: " + "; ".join(error.messages))
                return None
        return value
