"""A username is one account's in any case, as Unicode folds case, on every path that
names an account: signup, the admin's add and change pages, createsuperuser."""

import io
import sys
import threading

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connections, transaction

from accounts import usernames
from tests.accounts.test_admin import member
from tests.accounts.test_avatar_admin import user_page_data
from tests.accounts.test_signup_login import GOOD

pytestmark = pytest.mark.django_db

User = get_user_model()

# (an account's name, another spelling of it). Django's check asks the database's
# UPPER(), one character at a time in its locale: it passed each of these.
SAME = [
    ("weiß", "WEIẞ"),  # capital sharp s
    ("weiß", "weiss"),  # ß folds to ss
    ("STRAẞE", "strasse"),
    ("ᏣᎳᎩ", "ꮳꮃꭹ"),  # Cherokee folds to its capitals
]
# Names that only look alike stay two names.
OTHERS = [("weiß", "weis"), ("rene", "rené"), ("lin", "lina")]


def names() -> list[str]:
    return sorted(User.objects.values_list("username", flat=True))


@pytest.mark.parametrize(("existing", "given"), SAME)
def test_signup_refuses_a_name_taken_in_another_case(client, existing, given):
    member(existing)
    response = client.post("/accounts/signup/", {**GOOD, "username": given})
    assert response.status_code == 200
    assert "A user with that username already exists." in response.content.decode()
    assert names() == [existing]


@pytest.mark.parametrize(("existing", "given"), SAME)
def test_the_admin_neither_adds_nor_renames_to_a_name_taken_in_another_case(
    admin_client, existing, given
):
    member(existing)
    added = {"username": given, "password1": "x-long-pass-9", "password2": "x-long-pass-9"}
    response = admin_client.post("/admin/auth/user/add/", {**added, "usable_password": "true"})
    assert response.status_code == 200
    assert "A user with that username already exists." in response.content.decode()
    renamed = member("lin")
    data = {**user_page_data(renamed), "username": given}
    response = admin_client.post(f"/admin/auth/user/{renamed.pk}/change/", data)
    assert response.status_code == 200
    assert "A user with that username already exists." in response.content.decode()
    assert names() == sorted([existing, "admin", "lin"])


@pytest.mark.parametrize(("existing", "given"), SAME)
def test_createsuperuser_refuses_a_name_taken_in_another_case(monkeypatch, existing, given):
    member(existing)
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-enough-password")
    with pytest.raises(CommandError, match="already taken in another case"):
        call_command("createsuperuser", "--noinput", username=given, email="r@example.com")
    assert names() == [existing]


@pytest.mark.parametrize("given", ["demo-staff", "Demo-Member", "DEMO-\ufb05aff"])
@pytest.mark.parametrize("email", ["", "owner@example.com"])
def test_createsuperuser_refuses_the_names_kept_for_the_demos_shared_logins(
    monkeypatch, given, email
):
    """Signup and the admin refuse them: a superuser `demo-staff` without an address
    was taken for the shared login (its password could not be changed on the site,
    and the bound on failed logins per account passed it over)."""
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-enough-password")
    with pytest.raises(CommandError, match="kept for the demo's shared logins"):
        call_command("createsuperuser", "--noinput", username=given, email=email)
    assert names() == []


@pytest.mark.parametrize(("existing", "given"), OTHERS)
def test_names_that_only_look_alike_are_two_names(client, admin_client, existing, given):
    member(existing)
    assert client.post("/accounts/signup/", {**GOOD, "username": given}).status_code == 302
    renamed = member("someone")
    data = {**user_page_data(renamed), "username": given + "2"}
    response = admin_client.post(f"/admin/auth/user/{renamed.pk}/change/", data)
    assert response.status_code == 302
    assert names() == sorted([existing, given, given + "2", "admin"])


@pytest.mark.parametrize(("existing", "given"), SAME)
def test_taken_finds_the_account_among_names_of_the_same_letters(existing, given):
    """The database narrows by the characters of the key, Python compares keys."""
    for decoy in ["weis", "wise", "sew", "strase", "ꮳꮃ", "Ꮳ", "ßß", existing + "x"]:
        if usernames.key(decoy) != usernames.key(given):
            member(decoy)
    member(existing)
    assert usernames.taken(User.objects.all(), given) == [existing]
    assert usernames.taken(User.objects.all(), existing) == [existing]


