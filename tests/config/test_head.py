"""config/head.py on its own: Django's test client drops a HEAD's body itself, so
these call the middleware with real responses (tests/deploy/test_head.py runs
it in the production web line)."""

import pytest
from django.core.signals import request_finished
from django.db import close_old_connections
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.test import RequestFactory

from config.head import HeadRequestMiddleware


def through(method: str, response):
    request = RequestFactory().generic(method, "/")
    return HeadRequestMiddleware(lambda request: response)(request)


def test_a_page_keeps_its_headers_and_length_and_sends_no_body():
    response = through("HEAD", HttpResponse(b"<p>page</p>", content_type="text/html"))
    assert response.content == b""
    assert response["Content-Length"] == "11"
    assert response["Content-Type"] == "text/html"


def test_a_length_set_inside_the_stack_is_kept():
    """GZipMiddleware and the query log set the length of what a GET sends."""
    compressed = HttpResponse(b"\x1f\x8b compressed")
    compressed["Content-Length"] = "4321"
    assert through("HEAD", compressed)["Content-Length"] == "4321"


def test_a_file_is_not_read_and_still_closed(tmp_path):
    path = tmp_path / "picture.bin"
    path.write_bytes(b"0123456789")
    file = path.open("rb")
    response = through("HEAD", FileResponse(file))
    assert b"".join(response) == b""
    assert response["Content-Length"] == "10"
    assert file.tell() == 0  # nothing was read
    # As the server closes a sent response; without the database work that
    # close() also triggers, as Django's test client leaves it out.
    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)
    assert file.closed


def test_a_stream_sends_nothing():
    response = through("HEAD", StreamingHttpResponse(iter([b"a", b"b"])))
    assert b"".join(response) == b""


@pytest.mark.parametrize("method", ["GET", "POST", "OPTIONS"])
def test_other_methods_get_the_body(method):
    assert through(method, HttpResponse(b"body")).content == b"body"
    assert b"".join(through(method, StreamingHttpResponse(iter([b"a", b"b"])))) == b"ab"


HEADERS = ("Location", "Content-Type", "Cache-Control", "Vary", "Allow")


@pytest.mark.django_db
def test_every_page_answers_head_as_its_get_for_every_role(client, admin_user):
    """Views that ask `request.method == "GET"` read a HEAD otherwise: the admin's
    login page redirected staff's GET to the admin and showed them the form on a
    HEAD. Every page, for a visitor, a member and staff: the GET's status and
    headers."""
    from django.test import Client

    from tests.factories import ProductFactory, UserFactory

    ProductFactory(slug="lamp", category__slug="lighting")
    member = Client()
    member.force_login(UserFactory())
    staff = Client()
    staff.force_login(admin_user)
    paths = [
        "/",
        "/products/",
        "/products/lamp/",
        "/categories/lighting/",
        "/tour/",
        "/tour/s3-media/",
        "/healthz",
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/profile/",
        "/accounts/profile/edit/",
        "/accounts/password_reset/",
        "/accounts/logout/",
        "/accounts/password_change/done/",
        "/accounts/reset/done/",
        "/admin/",
        "/admin/login/",
        "/admin/logout/",
        "/admin/catalog/product/",
        "/admin/password_change/",
        "/admin/password_change/done/",
        "/admin/media/versions/",
        "/no-such-page/",
    ]
    for role, visitor in {"visitor": Client(), "member": member, "staff": staff}.items():
        for path in paths:
            get, head = visitor.get(path), visitor.head(path)
            assert head.status_code == get.status_code, (role, path)
            for header in HEADERS:
                assert head.get(header) == get.get(header), (role, path, header)
            # A length where the GET has one (the query log's footer makes two
            # requests' lengths differ): a GET without was sent chunked.
            assert head.has_header("Content-Length") == get.has_header("Content-Length"), (
                role,
                path,
            )


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/healthz", "/robots.txt", "/no-such-page/"])
def test_an_answer_made_before_commonmiddleware_gets_a_length_too(client, path):
    """CommonMiddleware sets the length of what passes through it; a 400 for a host
    not allowed, raised as it or /healthz reads the host, did not: gunicorn sent the
    GET chunked while the HEAD had its length."""
    get = client.get(path, HTTP_HOST="evil.example")
    head = client.head(path, HTTP_HOST="evil.example")
    assert get.status_code == head.status_code == 400
    assert get["Content-Length"] == head["Content-Length"] == str(len(get.content))


@pytest.mark.django_db
@pytest.mark.parametrize("asked", ["bytes=0-0", "bytes=0-9", "bytes=-0", "bytes=999999-"])
def test_a_head_with_a_range_of_a_static_file_gets_the_whole_files_headers(client, asked):
    """RFC 9110 defines ranges for GET alone. Handed to the stack as a GET, a HEAD's
    Range reached WhiteNoise: a 206 or a 416 where the whole file's headers belong."""
    whole = client.get("/static/css/site.css")
    for if_range in (None, whole["ETag"]):
        extra = {"HTTP_IF_RANGE": if_range} if if_range else {}
        head = client.head("/static/css/site.css", HTTP_RANGE=asked, **extra)
        assert head.status_code == 200, (asked, if_range)
        assert "Content-Range" not in head
        assert head["Content-Length"] == whole["Content-Length"]
