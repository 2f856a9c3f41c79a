import logging
import re
import sys

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.auth.models import User
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.mail import outbox
from accounts.models import Profile
from tests.accounts.test_backends import SlowHasher
from tests.factories import PASSWORD, UserFactory
from tests.mailserver import SMTPServer
from tests.threads import sent_at_once

pytestmark = pytest.mark.django_db

GOOD = {
    "username": "ada",
    "email": "ada@example.com",
    "display_name": "Ada L.",
    "password1": "analytical-engine-1843",
    "password2": "analytical-engine-1843",
}


def test_signup_creates_user_and_profile_and_logs_in(client):
    response = client.post("/accounts/signup/", GOOD)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/profile/"
    user = User.objects.get(username="ada")
    assert user.email == "ada@example.com"
    assert user.profile.display_name == "Ada L."
    assert (
        client.session[BACKEND_SESSION_KEY] == "accounts.profile_auth.backends.ProfileModelBackend"
    )
    page = client.get("/accounts/profile/")
    assert b"<h1>Ada L.</h1>" in page.content
    assert b"Welcome! Your account is ready." in page.content


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"username": "taken"}, "A user with that username already exists."),
        ({"username": "TAKEN"}, "A user with that username already exists."),
        ({"password1": "12345678", "password2": "12345678"}, "This password is too common."),
        ({"password1": "short", "password2": "short"}, "This password is too short."),
        ({"password2": "analytical-engine-1844"}, "The two password fields didn"),
        ({"email": "not-an-address"}, "Enter a valid email address."),
        # Longer than the user table's 254 characters: PostgreSQL refused the row, a 500.
        ({"email": "a" * 250 + "@x.com"}, "at most 254 characters"),
        # 254 as typed, 255 once Django lowercases the domain ("İ" becomes two).
        ({"email": "a" * 248 + "@\u0130.com"}, "at most 254 characters"),
        # Addresses Django's check takes and mail cannot be sent to: a domain IDNA
        # refuses, a label too long once in ASCII, a local part outside ASCII (the
        # Kelvin sign, which the check's [A-Z] matches). No reset link could reach them.
        ({"email": "m@ex\ufffdample.com"}, "Mail cannot be sent to this address"),
        ({"email": "m@\u0627b.com"}, "Mail cannot be sent to this address"),
        ({"email": "m@" + "\u00e4" * 63 + ".com"}, "Mail cannot be sent to this address"),
        ({"email": "\u212a@example.com"}, "Mail cannot be sent to this address"),
        # Domains the IDNA codec writes as another domain: mail for them would go
        # there (ß is ss, full-width letters plain ones, a soft hyphen nothing).
        ({"email": "m@fa\u00df.de"}, "Mail cannot be sent to this address"),
        ({"email": "m@\uff45xample.com"}, "Mail cannot be sent to this address"),
        ({"email": "m@exam\u00adple.com"}, "Mail cannot be sent to this address"),
        ({"email": "m@ex\u200dample.com"}, "Mail cannot be sent to this address"),
        # What Django's check refuses never reaches the mail check: the parser
        # behind it raised IndexError, TypeError, AttributeError (a 500).
        ({"email": '"'}, "Enter a valid email address."),
        ({"email": "<>"}, "Enter a valid email address."),
        ({"email": ".<a("}, "Enter a valid email address."),
    ],
    ids=[
        "duplicate",
        "duplicate-other-case",
        "common",
        "short",
        "mismatch",
        "email",
        "email-too-long",
        "email-longer-once-normalized",
        "email-domain-idna-refuses",
        "email-domain-right-to-left-rule",
        "email-domain-label-too-long",
        "email-local-part-not-ascii",
        "email-domain-sharp-s",
        "email-domain-full-width",
        "email-domain-soft-hyphen",
        "email-domain-zero-width-joiner",
        "email-a-quote",
        "email-angle-brackets",
        "email-dot-bracket-paren",
    ],
)
def test_signup_with_bad_input_shows_errors_and_writes_nothing(client, changes, error):
    UserFactory(username="taken")
    users, profiles = User.objects.count(), Profile.objects.count()
    response = client.post("/accounts/signup/", {**GOOD, **changes})
    assert response.status_code == 200
    assert error in response.content.decode()
    assert 'class="errorlist' in response.content.decode()
    assert (User.objects.count(), Profile.objects.count()) == (users, profiles)
    assert BACKEND_SESSION_KEY not in client.session


