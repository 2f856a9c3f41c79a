"""The pages the WSGI wrappers answer before Django builds a request (the 400 of the
charset check, the 413 of the body limit: config/security/wsgi_pages.py) carry the
headers every page of the site does, and no body for a HEAD."""

import io
from wsgiref.util import setup_testing_defaults

import pytest
from django.conf import settings

from config.wsgi import application

pytestmark = pytest.mark.django_db

CASES = {
    "400, a charset other than UTF-8": ({"CONTENT_TYPE": "text/plain; charset=latin1"}, "400"),
    "413, a body over the limit": ({"CONTENT_LENGTH": "99999999"}, "413"),
}


def call(method: str, extra: dict) -> tuple[str, dict[str, str], bytes]:
    environ = {}
    setup_testing_defaults(environ)
    environ.update(REQUEST_METHOD=method, PATH_INFO="/products/", HTTP_HOST="localhost")
    environ.update(extra)
    environ["wsgi.input"] = io.BytesIO(b"")
    answered = []
    chunks = application(environ, lambda status, headers: answered.append((status, headers)))
    body = b"".join(chunks)
    status, headers = answered[0]
    return status, dict(headers), body


@pytest.mark.parametrize("case", CASES)
def test_a_page_answered_before_django_carries_the_sites_headers(case):
    extra, code = CASES[case]
    status, headers, body = call("GET", extra)
    assert status.startswith(code)
    assert body
    assert headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == settings.SECURE_REFERRER_POLICY
    assert headers["Cross-Origin-Opener-Policy"] == settings.SECURE_CROSS_ORIGIN_OPENER_POLICY
    assert headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("case", CASES)
def test_a_head_request_gets_the_headers_and_no_body(case):
    """gunicorn logs "WSGI app sent body bytes on a no-body response" for a body
    sent to a HEAD (config/head.py keeps Django's pages from it)."""
    extra, code = CASES[case]
    _, get_headers, page = call("GET", extra)
    status, headers, body = call("HEAD", extra)
    assert status.startswith(code)
    assert body == b""
    assert headers["Content-Length"] == str(len(page)) == get_headers["Content-Length"]
