"""Cache-Control for logged-in users, Permissions-Policy everywhere, and the
methods form views answer (config/security/headers.py, accounts/urls.py)."""

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.contrib.staticfiles.storage import staticfiles_storage
from django.test import Client, override_settings
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from tests.factories import PASSWORD, CompanyFactory, ProductFactory, UserFactory

pytestmark = pytest.mark.django_db

DENIED = ["camera", "microphone", "geolocation", "payment", "usb", "serial", "midi"]


def cache_control(response) -> set[str]:
    return {part.strip() for part in response.get("Cache-Control", "").split(",") if part.strip()}


@pytest.fixture
def user():
    return UserFactory(profile__company=CompanyFactory(slug="acme"))


@pytest.fixture
def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def pages() -> list[str]:
    ProductFactory(slug="lamp", category__slug="lighting")
    return [
        "/",
        "/products/",
        "/products/lamp/",
        "/categories/lighting/",
        "/companies/acme/",
        "/tour/",
        "/tour/prefetch/",
        "/healthz",
        "/accounts/profile/",
        "/accounts/profile/edit/",
        "/accounts/password_change/",
        "/no-such-page/",
    ]


def test_every_response_for_a_logged_in_user_is_private(logged_in):
    for path in pages():
        response = logged_in.get(path)
        assert "private" in cache_control(response), (path, response.get("Cache-Control"))
        assert "public" not in cache_control(response)


@pytest.mark.parametrize(
    "path", ["/accounts/profile/", "/accounts/profile/edit/", "/accounts/password_change/"]
)
def test_pages_with_personal_data_are_not_stored_at_all(logged_in, path):
    assert {"private", "no-store"} <= cache_control(logged_in.get(path))


def test_the_response_that_logs_a_user_in_is_private(user):
    response = Client().post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    assert "private" in cache_control(response)


