"""Session, CSRF and messages cookies the app did not issue count as absent, never a 500.

Two layers (config/security/cookies.py, config/security/sessions.py): a middleware first in the
stack drops such cookies from request.COOKIES, and the session engine refuses
any key it would not have issued. Both are tested here through the real stack;
tests/deploy/corpus/ sends the same cookies to the real web process.
"""

import hashlib
import json
import zlib

import pytest
from django.conf import settings
from django.contrib.messages import INFO
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import reverse
from django.utils.html import format_html

from config.security.cookies import issued
from config.security.messages import FallbackStorage
from config.security.sessions import SessionStore
from tests.factories import PASSWORD, ProductFactory, UserFactory

pytestmark = pytest.mark.django_db

# Cookie values as they appear in the Cookie header: Python's cookie parser turns
# a quoted "\000" into a NUL, and a WSGI server hands other bytes on as latin-1.
JUNK = {
    "octal NUL, quoted": '"\\000aaaaaaaaaaaaaaaa"',
    "raw NUL": "\x00" + "a" * 31,
    "control characters": "\x01\x1b\x7f" + "a" * 29,
    "quoted control characters": '"\\001\\033' + "a" * 30 + '"',
    "octal escapes to non-ASCII": '"' + "\\377\\376" * 16 + '"',
    "non-ASCII": "é" * 32,
    "UTF-8 read as latin-1": "Ã©" * 16,
    "very long": "a" * 10_000,
    "empty": "",
    "quoted empty": '""',
    "one too short": "a" * 31,
    "one too long": "a" * 33,
    "sixty-three": "a" * 63,
    "upper case": "A" * 32,
    "SQL": "a' OR '1'='1",
    "spaces": "a b" * 11,
    "signature without value": ":abc",
    "value without signature": "abc:",
}
COOKIES = [settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME, CookieStorage.cookie_name]
PAGES = ["/", "/healthz", "/admin/login/", "/accounts/login/", "/accounts/profile/"]


@pytest.fixture
def client():
    # A 500 must come back as a response to assert on, as a browser would see it.
    return Client(raise_request_exception=False)


@pytest.mark.parametrize("cookie", COOKIES)
@pytest.mark.parametrize("label", list(JUNK))
def test_a_cookie_the_app_did_not_issue_is_treated_as_absent(client, cookie, label):
    header = f"{cookie}={JUNK[label]}"
    for path in PAGES:
        response = client.get(path, HTTP_COOKIE=header)
        assert response.status_code < 500, (path, response.status_code)
    # No session: the own profile sends the visitor to the login page.
    response = client.get("/accounts/profile/", HTTP_COOKIE=header)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("cookie", [settings.SESSION_COOKIE_NAME, CookieStorage.cookie_name])
@pytest.mark.parametrize("label", list(JUNK))
def test_a_form_post_with_such_a_cookie_is_handled_as_without_it(cookie, label):
    user = UserFactory()
    client = Client(raise_request_exception=False, enforce_csrf_checks=True)
    token = client.get("/accounts/login/").cookies[settings.CSRF_COOKIE_NAME].value
    header = f"{settings.CSRF_COOKIE_NAME}={token}; {cookie}={JUNK[label]}"
    fields = {"username": user.username, "password": PASSWORD, "csrfmiddlewaretoken": token}
    response = client.post("/accounts/login/", fields, HTTP_COOKIE=header)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/profile/"


@pytest.mark.parametrize("label", list(JUNK))
def test_a_form_post_with_a_junk_csrf_cookie_is_refused_with_403(client, label):
    header = f"{settings.CSRF_COOKIE_NAME}={JUNK[label]}"
    response = Client(raise_request_exception=False, enforce_csrf_checks=True).post(
        "/accounts/login/", {"username": "a", "password": "b"}, HTTP_COOKIE=header
    )
    assert response.status_code == 403


