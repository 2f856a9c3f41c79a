import importlib
import io

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.db import DataError, transaction

from accounts.models import Profile
from accounts.profiles import create_user_with_profile
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_create_user_gets_a_profile():
    user = User.objects.create_user(username="ada", password="x")
    assert Profile.objects.get(user=user).display_name == ""


def test_createsuperuser_gets_a_profile(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-enough-password")
    call_command(
        "createsuperuser", "--noinput", username="root", email="root@example.com", verbosity=0
    )
    assert Profile.objects.filter(user__username="root", user__is_superuser=True).exists()


def test_createsuperuser_with_an_address_too_long_once_lowercased_says_so(monkeypatch):
    """Django checks the address's 254 characters, then lowercases its domain, where
    "İ" becomes two: the insert failed with a DataError traceback. Like the site's
    and the admin's forms (accounts/forms.py), the command now checks what is stored."""
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-enough-password")
    # A savepoint, as the command's own statement is outside a transaction there.
    with pytest.raises(CommandError, match="at most 254 characters"), transaction.atomic():
        call_command(
            "createsuperuser", "--noinput", username="root", email="a" * 248 + "@\u0130.com"
        )
    assert not User.objects.filter(username="root").exists()


def superuser_named(monkeypatch, name: str, given_as: str) -> None:
    """`createsuperuser --noinput` with `name` as its --username option or in
    DJANGO_SUPERUSER_USERNAME."""
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-enough-password")
    options = {"email": "r@example.com"}
    if given_as == "option":
        options["username"] = name
    else:
        monkeypatch.setenv("DJANGO_SUPERUSER_USERNAME", name)
    call_command("createsuperuser", "--noinput", **options)


@pytest.mark.parametrize("name", ["Root", "\uff32\uff2f\uff2f\uff34"])  # full-width letters
@pytest.mark.parametrize("given_as", ["option", "environment"])
def test_createsuperuser_refuses_a_username_taken_in_another_case(monkeypatch, given_as, name):
    """It checked the exact name only, and made "Root" beside "root"; NFKC makes the
    full-width name ROOT when it is stored."""
    UserFactory(username="root")
    with pytest.raises(CommandError, match="already taken in another case"):
        superuser_named(monkeypatch, name, given_as)
    assert list(User.objects.values_list("username", flat=True)) == ["root"]


@pytest.mark.parametrize("name", ["\u3164", "\uffa0\uffa0"])
@pytest.mark.parametrize("given_as", ["option", "environment"])
def test_createsuperuser_refuses_a_username_that_shows_nothing(monkeypatch, given_as, name):
    """As signup and the admin refuse it (config/names.py): Django's validator takes a
    Hangul filler for a letter."""
    with pytest.raises(CommandError, match="shows nothing"):
        superuser_named(monkeypatch, name, given_as)
    assert not User.objects.exists()


def test_createsuperuser_calls_a_name_stored_as_another_taken_not_another_case(monkeypatch):
    """Full-width root is root once stored: the same name, not another case."""
    UserFactory(username="root")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-enough-password")
    name = "\uff52\uff4f\uff4f\uff54"
    with pytest.raises(CommandError, match=r"That username is already taken\.$"):
        call_command("createsuperuser", "--noinput", username=name, email="r@example.com")


def test_createsuperuser_asks_again_for_a_username_taken_in_another_case(monkeypatch):
    UserFactory(username="root")
    answers = iter(["ROOT", "boss", "boss@example.com"])
    monkeypatch.setattr("builtins.input", lambda prompt="": next(answers))
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "a-long-enough-password-7")
    errors = io.StringIO()
    call_command("createsuperuser", stdin=Terminal(), stdout=io.StringIO(), stderr=errors)
    assert "Error: That username is already taken in another case." in errors.getvalue()
    assert User.objects.get(username="boss").is_superuser


# Addresses Django's own check takes and mail cannot reach, or reaches at another
# domain (accounts/addresses.py addressable): the Kelvin sign before the @, a domain
# the IDNA codec refuses, and ß, a soft hyphen and a full-width letter, which it
# rewrites as another domain.
UNADDRESSABLE = [
    "\u212a@example.com",
    "root@ex\ufffdample.com",
    "root@fa\u00df.de",
    "root@exam\u00adple.com",
    "root@\uff45xample.com",
]


