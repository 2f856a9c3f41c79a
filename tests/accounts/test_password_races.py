"""Password changes and logins while staff change or delete the account.

A password form loads the user at the start of the request, then spends a hash or
two (about half a second each) before it saves: it saved the whole row it had
loaded, so staff's deactivation, demotion or deletion made meanwhile was undone
(a deleted account came back, with its old rights and the new password). The
forms now write the password column alone; an account deleted meanwhile is the
404 page. A login whose account staff deleted meanwhile was a 500.
"""

import threading
import time

import django.contrib.auth.base_user as base_user
import pytest
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.hashers import PBKDF2PasswordHasher, make_password
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.forms import take_password_turn
from tests import threads
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

NEW = "a-new-Long-pass-1"
REVOKED = {"is_active": False, "is_staff": False, "is_superuser": False}


def meanwhile(monkeypatch, target, what: str, alias: str) -> None:
    """Staff revoke `target`'s rights, or delete it, while its new password is
    hashed: in a request of their own (`alias`, a second connection, committed at
    once), as the admin's password page saves in a transaction of its own."""
    hashed = AbstractBaseUser.set_password

    def set_password(self, raw_password):
        hashed(self, raw_password)
        if self.pk == target.pk:
            rows = type(self).objects.using(alias).filter(pk=self.pk)
            rows.update(**REVOKED) if what == "revoked" else rows.delete()

    monkeypatch.setattr(AbstractBaseUser, "set_password", set_password)


def own_change(client, url):
    user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(user)
    data = {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW}
    return user, lambda: client.post(url, data)


def reset_link(client, _):
    user = UserFactory(email="grace@example.com")
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    link = f"/accounts/reset/{uid}/{default_token_generator.make_token(user)}/"
    form_url = client.get(link)["Location"]
    return user, lambda: client.post(form_url, {"new_password1": NEW, "new_password2": NEW})


def staff_set(client, _):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    user = UserFactory(is_staff=True, is_superuser=True)
    data = {"password1": NEW, "password2": NEW, "usable_password": "true"}
    return user, lambda: client.post(f"/admin/auth/user/{user.pk}/password/", data)


PAGES = {
    "the site's password change": (own_change, "/accounts/password_change/"),
    "the admin's password change": (own_change, "/admin/password_change/"),
    "a reset link": (reset_link, None),
    "staff setting another's password": (staff_set, None),
}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("page", PAGES)
def test_a_password_set_while_staff_revoke_the_account_leaves_it_revoked(
    client, monkeypatch, page, second_alias
):
    make, url = PAGES[page]
    user, post = make(client, url)
    meanwhile(monkeypatch, user, "revoked", second_alias)
    assert post().status_code == 302
    user.refresh_from_db()
    assert (user.is_active, user.is_staff, user.is_superuser) == (False, False, False)
    assert user.check_password(NEW)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("page", PAGES)
def test_a_password_set_while_staff_delete_the_account_brings_nothing_back(
    client, monkeypatch, page, second_alias
):
    make, url = PAGES[page]
    user, post = make(client, url)
    meanwhile(monkeypatch, user, "deleted", second_alias)
    client.raise_request_exception = False
    assert post().status_code == 404
    assert not type(user).objects.filter(pk=user.pk).exists()


def test_a_login_while_staff_delete_the_account_is_no_500(client, monkeypatch):
    user = UserFactory()
    checked = AbstractBaseUser.check_password

    def deleted_meanwhile(self, raw_password):
        answer = checked(self, raw_password)
        type(self).objects.filter(pk=self.pk).delete()
        return answer

    monkeypatch.setattr(AbstractBaseUser, "check_password", deleted_meanwhile)
    client.raise_request_exception = False
    response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/accounts/profile/").status_code == 302  # logged in as nobody


@pytest.fixture
def auth_ready_first():
    """django.contrib.auth's receivers connected before this app's, as a fork that lists
    it before `accounts` in INSTALLED_APPS has them; then the project's again."""
    from django.apps import apps
    from django.contrib.auth.models import update_last_login
    from django.contrib.auth.signals import user_logged_in

    accounts = apps.get_app_config("accounts")
    user_logged_in.disconnect(dispatch_uid="update_last_login")
    user_logged_in.connect(update_last_login, dispatch_uid="update_last_login")
    accounts.ready()
    yield
    user_logged_in.disconnect(dispatch_uid="update_last_login")
    accounts.ready()