@pytest.fixture
def mail_parser_given(monkeypatch):
    """The lengths of what the mail library's address parser is handed: its time grows
    faster than the address (20,000 quotes took 30 s, 100,000 backslashes 267 s). One
    longer than an address can be is refused here at once, so that a run with it is
    as quick as one without."""
    from email import _header_value_parser as parser

    lengths, parse = [], parser.get_mailbox

    def get_mailbox(value):
        lengths.append(len(value))
        if len(value) > 320:
            raise parser.errors.HeaderParseError("longer than an address")
        return parse(value)

    monkeypatch.setattr(parser, "get_mailbox", get_mailbox)
    return lengths


LONG_ADDRESSES = {
    "quotes": '"' * 100_000 + "@example.com",
    "backslashes": "\\" * 100_000 + "@example.com",
    "spaces": "a" + " " * 300 + "@example.com",  # 313 characters: stored as 13
}


@pytest.mark.parametrize("email", LONG_ADDRESSES.values(), ids=LONG_ADDRESSES)
def test_an_address_longer_than_the_field_is_refused_unparsed(client, mail_parser_given, email):
    """The form normalized an address (the mail library's parse) before it checked its
    length: one anonymous signup of a long address held a thread for minutes, and an
    address of 300 spaces was stored without them, as 13 characters."""
    from accounts.forms import NormalizedEmail
    from accounts.throttles import mailbox

    response = client.post("/accounts/signup/", {**GOOD, "email": email})
    assert response.status_code == 200
    assert "Ensure this value has at most 254 characters" in response.content.decode()
    assert not User.objects.exists()
    with pytest.raises(ValidationError):  # createsuperuser's check, the admin's field
        NormalizedEmail(max_length=254).clean(email)
    mailbox(email)  # the reset's count, which forms call with checked addresses only
    assert max(mail_parser_given, default=0) <= 320


@pytest.mark.parametrize(
    "username", ["demo-staff", "Demo-Member", "\uff24\uff25\uff2d\uff2f-staff"]
)
def test_the_shared_demo_logins_names_are_kept_from_signup(client, username):
    """The site treats an account of these names as a login every visitor shares
    (no password change, no profile edit): a visitor who signed up with one before
    the seed ran would have got such an account."""
    response = client.post("/accounts/signup/", {**GOOD, "username": username})
    assert response.status_code == 200
    assert "This username is kept for the demo&#x27;s shared logins." in response.content.decode()
    assert not User.objects.filter(username__iexact=username).exists()


@pytest.mark.parametrize(
    "email", ["ada@b\u00fccher.example", "ada@xn--bcher-kva.example", "ada+shop@example.com"]
)
def test_an_international_domain_is_an_address_mail_reaches(client, email):
    response = client.post("/accounts/signup/", {**GOOD, "email": email})
    assert response.status_code == 302
    assert User.objects.get(username=GOOD["username"]).email == email


def test_signup_page_renders_its_form(client):
    response = client.get("/accounts/signup/")
    assert response.status_code == 200
    for field in ("username", "email", "display_name", "password1", "password2"):
        assert f'name="{field}"'.encode() in response.content


def test_login_and_post_only_logout(client):
    user = UserFactory(profile__display_name="Grace H.")
    assert b'href="/accounts/login/"' in client.get("/").content
    response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert response["Location"] == "/accounts/profile/"
    home = client.get("/").content
    assert b"Grace H." in home
    assert b'action="/accounts/logout/"' in home
    # A visit shows the button; only the button logs out.
    page = client.get("/accounts/logout/")
    assert page.status_code == 200
    assert b'<form method="post" action="/accounts/logout/">' in page.content
    assert "_auth_user_id" in client.session
    response = client.post("/accounts/logout/")
    assert response["Location"] == "/"
    assert "_auth_user_id" not in client.session


def test_the_logout_page_tells_a_visitor_who_is_not_logged_in(client):
    page = client.get("/accounts/logout/")
    assert page.status_code == 200
    assert b"You are not logged in." in page.content
    assert b'href="/accounts/login/"' in page.content
    assert b'action="/accounts/logout/"' not in page.content


