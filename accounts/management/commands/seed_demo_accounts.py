"""`manage.py seed_demo_accounts`: demo companies, a staff login and a member login.

Creates what is missing (accounts/demo_accounts.py) and prints both logins on
every run, so the demo can show them at start. In development the passwords are
the fixed, public DEV_PASSWORDS, on a database on this machine; on another
machine's (a `.env` may name the app's own), random ones, printed once. Outside
development a known password would be an
open door, so the command refuses unless the operator gives the passwords
(`--staff-password`, `--member-password`) or asks for random ones
(`--random-passwords`, printed once, when the accounts are created); given ones,
wherever the database is, must pass the site's password validators, as for
createsuperuser. An existing account is never changed: if its password is no
longer the one given, the command says so instead of printing a stale password,
and if it still opens with its public development password where another was
asked for (outside development, on another machine's database, or given or
random passwords on this machine's, which a tunnel also is), it names the
account, writes nothing (an account it would have created is not, and no
password is printed) and exits 1.
"""

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.db import connections, router, transaction

from accounts.demo_accounts import (
    MEMBER_USERNAME,
    STAFF_USERNAME,
    DemoLogin,
    ensure_demo_accounts,
    opens_with,
)
from config import env
from config.commands import DatabaseCommand

DEV_PASSWORDS = {"staff": "demo-staff-password", "member": "demo-member-password"}
# Their hashes, made once with Django 5.2's hasher and a fixed salt (a salt protects
# nothing for a published password; this one is at least as long as Django's 22
# characters, or a login would replace it): the demo's accounts get these, and each start
# tells they still have these passwords by comparing strings, not by about a second
# of PBKDF2 per account (accounts/demo_accounts.py). A Django whose hasher works
# harder hashes as usual; tests/accounts/test_demo_accounts.py says to make them again.
DEV_PASSWORD_HASHES = {
    "demo-staff-password": (
        "pbkdf2_sha256$1000000$publicdemostaffpassword$KvqJODVR9NXkuqTtIxjSIdqrVHMDSgqzOEybr+QChrw="
    ),
    "demo-member-password": (
        "pbkdf2_sha256$1000000$publicdemomemberpassword$EQrq3wV/4JrSBgCWPEa60GRoZdr2n618oD0UnTxU4/Y="
    ),
}
WHAT = {
    "staff": "staff: media versions in the admin, the S3 tour's demonstration",
    "member": "member: a profile with a company, loaded in one query",
}


def database_host() -> str | None:
    """Where libpq connects for the accounts' database, or None when it is on this
    machine (config/env.py libpq_elsewhere)."""
    database = connections[router.db_for_write(get_user_model())].settings_dict
    return env.libpq_elsewhere(database.get("HOST") or "", database.get("OPTIONS") or {})


def random_password() -> str:
    """96 random bits as 24 hex digits: a value to type back after `--staff-password`
    as it is printed. (A base64 one starts with "-" one time in 64, which argparse
    reads as an option.) Never all decimal digits, one time in about 76,000, which
    the password validators refuse when it is typed back."""
    while (password := secrets.token_hex(12)).isdecimal():
        pass
    return password


