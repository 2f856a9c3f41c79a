"""A NUL in the query string or in a header is the 400 page on every page
(config/security/nul.py), with the headers every page carries, and after the HTTPS
redirect."""

import socket
import threading

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/", "/products/", "/accounts/login/", "/no-such-page/"])
def test_a_nul_anywhere_in_the_query_is_the_400_page_with_the_sites_headers(client, path):
    for query in ({"q": "\0"}, {"\0": "x"}, {"page": "2\0"}):
        response = client.get(path, query)
        assert response.status_code == 400, (path, query)
        assert "Content-Security-Policy" in response.headers
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_over_plain_http_the_redirect_to_https_comes_first(settings):
    settings.SECURE_SSL_REDIRECT = True
    response = Client().get("/products/?q=%00")
    assert response.status_code == 301
    assert response["Location"].startswith("https://")


# django-axes stores a failed or successful login's User-Agent and Accept; a NUL in
# either was a 500 from PostgreSQL. gunicorn refuses a raw NUL in a header, but the
# app may be served by another server (a fork's, runserver): the app refuses it too.
HEADERS = ["HTTP_USER_AGENT", "HTTP_ACCEPT", "HTTP_ACCEPT_LANGUAGE", "HTTP_REFERER", "HTTP_X_ANY"]


@pytest.mark.parametrize("header", HEADERS)
def test_a_nul_in_any_header_is_the_400_page_and_no_login(header, django_user_model):
    django_user_model.objects.create_user("member", password="right-password")
    client = Client(raise_request_exception=False)
    for path in ("/", "/accounts/login/", "/no-such-page/"):
        assert client.get(path, **{header: "a\0b"}).status_code == 400, path
    for password in ("wrong", "right-password"):
        answer = client.post(
            "/accounts/login/", {"username": "member", "password": password}, **{header: "\0"}
        )
        assert answer.status_code == 400, password
        assert "X-Content-Type-Options" in answer.headers
    assert "_auth_user_id" not in client.session
    # Any other character a header may carry is as before.
    assert client.get("/", **{header: "a\x01b\x7fc é"}).status_code == 200


def test_a_nul_in_a_cookie_is_left_to_the_cookies_guard():
    """A cookie of a shape the app never issues is ignored, a NUL in it or not
    (tests/security/test_cookies.py): the page, not the 400 page."""
    cookie = "sessionid=\0" + "a" * 31 + "; tracker=a\0b"
    assert Client().get("/", HTTP_COOKIE=cookie).status_code == 200


@pytest.mark.parametrize(
    "request_head",
    [
        b"GET /no-such-page/ HTTP/1.1\r\nUser-Agent: a\x00b\r\n",
        # The admin's autocomplete sent a raw NUL in `term` to PostgreSQL: a 500.
        b"GET /admin/autocomplete/?term=\x00 HTTP/1.1\r\n",
        b"GET /products/?sort=\x00 HTTP/1.1\r\n",
    ],
)
def test_served_by_runservers_server_a_raw_nul_is_the_400_page(request_head):
    """Django's development server (wsgiref's parser) passes a raw NUL in a header or
    the query on to the app, where gunicorn refuses it: the app's own refusal is what
    answers then."""
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.servers.basehttp import WSGIRequestHandler, WSGIServer

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args):
            pass

    server = WSGIServer(("127.0.0.1", 0), Quiet)
    server.set_app(WSGIHandler())
    serving = threading.Thread(target=server.handle_request, daemon=True)
    serving.start()
    try:
        with socket.create_connection(("127.0.0.1", server.server_port), timeout=10) as sock:
            sock.sendall(request_head + b"Host: localhost\r\nConnection: close\r\n\r\n")
            status_line = sock.makefile("rb").readline()
    finally:
        serving.join(10)
        server.server_close()
    assert status_line.startswith(b"HTTP/1.1 400 "), status_line