@pytest.mark.parametrize("email", UNADDRESSABLE)
@pytest.mark.parametrize("given_as", ["option", "environment"])
def test_createsuperuser_refuses_an_address_mail_cannot_reach(monkeypatch, email, given_as):
    """The signup and admin forms refuse these; the command took them, and the
    superuser's password reset mail could never be sent."""
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-enough-password")
    options = {"username": "root"}
    if given_as == "option":
        options["email"] = email
    else:
        monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", email)
    with pytest.raises(CommandError, match="Mail cannot be sent to this address"):
        call_command("createsuperuser", "--noinput", **options)
    assert not User.objects.filter(username="root").exists()


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_createsuperuser_asks_again_for_an_address_mail_cannot_reach(monkeypatch):
    """Asked at the prompt, an unreachable address is an error and the question again."""
    answers = iter(["root", UNADDRESSABLE[0], "root@example.com"])
    monkeypatch.setattr("builtins.input", lambda prompt="": next(answers))
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "a-long-enough-password-7")
    errors = io.StringIO()
    call_command("createsuperuser", stdin=Terminal(), stdout=io.StringIO(), stderr=errors)
    assert "Error: Mail cannot be sent to this address" in errors.getvalue()
    assert User.objects.get(username="root").email == "root@example.com"


@pytest.mark.parametrize("interactive", [True, False])
def test_createsuperuser_refuses_an_unreachable_address_given_with_the_prompt_too(
    monkeypatch, interactive
):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-enough-password")
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "a-long-enough-password-7")
    with pytest.raises(CommandError, match="Mail cannot be sent to this address"):
        call_command(
            "createsuperuser",
            username="root",
            email=UNADDRESSABLE[2],
            interactive=interactive,
            stdin=Terminal(),
            stdout=io.StringIO(),
        )
    assert not User.objects.filter(username="root").exists()


def test_createsuperuser_keeps_an_international_address_mail_reaches(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-enough-password")
    call_command(
        "createsuperuser",
        "--noinput",
        username="root",
        email="root@b\u00fccher.example",
        verbosity=0,
    )
    assert User.objects.get(username="root").email == "root@b\u00fccher.example"


def test_changepassword_still_changes_a_password(monkeypatch):
    """accounts/ replaces Django's command with one that checks the database first."""
    user = UserFactory(username="ada")
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "a-new-long-password-9")
    call_command("changepassword", "ada", stdout=io.StringIO())
    user.refresh_from_db()
    assert user.check_password("a-new-long-password-9")


def test_admin_add_user_gets_a_profile_and_its_change_page_edits_it(client):
    client.force_login(User.objects.create_superuser("admin", "admin@example.com", "pw"))
    # No profile form on the add page: saving the user creates the profile.
    assert b"profile-0-display_name" not in client.get("/admin/auth/user/add/").content
    response = client.post(
        "/admin/auth/user/add/",
        {
            "username": "grace",
            "password1": "a-long-enough-password",
            "password2": "a-long-enough-password",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302, response.content
    grace = User.objects.get(username="grace")
    page = client.get(f"/admin/auth/user/{grace.pk}/change/")
    assert b'name="profile-0-display_name"' in page.content
    assert Profile.objects.filter(user=grace).count() == 1


def test_fixture_loading_does_not_create_profiles():
    user = User(username="loaded")
    user.save_base(raw=True)
    assert not Profile.objects.filter(user=user).exists()


def test_data_migration_gives_existing_users_a_profile():
    # bulk_create sends no signals: users as they were before the app existed.
    User.objects.bulk_create([User(username="old1"), User(username="old2")])
    kept = UserFactory(profile__display_name="Kept")
    migration = importlib.import_module("accounts.migrations.0002_profiles_for_existing_users")
    migration.create_missing_profiles(apps, None)
    assert Profile.objects.filter(user__username__in=["old1", "old2"]).count() == 2
    assert Profile.objects.get(user=kept).display_name == "Kept"


def test_signup_writes_user_and_profile_together():
    user = create_user_with_profile(
        username="ada", email="ada@example.com", password="pw", display_name="Ada L."
    )
    user.refresh_from_db()
    assert user.profile.display_name == "Ada L."
    assert user.check_password("pw")


def test_signup_without_a_display_name_shows_the_username():
    user = create_user_with_profile(username="grace", email="g@example.com", password="pw")
    assert Profile.objects.get(user=user).display_name == ""
    assert user.profile.name == "grace"


def test_signup_that_fails_halfway_writes_nothing():
    with pytest.raises(DataError):
        create_user_with_profile(
            username="ada", email="ada@example.com", password="pw", display_name="x" * 101
        )
    assert not User.objects.filter(username="ada").exists()
    assert not Profile.objects.exists()
