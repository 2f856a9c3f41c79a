"""A `next` that would lead back to the view taking it, or from a login to a logout
page, goes to the default page.

Django's LoginView raises ValueError (a 500) for `?next=/accounts/login/` while
logged in, and sends every other spelling of the same page (a query string, an
absolute URL, a missing slash...) round a redirect loop. Every spelling below
must land on LOGIN_REDIRECT_URL instead.
"""

import pytest
from django.conf import settings
from django.test import Client

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

PROFILE = "/accounts/profile/"
LOOPS = {
    "itself": "/accounts/login/",
    "with a query string": "/accounts/login/?next=/products/",
    "with an empty query string": "/accounts/login/?",
    "with a fragment": "/accounts/login/#top",
    "without the trailing slash": "/accounts/login",
    "absolute, http": "http://testserver/accounts/login/",
    "absolute, https": "https://testserver/accounts/login/",
    "absolute, upper-case host": "http://TESTSERVER/accounts/login/",
    "scheme-relative": "//testserver/accounts/login/",
    "double slash inside": "/accounts//login/",
    "double slash at the end": "/accounts/login//",
    "percent-encoded letter": "/%61ccounts/login/",
    "percent-encoded slash": "/accounts%2Flogin/",
    "dot segment": "/accounts/./login/",
    "dot-dot segment": "/accounts/profile/../login/",
    "encoded dot-dot segment": "/accounts/profile/%2e%2e/login/",
    "relative, same page": ".",
    "relative, query only": "?next=/",
    "relative, by name": "../login/",
}


@pytest.fixture
def logged_in():
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory())
    return client


@pytest.mark.parametrize("label", list(LOOPS))
def test_a_logged_in_visit_with_next_back_to_login_goes_to_the_default_page(logged_in, label):
    response = logged_in.get("/accounts/login/", {"next": LOOPS[label]})
    assert (response.status_code, response["Location"]) == (302, PROFILE)


@pytest.mark.parametrize("label", list(LOOPS))
def test_a_login_with_next_back_to_login_goes_to_the_default_page(client, label):
    user = UserFactory()
    response = client.post(
        f"/accounts/login/?next={LOOPS[label].replace('#', '%23').replace('?', '%3F')}",
        {"username": user.username, "password": PASSWORD},
    )
    assert (response.status_code, response["Location"]) == (302, PROFILE)


@pytest.mark.parametrize("target", ["/products/", "/accounts/profile/edit/", "/?page=2"])
def test_any_other_next_is_still_followed(logged_in, target):
    response = logged_in.get("/accounts/login/", {"next": target})
    assert (response.status_code, response["Location"]) == (302, target)


def test_a_logout_with_next_back_to_logout_goes_to_the_default_page(logged_in):
    response = logged_in.post("/accounts/logout/", {"next": "/accounts/logout"})
    assert (response.status_code, response["Location"]) == (302, "/")


# Where a login would undo itself: the site's logout page and the admin's, in the
# spellings a loop is found in.
LOGOUTS = {
    "the site's": "/accounts/logout/",
    "the site's, without the slash": "/accounts/logout",
    "the site's, absolute": "http://testserver/accounts/logout/",
    "the site's, encoded": "/%61ccounts/logout/",
    "the admin's": f"/{settings.ADMIN_URL}logout/",
    "the admin's, dot-dot": f"/{settings.ADMIN_URL}x/../logout/",
    # The admin's catch-all view answers every path under it, a slashless one with
    # the redirect to the path with the slash: that path is where `next` lands.
    "the admin's, without the slash": f"/{settings.ADMIN_URL}logout",
    "the admin's, without the slash, absolute": f"http://testserver/{settings.ADMIN_URL}logout",
    "the admin's, without the slash, encoded": f"/{settings.ADMIN_URL}%6cogout",
    # Browsers read %2e as a dot in a path segment (the WHATWG URL standard).
    "the site's, encoded dot": "/accounts/logout/%2e",
    "the admin's, encoded dot-dot": f"/{settings.ADMIN_URL}x/%2E%2e/logout/",
    "the admin's, half-encoded dot-dot": f"/{settings.ADMIN_URL}x/.%2E/logout/",
}


@pytest.mark.parametrize("label", list(LOGOUTS))
def test_a_login_with_next_to_a_logout_page_goes_to_the_default_page(client, label):
    """A logout page answers a button, not a visit: a login sent there logged in to
    land on a page asking to log out (Django's 405, blank, before)."""
    user = UserFactory()
    response = client.post(
        "/accounts/login/",
        {"username": user.username, "password": PASSWORD, "next": LOGOUTS[label]},
    )
    assert (response.status_code, response["Location"]) == (302, PROFILE)


@pytest.mark.parametrize("label", list(LOGOUTS))
def test_a_logged_in_visit_with_next_to_a_logout_page_goes_to_the_default_page(logged_in, label):
    response = logged_in.get("/accounts/login/", {"next": LOGOUTS[label]})
    assert (response.status_code, response["Location"]) == (302, PROFILE)


LOGOUT_FORMS = {
    "the site's logout": "/accounts/logout/",
    "the admin's": f"/{settings.ADMIN_URL}logout/",
}


@pytest.mark.parametrize("form", list(LOGOUT_FORMS))
@pytest.mark.parametrize("label", list(LOGOUTS))
def test_a_logout_with_next_to_any_logout_page_goes_to_the_default_page(client, form, label):
    """Each logout refused only its own address: sent to the other one, a visitor just
    logged out landed on a page asking to log out."""
    client.force_login(UserFactory(is_staff=True))
    response = client.post(LOGOUT_FORMS[form], {"next": LOGOUTS[label]})
    assert (response.status_code, response["Location"]) == (302, "/")
    assert "_auth_user_id" not in client.session
