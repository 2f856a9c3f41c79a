import time

import pytest
from asgiref.sync import async_to_sync
from django.contrib.auth import authenticate
from django.contrib.auth.hashers import MD5PasswordHasher
from django.contrib.auth.models import Group, Permission
from django.test import RequestFactory

from accounts.profile_auth.backends import ProfileModelBackend
from config.querylog import record
from tests.factories import PASSWORD, CompanyFactory, ProductFactory, UserFactory

STOCK = "django.contrib.auth.backends.ModelBackend"
OURS = "accounts.profile_auth.backends.ProfileModelBackend"
pytestmark = pytest.mark.django_db
USER_TABLES = ('"auth_user"', '"accounts_profile"', '"accounts_company"')


def user_queries(log):
    """The queries that read the user, its profile or its company (not the session)."""
    return [query for query in log.queries if any(table in query.sql for table in USER_TABLES)]


@pytest.fixture
def member():
    return UserFactory(profile__company=CompanyFactory(name="Acme Tools"))


@pytest.mark.parametrize(
    ("backend", "user_query_count"),
    [(STOCK, 3), (OURS, 1)],
    ids=["django-model-backend", "profile-model-backend"],
)
def test_profile_page_loads_user_profile_and_company(
    client, settings, member, backend, user_query_count
):
    settings.AUTHENTICATION_BACKENDS = [backend]
    client.force_login(member)
    with record() as log:
        response = client.get("/accounts/profile/")
    assert response.status_code == 200
    assert b"Acme Tools" in response.content
    assert len(user_queries(log)) == user_query_count
    # Plus the session lookup, and nothing else.
    assert log.count == user_query_count + 1
    assert '"django_session"' in log.queries[0].sql


@pytest.mark.parametrize(
    ("backend", "user_query_count"),
    [(STOCK, 2), (OURS, 1)],
    ids=["django-model-backend", "profile-model-backend"],
)
def test_home_page_header_shows_the_display_name(client, settings, backend, user_query_count):
    settings.AUTHENTICATION_BACKENDS = [backend]
    ProductFactory()  # the home page also lists the latest products
    client.force_login(UserFactory(profile__display_name="Ada L."))
    with record() as log:
        response = client.get("/")
    assert b"Ada L." in response.content
    assert len(user_queries(log)) == user_query_count
    # + the session, + the latest products and their features (catalog on the home page)
    assert log.count == user_query_count + 1 + 2
    # Then the page's content is kept (catalog/kept.py): the session and the user alone.
    with record() as log:
        assert b"Ada L." in client.get("/").content
    assert log.count == user_query_count + 1


@pytest.mark.parametrize("role", ["superuser", "staff with one permission"])
@pytest.mark.parametrize("page", ["admin:index", "admin:accounts_company_changelist"])
def test_the_admins_pages_make_the_same_queries_with_either_backend(client, settings, role, page):
    """The admin's header is Django's and shows no profile: its pages gain nothing from
    the join (docs/accounts.md says so). Staff without superuser status pay Django's
    two permission lookups a request there, with either backend."""
    from django.urls import reverse

    user = UserFactory(is_staff=True, is_superuser=role == "superuser")
    if role != "superuser":
        user.user_permissions.add(Permission.objects.get(codename="view_company"))
    counts = {}
    for backend in (STOCK, OURS):
        settings.AUTHENTICATION_BACKENDS = [backend]
        client.force_login(user)
        with record() as log:
            assert client.get(reverse(page)).status_code == 200
        counts[backend] = log.queries
        client.logout()
    assert counts[STOCK]
    assert len(counts[STOCK]) == len(counts[OURS])
    permissions = [q for q in counts[OURS] if "auth_permission" in q.sql]
    assert len(permissions) == (0 if role == "superuser" else 2)


def test_one_join_query_whose_user_carries_profile_and_company(member):
    with record() as log:
        user = ProfileModelBackend().get_user(member.pk)
        company_name = user.profile.company.name
        username = user.profile.user.username
    assert (company_name, username) == ("Acme Tools", member.username)
    assert log.count == 1
    assert log.queries[0].sql.count("LEFT OUTER JOIN") == 2