def test_cookies_the_app_issued_still_work(client):
    client.force_login(UserFactory())
    response = client.get("/accounts/profile/")
    assert response.status_code == 200
    # The messages cookie Django signed survives the check and is shown once.
    client.post("/accounts/profile/edit/", {"display_name": "Ada", "bio": ""})
    assert settings.SESSION_COOKIE_NAME in client.cookies
    assert b"Your profile is saved." in client.get("/accounts/profile/").content


@pytest.mark.parametrize("label", list(JUNK))
def test_the_session_engine_refuses_keys_it_would_not_issue(label):
    store = SessionStore(session_key=JUNK[label])
    assert store.session_key is None
    assert store.load() == {}


def test_the_session_engine_keeps_the_keys_it_issues():
    store = SessionStore()
    store["answer"] = 42
    store.create()
    assert SessionStore(session_key=store.session_key).load() == {"answer": 42}


def test_issued_shapes():
    session, csrf, messages = COOKIES
    assert issued(session, "abcdefghijklmnopqrstuvwxyz012345")
    assert issued(csrf, "aB3" * 10 + "cD")
    assert issued(csrf, "aB3" * 21 + "c")
    assert issued(messages, ".eJyLjgUAARUAuQ:1tZ2xA:abc-_DEF")
    assert not issued(messages, "a" * 2049 + ":sig")
    assert issued("anything-else", "\x00")


@pytest.mark.parametrize("layer", ["middleware only", "session engine only"])
def test_each_layer_alone_keeps_a_nul_from_the_database(settings, layer):
    if layer == "middleware only":
        settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"
    else:
        settings.MIDDLEWARE = [
            m for m in settings.MIDDLEWARE if not m.startswith("config.security.cookies")
        ]
    header = f"{settings.SESSION_COOKIE_NAME}={JUNK['octal NUL, quoted']}"
    response = Client(raise_request_exception=False).get("/admin/login/", HTTP_COOKIE=header)
    assert response.status_code == 200


# Signed with the app's key, as anyone who knows it can (the demo's key is public):
# values Django's messages cookie never holds. Django checks the signature, then
# made messages of whatever the value held: a 500 on every page that shows them.
SIGNED_ODDITIES = {
    "a message without level or text": [["__json_message", 0]],
    "a level that is not a number": [["__json_message", 0, "x", "msg"]],
    "a level that is a list": [["__json_message", 0, [25], "msg"]],
    "extra tags that are a number": [["__json_message", 0, 25, "msg", 7]],
    "extra tags that are a list": [["__json_message", 0, 25, "msg", ["__json_message"]]],
    "a text that is an object": [["__json_message", 0, 25, {"a": 1}]],
    "too many parts": [["__json_message", 0, 25, "msg", "", "more"]],
    "an object": {"a": 1},
    "a number": 5,
    "a string": "abc",
    "a list of numbers": [1, 2],
    "nested past the recursion limit": "deep",
    "a level of infinity": [["__json_message", 0, float("inf"), "msg"]],
    "a level past a float": [["__json_message", 0, 1e308 * 10, "msg"]],
    # JSON's \ud800 decodes to a lone surrogate, which no page can encode as UTF-8.
    "a text with a lone surrogate": [["__json_message", 0, 25, "msg \ud800"]],
    "extra tags with a lone surrogate": [["__json_message", 0, 25, "msg", "\udfff"]],
    "safe text with a lone surrogate": [["__json_message", 1, 25, "\ud800"]],
    # Django's flag for a message of HTML, which the page would show as markup:
    # the app's cookie never holds it (its own HTML messages go to the session).
    "a message marked as HTML": [["__json_message", 1, 25, "<b id=marked>x</b>"]],
    "a message marked as HTML by true": [["__json_message", True, 25, "<b id=marked>x</b>"]],
    "a message marked as HTML after a plain one": [
        ["__json_message", 0, 25, "plain"],
        ["__json_message", 1, 25, "<b id=marked>x</b>"],
    ],
    "compressed, of nothing": "compressed nothing",
    "compressed, not zlib": "compressed junk",
}