class Command(DatabaseCommand):
    help = "Create demo companies, a staff account and a member account if missing; print them."

    def add_arguments(self, parser):
        parser.add_argument("--staff-password", help="password of a new staff account")
        parser.add_argument("--member-password", help="password of a new member account")
        parser.add_argument(
            "--random-passwords",
            action="store_true",
            help="random passwords for new accounts (printed once, when they are created)",
        )

    def handle(self, *args, staff_password, member_password, random_passwords, **options):
        typed = {"staff": staff_password, "member": member_password}
        given = dict(typed)
        if random_passwords and any(given.values()):
            raise CommandError("Give passwords or --random-passwords, not both.")
        if random_passwords:
            given = {role: random_password() for role in given}
        elif not all(given.values()):
            if not settings.DEVELOPMENT:
                raise CommandError(
                    "Outside development the demo accounts need passwords: pass "
                    "--staff-password and --member-password, or --random-passwords. "
                    "The fixed development passwords are public."
                )
            if (host := database_host()) is None:
                given = {role: given[role] or DEV_PASSWORDS[role] for role in given}
            else:
                self.stdout.write(
                    f"The database is not on this machine ({host}): new accounts get "
                    "random passwords, not the public development ones."
                )
                random_passwords = True
                given = {role: given[role] or random_password() for role in given}
        # The roles whose public development password is the rule: in development, on
        # this machine's database, when no other password was asked for.
        public_rule = set()
        if settings.DEVELOPMENT and database_host() is None:
            public_rule = {role for role in given if not (random_passwords or typed[role])}
        # A password typed in passes the site's validators wherever the database is:
        # on this machine's too, which a tunnel to another machine's also is.
        self.check_given({role: password for role, password in typed.items() if password})
        with transaction.atomic(using=router.db_for_write(get_user_model())):
            logins = ensure_demo_accounts(
                staff_password=given["staff"],
                member_password=given["member"],
                known_hashes=DEV_PASSWORD_HASHES,
            )
            # An account whose password was asked for (random or typed) and that still
            # opens with its public one is named, wherever the database is: a tunnel
            # to another machine's (an SSH tunnel, cloud-sql-proxy) is a loopback address.
            public = {
                login.username
                for login in logins
                if login.role not in public_rule and self.still_public(login)
            }
            # Then nothing is written: an account this run would create is not, and
            # its password is never printed.
            transaction.set_rollback(bool(public))
        self.stdout.write(
            f"Demo logins (log in at /accounts/login/; admin at /{settings.ADMIN_URL}):"
        )
        for login in logins:
            self.stdout.write(f"  {WHAT[login.role]}")
            chosen = typed[login.role]
            if login.username in public:
                line = f"username {login.username}  password still the public development one"
            elif public and login.created:
                line = f"username {login.username}: not created (this run writes nothing)"
            else:
                line = self.describe(login, random_passwords, bool(chosen))
            self.stdout.write(f"    {line}")
        if public:
            raise CommandError(
                " ".join(
                    f"{username} still has its public development password: anyone can log "
                    f"in as it. Change it: manage.py changepassword {username}"
                    for username in sorted(public)
                )
            )

    @staticmethod
    def still_public(login: DemoLogin) -> bool:
        """Whether an existing demo account opens with its public development
        password (a database seeded in development, then run live or asked for
        other passwords): asked wherever that password is not the rule."""
        if login.password is not None:  # it opens with the one given
            return False
        # Whether or not it is still the demo's: an operator may have made it a
        # superuser, taken it out of its group; it opens with the published password.
        return opens_with(login.username, DEV_PASSWORDS[login.role], DEV_PASSWORD_HASHES)

    @staticmethod
    def check_given(given: dict[str, str]) -> None:
        """Each password given passes the site's validators (AUTH_PASSWORD_VALIDATORS)
        and is none of the public development ones."""
        for role, password in given.items():
            option = f"--{role}-password"
            if password in DEV_PASSWORDS.values():
                raise CommandError(f"{option}: the development passwords are public.")
            username = {"staff": STAFF_USERNAME, "member": MEMBER_USERNAME}[role]
            try:
                validate_password(password, get_user_model()(username=username))
            except ValidationError as error:
                raise CommandError(f"{option}: {' '.join(error.messages)}") from None

    def describe(self, login: DemoLogin, random_passwords: bool, chosen: bool) -> str:
        """`chosen`: the operator gave this account's password on the command line."""
        created = " (created now)" if login.created else ""
        if not login.ready:
            return (
                f"username {login.username}: an account of that name exists but is not "
                "the demo's (left as it is)"
            )
        if login.password is not None:
            company = f", company {login.company}" if login.company else ""
            return f"username {login.username}  password {login.password}{company}{created}"
        if chosen:
            why = "not the one given: the account exists and is left as it is"
        elif random_passwords:
            why = "set when the account was created, not shown again"
        else:
            why = "changed since it was created, not shown"
        return f"username {login.username}  password {why} (reset: manage.py changepassword)"
