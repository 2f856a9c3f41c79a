"""The 400, 403 and 404 pages (config/views.py), for requests whose body Django
cannot read: its own handlers check the CSRF token again, which reads the body
again, and that second error was a 500."""

import pytest
from django.test import Client

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# Django reads a form body only in UTF-8; any other declared charset is a BadRequest.
CHARSETS = ["utf8", "latin1", "iso-8859-1", "utf-16", "us-ascii", '"latin1"', "UTF-16LE"]
TOKEN = "a" * 32


def post_with_charset(client: Client, path: str, charset: str):
    client.cookies["csrftoken"] = TOKEN
    return client.post(
        path,
        b"username=x&password=y",
        content_type=f"application/x-www-form-urlencoded; charset={charset}",
        headers={"X-CSRFToken": TOKEN},
    )


@pytest.mark.parametrize("charset", CHARSETS)
@pytest.mark.parametrize(
    ("path", "status", "page"),
    [
        ("/accounts/login/", 400, b"Bad request"),
        ("/", 400, b"Bad request"),
        ("/products/", 400, b"Bad request"),
        # No view to read the body: the 404 page, which read it too.
        ("/no-such-page/", 404, b"Page not found"),
    ],
)
def test_a_form_body_in_another_charset_is_refused_with_a_4xx_page(path, status, page, charset):
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    response = post_with_charset(client, path, charset)
    assert response.status_code == status
    assert page in response.content


def test_a_logged_in_visitors_400_page_keeps_a_working_logout_form():
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    client.force_login(UserFactory())
    response = post_with_charset(client, "/accounts/login/", "latin1")
    assert response.status_code == 400
    assert b'name="csrfmiddlewaretoken"' in response.content
    token = response.content.split(b'name="csrfmiddlewaretoken" value="')[1].split(b'"')[0]
    logged_out = client.post("/accounts/logout/", {"csrfmiddlewaretoken": token.decode()})
    assert logged_out.status_code == 302
    assert "_auth_user_id" not in client.session


def test_error_pages_still_carry_the_csrf_token_for_the_logout_form():
    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory())
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert b'name="csrfmiddlewaretoken"' in response.content
    assert "csrftoken" in response.cookies