def test_every_anonymous_page_carrying_a_csrf_token_is_private(client, user):
    """A form page gives an anonymous visitor a CSRF token of their own, in the page
    and in a csrftoken cookie: the signup and reset pages had no Cache-Control, and
    every first-time visitor sends the same (no) Cookie header, so a shared cache
    could give one visitor's token and cookie to the next."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    reset = client.get(f"/accounts/reset/{uid}/{default_token_generator.make_token(user)}/")
    paths = [
        *pages(),
        "/accounts/signup/",
        "/accounts/login/",
        "/accounts/password_reset/",
        "/accounts/password_reset/done/",
        reset["Location"],
        "/tour/s3-media/",
        "/tour/auth-backend/",
        "/tour/pipenv/",
        "/admin/login/",
    ]
    with_token = []
    for path in paths:
        response = Client().get(path)
        if b"csrfmiddlewaretoken" in response.content or "csrftoken" in response.cookies:
            with_token.append(path)
            assert cache_control(response) & {"private", "no-store"}, path
    assert {"/accounts/signup/", "/accounts/password_reset/", "/accounts/login/"} <= set(with_token)


def test_anonymous_pages_are_not_marked_private(client):
    for path in ["/", "/products/", "/tour/", "/no-such-page/"]:
        response = client.get(path)
        if response.status_code == 404:
            # An error answer no cache keeps at all (tests/config/test_error_answers.py).
            assert "no-store" in cache_control(response), path
        else:
            assert "private" not in cache_control(response), path
        # The header reads the visitor's session (`user.is_authenticated`), so
        # Django says the page depends on the Cookie header: a shared cache keeps
        # one copy for visitors without cookies, and asks again for the others.
        assert "Cookie" in response["Vary"], path
    stylesheet = staticfiles_storage.url("css/site.css")
    for path in ["/healthz", "/robots.txt", stylesheet]:  # rendered without the header
        assert "Cookie" not in client.get(path).get("Vary", ""), path


def test_private_pages_are_never_stored_in_the_page_cache(logged_in, client):
    ProductFactory()
    assert logged_in.get("/products/")["X-Page-Cache"] == "bypass"
    assert client.get("/products/")["X-Page-Cache"] == "miss"
    assert client.get("/products/")["X-Page-Cache"] == "hit"
    assert "private" in cache_control(logged_in.get("/products/"))


def policy(response) -> dict[str, str]:
    header = response["Permissions-Policy"]
    return dict(part.strip().split("=", 1) for part in header.split(","))


def test_every_response_denies_the_powerful_features(client, logged_in, admin_client):
    responses = [client.get(path) for path in pages()]
    responses += [logged_in.get("/accounts/profile/"), admin_client.get("/admin/")]
    responses.append(client.get("/static/css/site.css"))  # served by WhiteNoise
    responses.append(client.post("/healthz"))  # 405
    # Answered by the middleware that checks the request before the rest: the HTTPS
    # redirect, a host not allowed (400), a slash appended (301).
    with override_settings(SECURE_SSL_REDIRECT=True):
        responses.append(Client().get("/products/"))  # a new client: new middleware
    responses.append(client.get("/products/", HTTP_HOST="elsewhere.example"))
    responses.append(client.get("/products"))
    assert [r.status_code for r in responses[-3:]] == [301, 400, 301]
    for response in responses:
        assert all(policy(response)[feature] == "()" for feature in DENIED), response
        assert response["X-Frame-Options"] == "DENY", response


def reset_url(user) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return f"/accounts/reset/{uid}/{default_token_generator.make_token(user)}/"


FORM_VIEWS = {
    "/accounts/signup/": "anonymous",
    "/accounts/login/": "anonymous",
    "/accounts/password_reset/": "anonymous",
    "reset": "anonymous",
    "/accounts/profile/edit/": "user",
    "/accounts/password_change/": "user",
    "/debug/sentry-check": "staff",
    "/tour/s3-media/": "staff",
    "/admin/media/versions/": "staff",
    # The admin's own pages: its login, the site's page for its password change,
    # and a model's add form, for every page the admin serves.
    "/admin/login/": "anonymous",
    "/admin/password_change/": "staff",
    "/admin/accounts/company/add/": "staff",
    # The site's pages at the admin's own paths (accounts/urls.py), as the admin's.
    "/admin/password_change/done/": "staff",
    "/admin/logout/": "staff",
}


@pytest.fixture
def visit(client, logged_in, admin_client, user):
    """(client, path) of a form view, as the visitor it is for."""
    clients = {"anonymous": client, "user": logged_in, "staff": admin_client}

    def visit(view):
        return clients[FORM_VIEWS[view]], reset_url(user) if view == "reset" else view

    return visit


@pytest.mark.parametrize("view", list(FORM_VIEWS))
@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "PROPFIND"])
@pytest.mark.parametrize("visitor", ["as its visitor", "anonymous", "user", "staff"])
def test_form_views_answer_only_get_head_and_post(view, method, visitor, visit, request):
    """Whoever asks: the admin's media versions page sent an anonymous visitor to the
    login page (its staff check came first), where the docs promise the 405."""
    client, path = visit(view)
    if visitor != "as its visitor":
        client = request.getfixturevalue(
            {"anonymous": "client", "user": "logged_in", "staff": "admin_client"}[visitor]
        )
    response = client.generic(method, path)
    if path == "/debug/sentry-check" and visitor in ("anonymous", "user"):
        assert response.status_code == 404  # superusers' alone: anyone else, any method
        return
    assert response.status_code == 405, (method, path, response.status_code)
    assert set(response["Allow"].split(", ")) == {"GET", "HEAD", "POST"}


@pytest.mark.parametrize("view", list(FORM_VIEWS))
def test_form_views_still_answer_get_and_head(view, visit, fresh_s3):
    client, path = visit(view)
    for method in ("GET", "HEAD"):
        response = client.generic(method, path)
        assert response.status_code in (200, 302), (method, path, response.status_code)


@pytest.mark.parametrize("method", ["GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE", "PROPFIND"])
def test_logout_logs_out_on_post_alone(method, logged_in):
    """A GET or HEAD shows the page with the button; only a POST logs out."""
    response = logged_in.generic(method, "/accounts/logout/")
    if method in ("GET", "HEAD"):
        assert response.status_code == 200
    else:
        assert response.status_code == 405, (method, response.status_code)
        assert set(response["Allow"].split(", ")) == {"GET", "HEAD", "POST"}
    assert "_auth_user_id" in logged_in.session
    assert logged_in.post("/accounts/logout/").status_code == 302
    assert "_auth_user_id" not in logged_in.session