def test_the_admins_logout_address_visited_shows_the_button_and_logs_out_on_post(
    client, django_user_model
):
    """Django's admin logs out on POST alone, and answered a visit (an address typed,
    its own login's `next`) with a blank 405: it gets the site's logout page."""
    staff = UserFactory(is_staff=True)
    client.force_login(staff)
    logout = f"/{settings.ADMIN_URL}logout/"
    page = client.get(logout)
    assert page.status_code == 200
    assert b'<form method="post" action="/accounts/logout/">' in page.content
    assert "_auth_user_id" in client.session
    assert client.head(logout).status_code == 200
    assert client.generic("PUT", logout).status_code == 405
    done = client.post(logout)  # the admin's own logout, to LOGOUT_REDIRECT_URL
    assert (done.status_code, done["Location"]) == (302, "/")
    assert "_auth_user_id" not in client.session
    # A member is not the admin's: its POST goes to the admin's index, as Django's
    # admin sends it, and logs nobody out.
    client.force_login(UserFactory())
    refused = client.post(logout)
    assert (refused.status_code, refused["Location"]) == (302, f"/{settings.ADMIN_URL}")
    assert "_auth_user_id" in client.session


def test_profile_page_requires_login(client):
    response = client.get("/accounts/profile/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/accounts/profile/"


def test_password_change(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        "/accounts/password_change/",
        {
            "old_password": PASSWORD,
            "new_password1": "a-brand-new-secret-9",
            "new_password2": "a-brand-new-secret-9",
        },
    )
    assert response["Location"] == "/accounts/password_change/done/"
    # Still logged in: Django updated the session's password hash.
    assert b"Your password is changed." in client.get(response["Location"]).content
    user.refresh_from_db()
    assert user.check_password("a-brand-new-secret-9")


def test_password_reset_by_mail(client):
    user = UserFactory(email="grace@example.com")
    response = client.post("/accounts/password_reset/", {"email": "grace@example.com"})
    assert response["Location"] == "/accounts/password_reset/done/"
    assert outbox.wait(timeout=30)  # the mail leaves on a mail thread
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)
    form_url = client.get(link)["Location"]  # Django swaps the token for a session value
    assert b'name="new_password1"' in client.get(form_url).content
    response = client.post(
        form_url, {"new_password1": "fresh-start-2024", "new_password2": "fresh-start-2024"}
    )
    assert response["Location"] == "/accounts/reset/done/"
    user.refresh_from_db()
    assert user.check_password("fresh-start-2024")
    # The link works once; then it is a bad request, saying why.
    used = client.get(link, follow=True)
    assert used.status_code == 400
    assert b"This password reset link is invalid" in used.content


def test_a_reset_link_of_an_account_deactivated_since_is_invalid(client):
    """Django sets the password of an inactive account through its link and says
    "Log in", and the login then fails: the link is invalid instead."""
    user = UserFactory(email="grace@example.com")
    client.post("/accounts/password_reset/", {"email": "grace@example.com"})
    assert outbox.wait(timeout=30)
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)
    user.is_active = False
    user.save(update_fields=["is_active"])
    page = client.get(link, follow=True)
    assert page.status_code == 400
    assert b"This password reset link is invalid" in page.content
    assert b'name="new_password1"' not in page.content


def test_password_reset_for_an_unknown_address_looks_the_same(client):
    response = client.post("/accounts/password_reset/", {"email": "nobody@example.com"})
    assert response["Location"] == "/accounts/password_reset/done/"
    assert outbox.wait(timeout=30)
    assert mail.outbox == []


