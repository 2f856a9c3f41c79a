"""Reading a session (config/security/sessions.py): what Django's database engine
returns, with the ORM's own statement compiled once."""

from datetime import timedelta

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.sessions.models import Session
from django.core import signing
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from config.security.sessions import SessionStore
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def saved(**data) -> str:
    store = SessionStore()
    store.update(data)
    store.create()
    return store.session_key


def test_a_saved_session_reads_back_in_one_query_of_the_session_table():
    key = saved(cart=[1, 2], name="Ada")
    store = SessionStore(key)
    with CaptureQueriesContext(connection) as queries:
        assert store.load() == {"cart": [1, 2], "name": "Ada"}
    assert len(queries) == 1
    sql = queries[0]["sql"]
    assert 'FROM "django_session"' in sql
    assert '"django_session"."session_key" = ' in sql
    assert '"django_session"."expire_date" > ' in sql
    assert store.session_key == key


def test_an_expired_session_reads_as_empty_and_drops_its_key():
    key = saved(name="Ada")
    Session.objects.filter(pk=key).update(expire_date=timezone.now() - timedelta(seconds=1))
    store = SessionStore(key)
    assert store.load() == {}
    assert store.session_key is None


def test_a_session_expiring_later_still_reads():
    key = saved(name="Ada")
    Session.objects.filter(pk=key).update(expire_date=timezone.now() + timedelta(seconds=30))
    assert SessionStore(key).load() == {"name": "Ada"}


def test_an_unknown_key_reads_as_empty():
    store = SessionStore("a" * 32)
    assert store.load() == {}
    assert store.session_key is None


def test_a_logged_in_visitor_stays_logged_in_until_logout(client):
    client.force_login(UserFactory(username="ada"))
    assert client.get("/accounts/profile/").status_code == 200
    client.post("/accounts/logout/")
    assert client.get("/accounts/profile/").status_code == 302


def stored_as(data) -> str:
    """The key of a session row whose data, signed as Django signs it, is `data`: what
    a write to the table, or a project's code, may leave there."""
    key = saved(name="Ada")
    Session.objects.filter(pk=key).update(session_data=SessionStore().encode(data))
    return key


