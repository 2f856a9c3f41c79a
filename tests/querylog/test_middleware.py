import re
import threading

import pytest
from django.contrib.auth.models import User
from django.test import override_settings

from config.querylog import record


@pytest.mark.django_db
def test_record_counts_queries_with_placeholders_not_values():
    with record() as log:
        User.objects.filter(username="secret-name").exists()
        User.objects.count()
    assert log.count == 2
    assert "%s" in log.queries[0].sql
    assert "secret-name" not in log.queries[0].sql
    assert log.ms == sum(query.ms for query in log.queries) > 0
    assert re.fullmatch(r'db;dur=\d+\.\d;desc="2 queries"', log.server_timing())


@pytest.mark.django_db(transaction=True)
def test_the_log_never_shows_a_savepoints_thread_id_or_number():
    """Django names a savepoint "s<thread id>_x<n>": the id is an address in the
    worker's memory, and n counts on with every savepoint the connection made,
    other visitors' requests' too (django-axes records each failed login in a
    nested atomic block)."""
    from django.db import transaction

    with record() as log:
        for _ in range(3):
            with transaction.atomic(), transaction.atomic():
                User.objects.exists()
    savepoints = [query.sql for query in log.queries if "SAVEPOINT" in query.sql]
    assert savepoints
    assert {re.sub(r"^(RELEASE )?SAVEPOINT ", "", sql) for sql in savepoints} == {'"s_x"'}
    assert not any(str(threading.get_ident()) in sql for sql in savepoints)


@pytest.mark.django_db
def test_every_html_page_shows_its_queries_and_sends_server_timing(client):
    # The tour index runs no query (the home page shows the latest products).
    response = client.get("/tour/")
    assert re.fullmatch(r'db;dur=\d+\.\d;desc="0 queries"', response["Server-Timing"])
    assert b"<!-- query-log -->" not in response.content
    assert b"ran <strong data-query-count>0</strong> database queries" in response.content


@pytest.mark.django_db
def test_queries_after_rendering_are_counted(client):
    # /healthz is JSON: a header, no panel.
    response = client.get("/healthz")
    assert response["Server-Timing"].endswith('desc="1 query"')
    assert b"query" not in response.content


def test_query_log_off_removes_header_and_panel(client):
    with override_settings(QUERY_LOG=False):
        from django.test import Client

        response = Client().get("/tour/")
    assert "Server-Timing" not in response
    assert b"data-query-count" not in response.content


@pytest.mark.parametrize("value", ["off", "0", "false", "", 1, None])
def test_a_query_log_setting_that_is_not_a_bool_stops_start_up(value):
    """Read from the environment as it is, "off" was true: every visitor saw the SQL.
    The unit takes True or False; a project reads its variable into one."""
    from django.core.exceptions import ImproperlyConfigured

    from config.querylog import QueryLogMiddleware

    with override_settings(QUERY_LOG=value), pytest.raises(ImproperlyConfigured) as refused:
        QueryLogMiddleware(lambda request: None)
    assert f"QUERY_LOG must be True or False, not {value!r}" in str(refused.value)


def test_panel_escapes_the_sql_and_says_query_for_one():
    from config.querylog import Query, QueryLog, panel

    html = panel(QueryLog([Query("SELECT '<script>' FROM t", 1.234)]))
    assert "<script>" not in html
    assert "<code>SELECT &#x27;&lt;script&gt;&#x27; FROM t</code>" in html
    assert "ran <strong data-query-count>1</strong> database query in 1.2 ms" in html
    assert '<span class="ms">1.23 ms</span>' in html
    assert "page cache" not in html
    assert "kept" not in html
    assert "Served from the page cache" in panel(QueryLog(), from_page_cache=True)
    kept = panel(QueryLog(), with_kept_parts=True)
    assert "Parts of this page were kept from an earlier request" in kept
    # A whole page from the cache says that alone, whatever made it.
    both = panel(QueryLog(), from_page_cache=True, with_kept_parts=True)
    assert "Served from the page cache" in both
    assert "kept" not in both


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("victim", [True, False], ids=["mailbox held", "mailbox free"])
def test_a_form_post_shows_no_query_count(client, victim):
    """How many queries a POST ran depends on what its form looked up and counted:
    other accounts (a reset typing ADA@ counts a second spelling when an older
    account holds ada@), other visitors' recent attempts (a throttle's or
    django-axes' first record of a key costs a different number than the next). Shown, the count
    told whether an address had an account. A POST's answer shows none, whether
    an older account holds the address or not."""
    from tests.factories import UserFactory

    if victim:
        UserFactory(username="owner", email="target@example.net")
    UserFactory(username="stranger", email="TARGET@example.net")
    reset = client.post("/accounts/password_reset/", {"email": "TARGET@example.net"})
    assert reset.status_code == 302
    assert "Server-Timing" not in reset
    login = client.post("/accounts/login/", {"username": "owner", "password": "wrong"})
    assert login.status_code == 200
    assert "Server-Timing" not in login
    page = login.content.decode()
    assert "data-query-count" not in page
    assert "SELECT" not in page
    assert "<!-- query-log -->" not in page
    assert "queries are not shown" in page


@pytest.mark.django_db
def test_the_admins_pages_send_the_header_without_a_footer(client):
    """Django's admin templates hold no marker: docs/query-log.md says so."""
    response = client.get("/admin/login/")
    assert response.status_code == 200
    assert re.fullmatch(r'db;dur=\d+\.\d;desc="\d+ queries"', response["Server-Timing"])
    assert b"data-query-count" not in response.content


@pytest.mark.django_db(transaction=True)
def test_what_a_reset_runs_depends_on_another_account_holding_the_address(client):
    """Why a POST's count is not shown (docs/query-log.md): a reset typing a spelling
    its sender holds runs more queries when an older account holds another spelling
    of that mailbox. Each measured request counts on keys of its own for the first
    time, after one that has counted the client already."""
    from accounts.mail import outbox
    from tests.factories import UserFactory

    UserFactory(username="owner", email="held@example.net")
    UserFactory(username="stranger", email="HELD@example.net")
    UserFactory(username="other", email="FREE@example.net")

    def queries_of_a_reset(email: str) -> int:
        with record() as log:
            assert client.post("/accounts/password_reset/", {"email": email}).status_code == 302
        return log.count

    queries_of_a_reset("warm-up@example.net")
    free, held = queries_of_a_reset("FREE@example.net"), queries_of_a_reset("HELD@example.net")
    assert outbox.wait(timeout=30)
    assert held > free