def test_password_reset_when_the_mail_server_is_down_is_no_500(
    client, settings, caplog, refusing_port
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_USE_TLS = "127.0.0.1", False
    settings.EMAIL_PORT = refusing_port  # nothing listens on it
    UserFactory(email="grace@example.com")
    response = client.post("/accounts/password_reset/", {"email": "grace@example.com"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password_reset/done/"
    # Django 5.2's form logs the failure (to Sentry, too) on the mail thread; the
    # usual page never tells whether an address has an account.
    assert outbox.wait(timeout=30)
    assert "Failed to send password reset email" in caplog.text


def reset_refused(client, settings, caplog, **refusing):
    """A reset requested for grace.hopper@example.com, sent to a mail server that
    refuses it (SMTPServer's `refusing`): the user, and the failure's log record."""
    user = UserFactory(email="grace.hopper@example.com")
    with SMTPServer(greeting_delay=0, **refusing) as server:
        for name, value in server.settings().items():
            setattr(settings, name, value)
        response = client.post("/accounts/password_reset/", {"email": user.email})
        assert response["Location"] == "/accounts/password_reset/done/"
        assert outbox.wait(timeout=30)
    [record] = [r for r in caplog.records if "password reset email" in r.getMessage()]
    return user, record


def test_a_reset_to_an_address_the_mail_server_refuses_is_a_warning_without_it(
    client, settings, caplog
):
    """The address's mailbox does not exist (550): a member's mistake, not a server
    fault, so no error (config/sentry.py sends errors), and smtplib's exception,
    which holds the address, is not logged with it."""
    user, record = reset_refused(client, settings, caplog, refuse_recipients=True)
    assert record.levelname == "WARNING"
    assert str(user.pk) in record.getMessage()
    assert "SMTPRecipientsRefused" in record.getMessage()
    assert "grace.hopper" not in caplog.text


def console_output(records) -> str:
    """The records as the app's log shows them: through the console handler
    settings.LOGGING configures (its formatter, its filters)."""
    [console] = [h for h in logging.getLogger().handlers if h.get_name() == "console"]
    return "\n".join(console.format(r) for r in records if console.filter(r))


def test_a_reset_mail_the_server_refuses_logs_its_error_without_the_address(
    client, settings, caplog
):
    """A mail server's refusal of the message names its recipient (a spam filter's
    554): the error and its traceback reach the app's log, the address does not."""
    _, record = reset_refused(client, settings, caplog, refuse_messages=True)
    assert record.levelname == "ERROR"
    assert "grace.hopper" in str(record.exc_info[1])  # what smtplib's exception holds
    shown = console_output([record])
    assert "SMTPDataError" in shown
    assert "Traceback" in shown
    assert "[Filtered]" in shown
    assert "grace.hopper" not in shown
    assert "hopper@" not in shown


@pytest.mark.parametrize(
    "address",
    ["ada@example.com", "ada%40example.com", "ada\uff20example.com", '"ada lovelace"@example.com'],
    ids=["plain", "url-encoded", "full-width", "quoted"],
)
def test_no_line_of_the_app_log_shows_an_e_mail_address(caplog, address):
    """The class: any logger, its message, its arguments and its traceback."""
    logger = logging.getLogger("anything.at.all")
    try:
        raise ValueError(f"cannot deliver to {address}")
    except ValueError:
        logger.exception("Failed for %s and %r", address, {"to": [address]})
    logger.warning("Plain line for %s", address)
    shown = console_output(caplog.records)
    assert "ada" not in shown
    assert shown.count("[Filtered]") == 4
    assert "ValueError: cannot deliver to [Filtered]" in shown


class Unprintable:
    def __str__(self):
        raise ValueError("cannot show dan@example.com")


@pytest.mark.parametrize(
    ("message", "args"),
    [("refused %d for ada@example.com", ("ada@example.com",)), ("refused %s", (Unprintable(),))],
    ids=["wrong placeholder", "str() raises"],
)
def test_a_line_that_cannot_be_formatted_shows_no_address_either(message, args):
    """A formatter that raised sent the record to logging's own error path, which
    printed its arguments and the formatting error's text to stderr, past it. The
    line keeps what there is to debug with: the message as written, the error, the
    traceback the record carries."""
    try:
        1 / 0  # noqa: B018
    except ZeroDivisionError:
        record = logging.getLogger("anything.at.all").makeRecord(
            "anything.at.all", logging.ERROR, __file__, 1, message, args, sys.exc_info()
        )
    shown = console_output([record])  # formatted, never raising
    # A record made by hand whose exc_info is no tuple (logging's own calls make one):
    # formatting it fails in the fallback too.
    odd = logging.LogRecord("x", logging.ERROR, __file__, 1, message, args, ValueError("e"))
    [console] = [h for h in logging.getLogger().handlers if h.get_name() == "console"]
    assert "could not be shown" in console.formatter.format(odd)
    assert "ada" not in console.formatter.format(odd)
    assert shown.startswith("ERROR anything.at.all: refused %")
    assert "could not be formatted" in shown
    assert "ZeroDivisionError: division by zero" in shown
    assert "ada" not in shown
    assert "dan@" not in shown


def test_a_post_without_any_field_shows_errors_and_writes_nothing(client):
    response = client.post("/accounts/signup/", b"{}", content_type="application/json")
    assert response.status_code == 200
    assert b"errorlist" in response.content
    assert not User.objects.exists()


def test_a_name_taken_between_the_check_and_the_insert_is_a_form_error(client):
    """A double click: the second request passed the form's check, then lost the race."""

    raced = []

    def rival_signs_up_first(execute, sql, params, many, context):
        if sql.startswith('INSERT INTO "auth_user"') and not raced:
            raced.append(True)  # first: the rival's own INSERT passes through here too
            User.objects.create_user("ada", "rival@example.com", "x-pass-9")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(rival_signs_up_first):
        response = client.post("/accounts/signup/", GOOD)
    assert response.status_code == 200
    assert "A user with that username already exists." in response.content.decode()
    # Nothing half-written. (The rival's row, made on this same connection inside the
    # signup's transaction, went with its rollback; a real rival's would stay.)
    assert User.objects.count() == 0
    assert Profile.objects.count() == 0
    assert "_auth_user_id" not in client.session


# Longer than the user model's 150 characters and axes' 255 (its attempt log's
# username column): the form let them through to the failed-login handlers, and
# PostgreSQL refused axes' row, a 500 for anyone. "㍿" is four characters after the
# NFKC normalization Django's username field applies.
OVERLONG_USERNAMES = {"151 letters": "a" * 151, "256 letters": "a" * 256, "64 of ㍿": "㍿" * 64}


@pytest.mark.parametrize("login", ["/accounts/login/", "/admin/login/"], ids=["site", "admin"])
@pytest.mark.parametrize("username", OVERLONG_USERNAMES.values(), ids=OVERLONG_USERNAMES)
def test_a_username_longer_than_any_account_is_a_form_error(client, login, username):
    response = client.post(login, {"username": username, "password": "x"})
    assert response.status_code == 200
    assert "Ensure this value has at most 150 characters" in response.content.decode()


def test_the_user_forms_are_djangos_for_its_user_as_docs_accounts_says():
    """docs/accounts.md: a fork with its own AUTH_USER_MODEL points these at it."""
    from accounts import forms

    for form in (forms.SignupForm, forms.AdminUserAddForm, forms.AdminUserChangeForm):
        assert form._meta.model is User, form


def test_the_logout_pages_button_logs_out_under_the_csrf_check():
    """The button's form carries its token: a browser's POST of it logs out, one
    without a token is refused and logs nobody out."""
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory())
    page = client.get("/accounts/logout/").content.decode()
    form = page.split("<main", 1)[1].split('<form method="post" action="/accounts/logout/">', 1)[1]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    assert client.post("/accounts/logout/").status_code == 403
    assert "_auth_user_id" in client.session
    done = client.post("/accounts/logout/", {"csrfmiddlewaretoken": token})
    assert (done.status_code, done["Location"]) == (302, "/")
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db(transaction=True)
def test_one_reset_link_sent_from_tabs_at_once_sets_one_password(settings, counts_cleared):
    """Each request had passed Django's check of the link before the first one set its
    password, and each was told "your new password is set": only the last one written
    worked. The link is checked again in the account's turn; the others get the page
    of a spent link."""
    settings.PASSWORD_HASHERS = [f"{SlowHasher.__module__}.SlowHasher"]
    user = UserFactory(email="grace@example.com")
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    first = Client()
    form_url = first.get(f"/accounts/reset/{uid}/{default_token_generator.make_token(user)}/")
    tabs = [first] + [Client() for _ in range(3)]
    for tab in tabs[1:]:
        tab.cookies = first.cookies
    sent = {}

    def send(n: int):
        password = f"tab-{n}-new-passphrase"
        sent[n] = tabs[n].post(
            form_url["Location"], {"new_password1": password, "new_password2": password}
        )
        return sent[n]

    assert sent_at_once(4, send) == [302, 400, 400, 400]
    [(set_by, _)] = [(n, answer) for n, answer in sent.items() if answer.status_code == 302]
    user.refresh_from_db()
    assert user.check_password(f"tab-{set_by}-new-passphrase")
    spent = next(answer for answer in sent.values() if answer.status_code == 400)
    assert b"This password reset link is invalid" in spent.content