@pytest.mark.parametrize("data", [[1, 2], "x", 5, None, True])
def test_session_data_that_is_no_object_reads_as_empty(client, data):
    """Django returns whatever the signed data decodes to, and every page then asked
    a list or a number for its keys: a 500, logout and the login page included."""
    key = stored_as(data)
    assert SessionStore(key).load() == {}
    client.cookies["sessionid"] = key
    assert client.get("/").status_code == 200
    response = client.get("/accounts/profile/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert client.post("/accounts/logout/").status_code == 302


UNREADABLE_EXPIRIES = [
    "abc",
    {"a": 1},
    [1],
    10**20,  # past what a date can hold
    "2030-01-01T00:00:00",  # without its time zone, which Django writes
    "10000-01-01T00:00:00+00:00",
]


@pytest.mark.parametrize("expiry", UNREADABLE_EXPIRIES, ids=repr)
def test_an_expiry_django_cannot_read_is_dropped_and_the_session_kept(client, expiry):
    """A stored `_session_expiry` Django cannot turn into a date or an age was a 500
    on the next request that wrote the session. The session reads without it:
    it keeps its default age."""
    client.force_login(UserFactory(username="ada"))
    key = client.session.session_key
    # Logged in under Django's ModelBackend: the next request writes the session
    # (accounts/profile_auth/middleware.py), as a form's message would.
    data = {
        **SessionStore(key).load(),
        BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
        "_session_expiry": expiry,
    }
    Session.objects.filter(pk=key).update(session_data=SessionStore().encode(data))
    assert "_session_expiry" not in SessionStore(key).load()
    response = client.get("/accounts/profile/")
    assert response.status_code == 200
    assert b"ada" in response.content
    assert "_session_expiry" not in SessionStore(key).load()


@pytest.mark.parametrize("expiry", [0, 3600, -5, "2030-01-01T00:00:00+00:00"])
def test_an_expiry_django_wrote_is_kept(expiry):
    key = stored_as({"name": "Ada", "_session_expiry": expiry})
    assert SessionStore(key).load() == {"name": "Ada", "_session_expiry": expiry}


@pytest.mark.parametrize("token", [[1], 7, {"a": "b"}, None, "x"])
def test_a_reset_token_of_another_shape_in_the_session_is_a_spent_link(client, token):
    """Django keeps a reset link's token in the session while its form is shown, and
    splits it on every request of the form: a stored list or number was a 500."""
    from django.contrib.auth.tokens import default_token_generator
    from django.contrib.auth.views import INTERNAL_RESET_SESSION_TOKEN
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    user = UserFactory(email="grace@example.com")
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    form_url = client.get(f"/accounts/reset/{uid}/{default_token_generator.make_token(user)}/")[
        "Location"
    ]
    session = client.session
    session[INTERNAL_RESET_SESSION_TOKEN] = token
    session.save()
    response = client.get(form_url)
    assert response.status_code in (200, 400)
    assert b"new_password1" not in response.content  # no form: the link reads as spent
    response = client.post(
        form_url, {"new_password1": "a-new-Long-pass-1"} | {"new_password2": "a-new-Long-pass-1"}
    )
    assert response.status_code in (200, 400)
    user.refresh_from_db()
    assert not user.check_password("a-new-Long-pass-1")


def test_the_reset_token_key_is_djangos():
    from django.contrib.auth.views import INTERNAL_RESET_SESSION_TOKEN

    from config.security.sessions import RESET_TOKEN_KEY

    assert RESET_TOKEN_KEY == INTERNAL_RESET_SESSION_TOKEN


@pytest.mark.parametrize(
    "added",
    [
        {"_auth_user_id": float("inf")},
        {"_auth_user_id": float("-inf")},
        {"_auth_user_hash": "\ud800"},
        {"_password_reset_token": "abc-\ud800"},
        {"tour:s3-media:ran": {"abc": {"error": "\ud800"}}},
        {"tour:s3-media:ran": {"abc": {"steps": [["\ud800", "x"]]}}},
        {"other": float("nan")},
    ],
    ids=repr,
)
def test_session_data_json_of_djangos_values_never_holds_reads_as_empty(client, added):
    """Python's json writes and reads NaN and Infinity, and a lone surrogate as
    \\ud800, which no page or comparison can encode: an infinite user id, or a
    surrogate in the password hash, made every page of that session a 500, logout
    and login included. Such a row reads as no session."""
    client.force_login(UserFactory(username="ada"))
    key = client.session.session_key
    data = {**SessionStore(key).load(), **added}
    Session.objects.filter(pk=key).update(session_data=SessionStore().encode(data))
    assert SessionStore(key).load() == {}
    assert client.get("/").status_code == 200
    assert client.get("/tour/s3-media/?ran=abc").status_code == 200
    response = client.get("/accounts/profile/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert client.post("/accounts/logout/").status_code == 302


def test_text_outside_the_basic_plane_still_reads():
    """Django writes such characters as JSON's surrogate pairs (\\ud83d\\ude00)."""
    key = saved(name="Ada \U0001f600", tags=["\U00010348"])
    assert SessionStore(key).load() == {"name": "Ada \U0001f600", "tags": ["\U00010348"]}


class WrittenAsIs:
    """A signing serializer that writes the JSON text it is given as it is."""

    def dumps(self, text):
        return text.encode()


@pytest.mark.parametrize("number", ["1e400", "-1e400"])
def test_a_number_json_reads_as_infinity_reads_as_no_session(number):
    """Python's json reads 1e400 as infinity without naming it: the session loaded,
    and Django's next save wrote Infinity, which then logged its visitor out."""
    key = saved(name="Ada")
    data = signing.dumps(
        f'{{"name": "Ada", "x": {number}}}',
        salt=SessionStore().key_salt,
        serializer=WrittenAsIs,
    )
    Session.objects.filter(pk=key).update(session_data=data)
    assert SessionStore(key).load() == {}
    written = signing.dumps(
        '{"name": "Ada", "x": 1e300}', salt=SessionStore().key_salt, serializer=WrittenAsIs
    )
    Session.objects.filter(pk=key).update(session_data=written)
    assert SessionStore(key).load() == {"name": "Ada", "x": 1e300}
