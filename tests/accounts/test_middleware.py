import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, SESSION_KEY

from config.querylog import record
from tests.factories import PASSWORD, CompanyFactory, UserFactory

STOCK = "django.contrib.auth.backends.ModelBackend"
OURS = "accounts.profile_auth.backends.ProfileModelBackend"
REMOTE = "django.contrib.auth.backends.RemoteUserBackend"

pytestmark = pytest.mark.django_db


def test_session_from_the_stock_backend_moves_onto_ours_without_a_new_login(client, settings):
    user = UserFactory(profile__company=CompanyFactory(name="Acme Tools"))
    # Before the switch: a real login through Django's ModelBackend.
    settings.AUTHENTICATION_BACKENDS = [STOCK]
    assert client.login(username=user.username, password=PASSWORD)
    assert client.session[BACKEND_SESSION_KEY] == STOCK

    # The deploy that switches backends.
    settings.AUTHENTICATION_BACKENDS = [OURS]
    with record() as first:
        response = client.get("/accounts/profile/")
    assert response.status_code == 200
    assert b"Acme Tools" in response.content
    assert client.session[BACKEND_SESSION_KEY] == OURS
    # Session read, the one user query, and the session written once (the test's
    # transaction adds savepoints around the write).
    statements = [query.sql.split()[0] for query in first.queries if "SAVEPOINT" not in query.sql]
    assert statements == ["SELECT", "SELECT", "UPDATE"]
    assert '"accounts_company"' in first.queries[1].sql

    with record() as second:
        client.get("/accounts/profile/")
    assert second.count == 2


def test_without_the_middleware_the_same_session_is_logged_out(client, settings):
    user = UserFactory()
    settings.AUTHENTICATION_BACKENDS = [STOCK]
    client.force_login(user)
    settings.AUTHENTICATION_BACKENDS = [OURS]
    settings.MIDDLEWARE = [
        name
        for name in settings.MIDDLEWARE
        if name != "accounts.profile_auth.middleware.SessionBackendUpgradeMiddleware"
    ]
    assert client.get("/accounts/profile/").status_code == 302


def test_a_backend_ours_does_not_extend_is_left_alone(client, settings):
    settings.AUTHENTICATION_BACKENDS = [OURS, REMOTE]
    client.force_login(UserFactory(), backend=REMOTE)
    assert client.get("/accounts/profile/").status_code == 200
    assert client.session[BACKEND_SESSION_KEY] == REMOTE


def test_nothing_is_rewritten_while_ours_is_not_configured(client, settings):
    settings.AUTHENTICATION_BACKENDS = [STOCK]
    client.force_login(UserFactory())
    assert client.get("/accounts/profile/").status_code == 200
    assert client.session[BACKEND_SESSION_KEY] == STOCK


def test_requests_without_a_session_cookie_never_touch_the_session(client):
    """On a page that reads no user (/robots.txt): the middleware runs on it, and reads
    nothing without a cookie. (/healthz answers before the session middleware, so the
    test that asked it proved nothing.)"""
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response.wsgi_request.session.accessed is False
    assert "Cookie" not in response.get("Vary", "")


def test_a_session_naming_the_backends_former_path_stays_logged_in(client):
    """Sessions logged in before the backend moved to accounts/profile_auth/ name
    `accounts.backends.ProfileModelBackend`, a path that no longer imports."""
    user = UserFactory(profile__company=CompanyFactory(name="Acme Tools"))
    client.force_login(user)
    session = client.session
    session[BACKEND_SESSION_KEY] = "accounts.backends.ProfileModelBackend"
    session.save()
    response = client.get("/accounts/profile/")
    assert response.status_code == 200
    assert b"Acme Tools" in response.content
    assert client.session[BACKEND_SESSION_KEY] == OURS


class StaffOnlyBackend:
    """A project's own backend at the path ours once had: staff only."""

    def authenticate(self, request, **credentials):
        return None

    def get_user(self, user_id):
        return None  # none of this test's users is staff