def signed_messages(value) -> str:
    signer = signing.get_cookie_signer(salt=CookieStorage.key_salt)
    raw = {
        # zlib makes 100,000 brackets a few hundred bytes
        "deep": "." + signing.b64_encode(zlib.compress(b"[" * 100_000 + b"]" * 100_000)).decode(),
        "compressed nothing": ".",  # "." says compressed
        "compressed junk": "." + signing.b64_encode(b"not zlib").decode(),
    }
    if isinstance(value, str) and value in raw:
        return signer.sign(raw[value])
    return signer.sign_object(value, serializer=signing.JSONSerializer, compress=True)


@pytest.mark.parametrize("label", list(SIGNED_ODDITIES))
@pytest.mark.parametrize("page", ["/accounts/login/", "/"])
def test_a_signed_messages_cookie_of_another_shape_counts_as_none(client, label, page):
    client.cookies[CookieStorage.cookie_name] = signed_messages(SIGNED_ODDITIES[label])
    response = client.get(page)
    assert response.status_code == 200
    assert '<p class="message ' not in response.content.decode()


# What a session may hold under Django's key for the messages the cookie could not
# carry: JSON text as Django's session storage writes it, or any other value.
SESSION_ODDITIES = {
    **{
        label: json.dumps(value)
        for label, value in SIGNED_ODDITIES.items()
        if not (
            isinstance(value, str) and value in ("deep", "compressed nothing", "compressed junk")
        )
    },
    "nested past the recursion limit": "[" * 100_000 + "]" * 100_000,
    "not JSON": "garbage",
    "a number, not text": 5,
    "a list, not text": [1, 2],
}


@pytest.mark.parametrize("label", list(SESSION_ODDITIES))
def test_messages_the_session_keeps_of_another_shape_count_as_none(client, label):
    """Django keeps the messages the cookie cannot hold in the session, and read back
    whatever is there: a 500 on every page that lists messages, and a message marked
    as HTML shown as markup. They are read as the cookie is, and dropped."""
    client.force_login(UserFactory())
    session = client.session
    session["_messages"] = SESSION_ODDITIES[label]
    session.save()
    # The cookie says more messages wait in the session, as Django writes it then.
    unfinished = CookieStorage(HttpRequest())._encode([CookieStorage.not_finished])
    client.cookies[CookieStorage.cookie_name] = unfinished
    response = client.get("/")
    assert response.status_code == 200
    assert '<p class="message ' not in response.content.decode()
    assert "marked" not in response.content.decode()
    assert "_messages" not in client.session
    assert client.get("/accounts/profile/").status_code == 200


def test_a_signed_messages_cookie_django_wrote_is_still_shown(client):
    storage = CookieStorage(HttpRequest())
    written = storage._encode([Message(25, "Your profile is saved.", extra_tags="saved")])
    client.cookies[CookieStorage.cookie_name] = written
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert "Your profile is saved." in response.content.decode()


def test_the_admins_messages_of_html_go_in_the_cookie_as_their_text(client):
    """Django marks the admin's "was added successfully" as HTML (a link to the
    object): the cookie carries its text, unmarked, which the next page shows once.
    Django's own cookie would carry the flag, which the app refuses to read back."""
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.post(
        reverse("admin:catalog_category_add"),
        {"name": "Lamps & <Co>", "slug": "lamps", "description": ""},
    )
    assert response.status_code == 302
    text = "The category “Lamps & <Co>” was added successfully."
    held = signing.get_cookie_signer(salt=CookieStorage.key_salt).unsign_object(
        client.cookies[CookieStorage.cookie_name].value, serializer=signing.JSONSerializer
    )
    assert held == [["__json_message", 0, 25, text, ""]]
    assert settings.SESSION_COOKIE_NAME not in response.cookies  # the session is left alone

    shown = client.get(response["Location"]).content.decode()
    assert "The category “Lamps &amp; &lt;Co&gt;” was added successfully." in shown
    assert client.cookies[CookieStorage.cookie_name].value == ""
    again = client.get(response["Location"]).content.decode()
    assert "was added successfully" not in again