def test_the_demo_names_are_kept_in_any_case_as_unicode_folds_it():
    from accounts.demo_accounts import is_reserved

    assert is_reserved("DEMO-STAFF")
    assert is_reserved("demo-\ufb05aff")  # the "st" ligature; NFKC makes it "st" too
    assert is_reserved("demo-\u017ftaff")  # long s
    assert not is_reserved("demo-staf")


def test_no_character_past_the_last_one_listed_changes_by_its_key():
    """`taken()` lists only the characters up to LAST_CHANGED: one past it that folds
    or decomposes would go unlisted, and a name holding it unfound."""
    for point in range(sys.maxunicode + 1):
        char = chr(point)
        assert usernames.changed_by_key(char) == (usernames.key(char) != char), hex(point)
        if point > usernames.LAST_CHANGED:
            assert not usernames.changed_by_key(char), hex(point)


@pytest.mark.parametrize(
    ("given", "said"),
    [("", "cannot be blank"), ("]", "Enter a valid username"), ("^\\", "Enter a valid username")],
)
def test_createsuperuser_says_what_django_says_of_a_name_it_refuses(monkeypatch, given, said):
    """The case check ran on names Django had refused already, and one of no
    characters a bracket expression may hold was a database error."""
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-enough-password")
    with pytest.raises(CommandError, match=said):
        call_command("createsuperuser", "--noinput", username=given, email="r@example.com")


@pytest.mark.parametrize("name", ["", "]", "^", "\\", "]^\\"])
def test_taken_of_a_name_no_account_may_have_is_nobody(name):
    member("lin")
    assert usernames.taken(User.objects.all(), name) == []


def test_createsuperuser_refuses_a_name_longer_than_the_field_once_stored(monkeypatch):
    """NFKC makes "ﷺ" 18 characters: nine of them passed Django's check, and the
    insert failed with the message written for e-mail addresses."""
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-enough-password")
    said = "at most 150 characters once stored, and this one is 162"
    with pytest.raises(CommandError, match=said):
        call_command("createsuperuser", "--noinput", username="\ufdfa" * 9, email="r@example.com")
    assert names() == []


def signup(name: str) -> None:
    from accounts.profiles import create_user_with_profile

    create_user_with_profile(username=name, email="b@example.com", password=None)


def superuser(name: str) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-enough-password")
        call_command(
            "createsuperuser", "--noinput", username=name, email="b@example.com", verbosity=0
        )


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("second_by", [signup, superuser], ids=["signup", "createsuperuser"])
@pytest.mark.parametrize(
    ("first", "second"),
    [("Root", "root"), ("weiß", "WEISS"), ("lin", "lin"), ("lin", "l\u0131n")],
)
def test_two_accounts_made_at_once_under_one_name_in_any_case_are_one(first, second, second_by):
    """The forms ask `taken()` (and Django's iexact) before they write, and see only
    what is committed: a signup of `root` while another of `Root` was being written
    made both (two requests at once, a double click). Each write now takes a lock
    on the name's key and on its UPPER() for its transaction, and looks again once
    it has them; createsuperuser writes in a transaction too."""
    first_written, outcome = threading.Event(), {}

    def second_write():
        first_written.wait()
        try:
            second_by(second)
            outcome["second"] = "made"
        except (IntegrityError, CommandError):
            outcome["second"] = "refused"
        finally:
            connections.close_all()

    racing = threading.Thread(target=second_write)
    racing.start()
    with transaction.atomic():
        signup(first)
        first_written.set()
        racing.join(timeout=1)  # it ends here unless it waits for this transaction
    racing.join()
    assert outcome == {"second": "refused"}
    assert list(get_user_model().objects.values_list("username", flat=True)) == [first]


class TTY:
    def isatty(self):
        return True


@pytest.mark.django_db(transaction=True)
def test_createsuperuser_at_its_prompts_holds_no_transaction_open(monkeypatch):
    """One left open while an operator types holds its locks on auth_user: a
    release migrating that table waited on them, and every page behind it."""
    open_at_prompts = []

    def prompt(*args):
        open_at_prompts.append(connections["default"].in_atomic_block)
        return {0: "rootadmin"}.get(len(open_at_prompts) - 1, "a-long-enough-password")

    monkeypatch.setattr("builtins.input", prompt)
    monkeypatch.setattr("getpass.getpass", prompt)
    call_command("createsuperuser", email="r@example.com", stdin=TTY(), stdout=io.StringIO())
    assert open_at_prompts == [False, False, False]  # the name, the password twice
    assert list(get_user_model().objects.values_list("username", flat=True)) == ["rootadmin"]