def test_a_backend_of_the_projects_own_at_that_path_keeps_its_sessions(
    client, settings, monkeypatch
):
    """A fork with an `accounts` app of its own may have a backend there: its sessions
    were moved onto ours, past its own rules. A former path is ours only while it
    names nothing."""
    import sys
    import types

    from accounts.profile_auth import middleware

    module = types.ModuleType("accounts.backends")
    module.ProfileModelBackend = StaffOnlyBackend
    monkeypatch.setitem(sys.modules, "accounts.backends", module)
    middleware.moved.cache_clear()
    settings.AUTHENTICATION_BACKENDS = [OURS, "accounts.backends.ProfileModelBackend"]
    try:
        client.force_login(UserFactory(), backend="accounts.backends.ProfileModelBackend")
        response = client.get("/accounts/profile/")
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    finally:
        middleware.moved.cache_clear()


@pytest.mark.parametrize(
    ("source", "status"),
    [
        ("def broken(:\n", 302),  # a SyntaxError
        (
            "from django.core.exceptions import ImproperlyConfigured\n"
            "raise ImproperlyConfigured('x')\n",
            302,
        ),
        ("import a_library_not_installed\n", 302),
        # An AttributeError while it loads: a setting or a library's name missing.
        ("import json\njson.no_such_function\nclass ProfileModelBackend:\n    pass\n", 302),
        ("def __getattr__(name):\n    raise AttributeError(name)\n", 302),
        ("class Other:\n    pass\n", 200),  # the module is there, the class is not: ours moved
        ("from accounts.profile_auth.backends import ProfileModelBackend\n", 200),  # a shim
    ],
    ids=[
        "syntax error",
        "refuses to load",
        "needs a library",
        "attribute error as it loads",
        "attributes of its own",
        "no such class",
        "shim",
    ],
)
def test_a_module_at_the_former_path_that_fails_to_load_is_no_500(
    client, settings, monkeypatch, tmp_path, source, status
):
    """The former path was imported on each request and only ImportError caught: a
    project's own broken backends module was a 500 on every request of such a
    session, and one missing a library had its sessions moved onto ours. Only a
    path that names nothing, or names ours, is ours; anything else is logged out,
    as Django does with a backend it cannot use."""
    import sys

    import accounts
    from accounts.profile_auth import middleware

    (tmp_path / "backends.py").write_text(source)
    monkeypatch.setattr(accounts, "__path__", [*accounts.__path__, str(tmp_path)])
    monkeypatch.delitem(sys.modules, "accounts.backends", raising=False)
    middleware.moved.cache_clear()
    try:
        client.force_login(UserFactory())
        session = client.session
        session[BACKEND_SESSION_KEY] = "accounts.backends.ProfileModelBackend"
        session.save()
        for _ in range(2):
            assert client.get("/accounts/profile/").status_code == status
    finally:
        middleware.moved.cache_clear()
        sys.modules.pop("accounts.backends", None)


def assert_logged_out_by(client, key: str, stored) -> None:
    """A logged-in session with `stored` under `key` gets the login page, and then pages."""
    client.force_login(UserFactory())
    session = client.session
    session[key] = stored
    session.save()
    response = client.get("/accounts/profile/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert client.get("/").status_code == 200


@pytest.mark.parametrize("stored", [[STOCK], {"path": STOCK}, 7, None])
def test_a_session_whose_backend_is_not_a_path_is_logged_out_not_a_500(client, stored):
    """The upgrade looked the stored value up in a frozenset: a list or a dict
    raised TypeError, a 500 on every request of that session. Django's own check
    then logs such a session out."""
    assert_logged_out_by(client, BACKEND_SESSION_KEY, stored)


@pytest.mark.parametrize(
    "stored", ["axes.backends.AxesStandaloneBackend", "accounts.throttles.AccountLoginLimitBackend"]
)
def test_a_session_naming_a_listed_backend_that_loads_no_user_is_logged_out(client, stored):
    """Django loads the stored backend where AUTHENTICATION_BACKENDS lists it and asks
    it for the user: the two that only refuse logins have no get_user, and such a
    session was a 500 on every page, logout included."""
    assert_logged_out_by(client, BACKEND_SESSION_KEY, stored)
    assert BACKEND_SESSION_KEY not in client.session


@pytest.mark.parametrize("stored", ["abc", "", [1], {"id": 1}, "1.5"])
def test_a_session_whose_user_id_is_not_a_key_is_logged_out_not_a_500(client, stored):
    """Django turns the stored user id into a primary key before any backend sees
    it, and a value that is none raised ValidationError: a 500 on every request of
    that session (a fork that changes its user model's key keeps old sessions)."""
    assert_logged_out_by(client, SESSION_KEY, stored)