def test_messages_of_html_past_the_cookies_size_reach_the_session_as_text(rf, client):
    """What does not fit in the cookie goes by the session, as in Django, as text too."""
    client.force_login(UserFactory())
    request = rf.get("/")
    request.session = client.session
    request.COOKIES = {}
    storage = FallbackStorage(request)
    # hashes, so that compression leaves the cookie too small for them all
    words = [hashlib.sha256(bytes([number])).hexdigest() for number in range(60)]
    for number, word in enumerate(words):
        storage.add(INFO, format_html("<em>{}</em> {} {}.", "Marked", number, word))
    response = HttpResponse()
    storage.update(response)
    request.session.save()
    assert request.session["_messages"]  # some went by the session
    for morsel in response.cookies.values():
        client.cookies[morsel.key] = morsel.value

    page = client.get("/").content.decode()
    assert "<em>" not in page
    positions = [page.index(f"Marked {number} {word}.") for number, word in enumerate(words)]
    assert positions == sorted(positions)


def test_cookies_are_screened_before_any_middleware_that_reads_one(settings):
    """docs/production.md: only middleware that reads no cookie comes before it."""
    import inspect

    from django.utils.module_loading import import_string

    position = settings.MIDDLEWARE.index("config.security.cookies.IssuedCookiesMiddleware")
    for path in settings.MIDDLEWARE[:position]:
        source = inspect.getsource(import_string(path))
        assert "COOKIE" not in source.upper(), path


REFUSED_MESSAGES = {
    "a bad signature": "W1siX19qc29uX21lc3NhZ2UiXV0:1tXyz:badsignaturebadsignature",
    "no signature": "garbage",
    **{f"signed, {label}": label for label in ("a number", "a message marked as HTML")},
}


@pytest.mark.parametrize("label", list(REFUSED_MESSAGES))
def test_a_messages_cookie_the_app_refuses_is_deleted_and_the_page_cache_serves_again(label):
    """Kept by the browser, it was sent with every request, and a visitor with a
    messages cookie skips the page cache: after a secret key's rotation, every list
    page rendered live until the browser closed. The first page that reads it deletes it."""
    value = REFUSED_MESSAGES[label]
    if value in SIGNED_ODDITIES:
        value = signed_messages(SIGNED_ODDITIES[value])
    ProductFactory()
    browser = Client()
    assert browser.get("/products/")["X-Page-Cache"] == "miss"  # stored in the page cache
    browser.cookies[CookieStorage.cookie_name] = value
    refused = browser.get("/products/")
    assert refused["X-Page-Cache"] == "bypass"
    deleted = refused.cookies[CookieStorage.cookie_name]
    assert (deleted.value, deleted["max-age"]) == ("", 0)
    assert browser.get("/products/")["X-Page-Cache"] == "hit"


def test_a_messages_cookie_read_and_kept_is_not_deleted(client):
    storage = CookieStorage(HttpRequest())
    client.cookies[CookieStorage.cookie_name] = storage._encode([Message(25, "Saved.")])
    response = client.get("/products/")  # shows it: then Django deletes it, as ever
    assert "Saved." in response.content.decode()
    client.cookies[CookieStorage.cookie_name] = storage._encode([Message(25, "Saved.")])
    response = client.get("/healthz")  # reads nothing: it stays for the next page
    assert CookieStorage.cookie_name not in response.cookies


@pytest.mark.parametrize("cookie", [settings.SESSION_COOKIE_NAME, CookieStorage.cookie_name])
@pytest.mark.parametrize("label", ["raw NUL", "spaces", "non-ASCII", "very long"])
def test_a_cookie_of_a_shape_the_app_never_issues_keeps_nobody_from_the_page_cache(
    client, cookie, label
):
    """Ignored, not deleted: being absent for the app, it is no reason to render."""
    ProductFactory()
    assert client.get("/products/")["X-Page-Cache"] == "miss"
    answer = client.get("/products/", HTTP_COOKIE=f"{cookie}={JUNK[label]}")
    assert answer["X-Page-Cache"] == "hit"
    assert cookie not in answer.cookies