def test_paths_come_from_the_setting(settings, member):
    settings.ACCOUNTS_USER_SELECT_RELATED = ("profile",)
    with record() as log:
        user = ProfileModelBackend().get_user(member.pk)
        assert user.profile.display_name == ""
        assert user.profile.company.name == "Acme Tools"
    assert log.count == 2


def test_an_empty_setting_joins_nothing(settings, member):
    """select_related() without a path follows every foreign key that cannot be
    null: an empty setting, the way to turn the joins off, asked a custom user
    model with one for joins nobody named, on every request."""
    settings.ACCOUNTS_USER_SELECT_RELATED = ()
    assert ProfileModelBackend().users().query.select_related is False
    with record() as log:
        user = ProfileModelBackend().get_user(member.pk)
    assert user == member
    assert log.count == 1
    assert "JOIN" not in log.queries[0].sql


def test_async_lookup_joins_too(member):
    user = async_to_sync(ProfileModelBackend().aget_user)(member.pk)
    with record() as log:
        assert user.profile.company.name == "Acme Tools"
    assert log.count == 0
    assert async_to_sync(ProfileModelBackend().aget_user)(member.pk + 1000) is None


def test_unknown_and_inactive_users_are_not_loaded():
    inactive = UserFactory(is_active=False)
    backend = ProfileModelBackend()
    assert backend.get_user(inactive.pk) is None
    assert backend.get_user(inactive.pk + 1000) is None
    assert async_to_sync(backend.aget_user)(inactive.pk) is None


def login_request():
    """authenticate() gets the request, as login views pass it (django-axes needs it)."""
    return RequestFactory().post("/accounts/login/")


def test_inactive_user_cannot_log_in(client):
    user = UserFactory(is_active=False)
    assert authenticate(login_request(), username=user.username, password=PASSWORD) is None
    response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 200
    assert b"Please enter a correct username and password" in response.content
    assert "_auth_user_id" not in client.session


def test_user_deactivated_after_login_is_logged_out(client):
    user = UserFactory()
    client.force_login(user)
    user.is_active = False
    user.save()
    response = client.get("/accounts/profile/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("new_password", [None, "a-fresh-passphrase-2024"])
def test_a_reactivated_account_gets_its_sessions_back_unless_its_password_changed(
    client, new_password
):
    """As docs/accounts.md says: deactivating refuses an account's sessions, and
    leaves them; a password changed (or made unusable) before reactivating ends them."""
    user = UserFactory()
    client.force_login(user)
    user.is_active = False
    user.save()
    assert client.get("/accounts/profile/").status_code == 302
    if new_password:
        user.set_password(new_password)
    user.is_active = True
    user.save()
    answer = client.get("/accounts/profile/")
    assert answer.status_code == (302 if new_password else 200)


class CountingHasher(MD5PasswordHasher):
    """Counts how often a password is hashed: the work an attacker could time."""

    hashes = 0

    def encode(self, password, salt):
        CountingHasher.hashes += 1
        return super().encode(password, salt)


class SlowHasher(CountingHasher):
    """CountingHasher taking a third of a second a hash, as a real one takes about half:
    requests sent together are all in flight before one has its answer."""

    def encode(self, password, salt):
        time.sleep(0.3)
        return super().encode(password, salt)


def test_unknown_username_costs_the_same_hashing_as_a_wrong_password(settings):
    settings.PASSWORD_HASHERS = [f"{__name__}.CountingHasher"]
    user = UserFactory()
    work = []
    for username in (user.username, "nobody-by-this-name"):
        CountingHasher.hashes = 0
        assert authenticate(login_request(), username=username, password="wrong password") is None
        work.append(CountingHasher.hashes)
    assert work == [1, 1]
    assert authenticate(login_request(), username=user.username, password=PASSWORD) == user


def test_permissions_work_as_with_model_backend():
    group = Group.objects.create(name="editors")
    group.permissions.add(Permission.objects.get(codename="change_company"))
    user = UserFactory()
    user.groups.add(group)
    loaded = ProfileModelBackend().get_user(user.pk)
    assert loaded.has_perm("accounts.change_company")
    assert not loaded.has_perm("accounts.delete_company")
    assert ProfileModelBackend().get_all_permissions(loaded) == {"accounts.change_company"}
    loaded.is_active = False
    assert not ProfileModelBackend().has_perm(loaded, "accounts.change_company")