def test_a_user_model_without_last_login_gets_no_receiver_as_with_django(monkeypatch):
    """Django connects update_last_login only for a user model whose last_login is a
    field; ours replaced it whatever the model, and a fork's model without the field
    would have been a 500 at every login."""
    from django.apps import apps
    from django.contrib.auth.signals import user_logged_in
    from django.test.utils import isolate_apps

    with isolate_apps("accounts"):  # out of the project's registry and migrations

        class NoLastLogin(AbstractBaseUser):
            last_login = None

            class Meta:
                app_label = "accounts"

    def receivers():
        return [key for key, *_ in user_logged_in.receivers if key[0] == "update_last_login"]

    assert receivers()  # the project's model: recorded
    monkeypatch.setattr("accounts.apps.get_user_model", lambda: NoLastLogin)
    try:
        apps.get_app_config("accounts").ready()
        assert receivers() == []
    finally:
        monkeypatch.undo()
        apps.get_app_config("accounts").ready()
    assert receivers()


def test_a_login_while_staff_delete_the_account_is_no_500_whichever_app_is_ready_first(
    client, monkeypatch, auth_ready_first
):
    """The login's time is written by this project's receiver, which replaces Django's
    under its dispatch_uid: it held only while `accounts` came first in INSTALLED_APPS."""
    test_a_login_while_staff_delete_the_account_is_no_500(client, monkeypatch)


@pytest.fixture
def an_old_hash_deleted_while_checked(settings, monkeypatch):
    """An account whose stored hash Django upgrades at its next password check (a
    Django release raises PBKDF2's work), deleted by staff while it is checked."""
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
    user = UserFactory(is_staff=True, is_superuser=True)
    old = PBKDF2PasswordHasher().encode(PASSWORD, "somesalt", iterations=1000)
    type(user).objects.filter(pk=user.pk).update(password=old)
    checked = base_user.check_password

    def deleted_meanwhile(raw_password, encoded, setter=None, preferred="default"):
        type(user).objects.filter(pk=user.pk).delete()
        return checked(raw_password, encoded, setter, preferred)

    monkeypatch.setattr(base_user, "check_password", deleted_meanwhile)
    user.refresh_from_db()
    return user


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("url", ["/accounts/login/", "/admin/login/"])
def test_a_login_whose_hash_is_upgraded_while_staff_delete_the_account_fails_cleanly(
    client, an_old_hash_deleted_while_checked, url
):
    """Django saves the upgraded hash of a password it just checked: "did not affect
    any rows" for a deleted account, a 500."""
    user = an_old_hash_deleted_while_checked
    response = client.post(url, {"username": user.username, "password": PASSWORD})
    assert response.status_code == 200
    assert "correct username and password" in response.content.decode()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("url", ["/accounts/password_change/", "/admin/password_change/"])
def test_an_old_password_check_whose_hash_is_upgraded_while_staff_delete_it_is_a_404(
    client, an_old_hash_deleted_while_checked, url
):
    client.force_login(an_old_hash_deleted_while_checked)
    client.raise_request_exception = False
    data = {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW}
    assert client.post(url, data).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_staff_setting_a_password_while_a_reset_link_writes_one_write_theirs_last(client):
    """A reset link's use checks the link and writes the password in the account's turn.
    Staff setting the password meanwhile (a compromised account, whose link an attacker
    holds) wrote theirs first, and the link's then stood over it."""
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    user = UserFactory(is_staff=True)
    started, release = threading.Event(), threading.Event()

    def reset_in_flight():
        with transaction.atomic():
            take_password_turn(user)
            started.set()
            time.sleep(0.5)  # the new password hashed
            type(user).objects.filter(pk=user.pk).update(password=make_password("from-the-link"))

    data = {"password1": NEW, "password2": NEW, "usable_password": "true"}
    with threads.meanwhile(reset_in_flight, started, release):
        assert client.post(f"/admin/auth/user/{user.pk}/password/", data).status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("url", ["/accounts/password_change/", "/admin/password_change/"])
def test_a_change_whose_current_password_staff_set_meanwhile_is_refused(
    client, monkeypatch, second_alias, url
):
    """Whoever holds a session (an attacker) changed the password with the current one,
    checked before staff set a new one and written after: the change's password
    stood, and the session with it. Checked again in the account's turn, the change
    is refused, and staff's password stands."""
    user = UserFactory(is_staff=True)
    client.force_login(user)
    hashed = AbstractBaseUser.set_password

    def staff_set_it_meanwhile(self, raw_password):
        hashed(self, raw_password)
        if self.pk == user.pk:
            rows = type(self).objects.using(second_alias).filter(pk=self.pk)
            rows.update(password=make_password("set-by-staff-7"))

    monkeypatch.setattr(AbstractBaseUser, "set_password", staff_set_it_meanwhile)
    data = {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW}
    refused = client.post(url, data)
    monkeypatch.undo()
    assert refused.status_code == 200
    assert "changed meanwhile" in refused.content.decode()
    user.refresh_from_db()
    assert user.check_password("set-by-staff-7")
