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
def test_a_page_never_shows_the_thread_id_django_names_savepoints_after(client):
    """Django names a savepoint "s<thread id>_x<n>": the id is an address in the
    worker's memory. django-axes records a failed login in a nested atomic block,
    so any visitor could read one in the footer of the login page."""
    response = client.post("/accounts/login/", {"username": "ada", "password": "wrong"})
    page = response.content.decode()
    assert "SAVEPOINT" in page
    assert str(threading.get_ident()) not in page
    assert re.search(r"SAVEPOINT &quot;s_x\d+&quot;", page)


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
    assert response["Server-Timing"].endswith('desc="1 queries"')
    assert b"query" not in response.content


def test_query_log_off_removes_header_and_panel(client):
    with override_settings(QUERY_LOG=False):
        from django.test import Client

        response = Client().get("/tour/")
    assert "Server-Timing" not in response
    assert b"data-query-count" not in response.content


def test_panel_escapes_the_sql_and_says_query_for_one():
    from config.querylog import Query, QueryLog, panel

    html = panel(QueryLog([Query("SELECT '<script>' FROM t", 1.234)]))
    assert "<script>" not in html
    assert "<code>SELECT &#x27;&lt;script&gt;&#x27; FROM t</code>" in html
    assert "ran <strong data-query-count>1</strong> database query in 1.2 ms" in html
    assert '<span class="ms">1.23 ms</span>' in html
    assert "page cache" not in html
    assert "Served from the page cache" in panel(QueryLog(), from_page_cache=True)
