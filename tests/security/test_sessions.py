"""Reading a session (config/security/sessions.py): what Django's database engine
returns, with the ORM's own statement compiled once."""

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
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
