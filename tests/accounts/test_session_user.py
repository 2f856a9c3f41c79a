"""The session read with its user in one statement (accounts/profile_auth/sessions.py):
the user is taken from the join only for the request whose session read it, only
when it is the user the session's data names, and Django still checks it."""

import pytest
from django.contrib.sessions.backends.db import SessionStore as DjangosStore
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client

from accounts.profile_auth.backends import ProfileModelBackend
from accounts.profile_auth.models import Session
from config.querylog import record
from config.security.sessions import SessionStore
from tests.factories import PASSWORD, CompanyFactory, UserFactory

pytestmark = pytest.mark.django_db
OURS = "accounts.profile_auth.backends.ProfileModelBackend"


def session_row(client) -> Session:
    return Session.objects.get(session_key=client.cookies["sessionid"].value)


def test_a_login_writes_the_user_into_the_sessions_row_and_a_logout_removes_the_row(client):
    user = UserFactory()
    login = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert login.status_code == 302
    row = session_row(client)
    assert row.user_id == user.pk
    client.post("/accounts/logout/")
    assert not Session.objects.filter(pk=row.pk).exists()


def test_another_login_in_the_same_browser_moves_the_row_to_that_user(client):
    first, second = UserFactory(), UserFactory()
    client.force_login(first)
    client.force_login(second)  # Django's login() in a session of another user
    assert session_row(client).user_id == second.pk
    assert client.get("/accounts/profile/").context["user"] == second


def test_a_session_without_a_login_keeps_no_user():
    store = SessionStore()
    store["cart"] = [1, 2]
    store.create()
    assert Session.objects.get(pk=store.session_key).user_id is None


def test_a_password_changed_elsewhere_still_logs_the_session_out(client):
    """Django checks the session's password hash against the user the join read."""
    user = UserFactory()
    client.force_login(user)
    user.set_password("a-new-passphrase-for-this")
    user.save()
    response = client.get("/accounts/profile/")
    assert response.status_code == 302
    assert not Session.objects.filter(user_id=user.pk).exists()


def test_a_deleted_user_is_logged_out_and_a_session_saved_after_is_no_error(client):
    user = UserFactory()
    client.force_login(user)
    other = Client()
    other.force_login(user)
    user.delete()
    assert client.get("/accounts/profile/").status_code == 302
    # No constraint on the column: a session naming a user gone still saves.
    session = other.session
    session["seen"] = True
    session.save()
    assert other.get("/").status_code == 200


def test_a_column_naming_another_user_is_not_trusted(client):
    """The column is a hint: the data's user is the one logged in, read on its own."""
    ada, eve = UserFactory(username="ada"), UserFactory(username="eve")
    client.force_login(ada)
    Session.objects.filter(user_id=ada.pk).update(user_id=eve.pk)
    with record() as log:
        response = client.get("/accounts/profile/")
    assert response.context["user"] == ada
    assert b"<h1>ada</h1>" in response.content
    assert log.count == 2  # the session (with eve joined, unused), then ada on her own


def test_the_user_read_with_a_session_is_not_handed_to_a_later_lookup(client):
    """Outside the request that read it, the backend runs its own statement: a
    renamed user is read as it is now."""
    user = UserFactory(profile__company=CompanyFactory(name="Acme Tools"))
    client.force_login(user)
    assert client.get("/accounts/profile/").status_code == 200
    type(user).objects.filter(pk=user.pk).update(username="renamed")
    with record() as log:
        loaded = ProfileModelBackend().get_user(user.pk)
    assert loaded.username == "renamed"
    assert log.count == 1


class FilteredBackend(ProfileModelBackend):
    def users(self):
        return super().users().filter(is_staff=False)


def test_a_backend_with_a_query_of_its_own_runs_it(client, settings):
    """The join gives the user the unit's query would; an override's may differ."""
    settings.AUTHENTICATION_BACKENDS = [f"{__name__}.FilteredBackend"]
    staff = UserFactory(is_staff=True)
    client.force_login(staff, backend=f"{__name__}.FilteredBackend")
    with record() as log:
        response = client.get("/accounts/profile/")
    assert response.status_code == 302  # the override refuses staff
    assert log.count == 2


def migrate(target):
    executor = MigrationExecutor(connection)
    executor.migrate([target])
    return executor.loader.project_state([target]).apps


def test_switching_engines_logs_nobody_out(settings):
    """The migration copies Django's table, each row with the user its data names."""
    user = UserFactory(profile__company=CompanyFactory(name="Acme Tools"))
    migrate(("profile_auth", "0001_initial"))
    Session.objects.all().delete()
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"
    before = Client()
    before.force_login(user)  # a login in Django's own table
    anonymous = DjangosStore()
    anonymous["cart"] = [2]
    anonymous.create()

    migrate(("profile_auth", "0002_sessions_from_djangos_table"))
    settings.SESSION_ENGINE = "config.security.sessions"

    assert dict(Session.objects.values_list("session_key", "user_id")) == {
        before.cookies["sessionid"].value: user.pk,
        anonymous.session_key: None,
    }
    with record() as log:
        response = before.get("/accounts/profile/")
    assert b"Acme Tools" in response.content
    assert log.count == 1
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
