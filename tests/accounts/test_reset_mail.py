"""Password reset mail leaves off the request path: the answer never waits for the
mail server, so its timing cannot tell a registered address from an unknown one."""

import queue
import re
import threading

import pytest
from django.core import mail as sent
from django.test import Client
from django.urls import clear_script_prefix, set_script_prefix

from accounts.forms import MailPart, send_in_one_mail
from accounts.mail import Outbox, outbox
from tests.factories import UserFactory
from tests.mailserver import SMTPServer

pytestmark = pytest.mark.django_db

RESET = "/accounts/password_reset/"
DONE = "/accounts/password_reset/done/"


@pytest.fixture
def held_smtp(settings):
    """The app's mail goes to a local SMTP server that greets only when released."""
    with SMTPServer() as server:
        for name, value in server.settings().items():
            setattr(settings, name, value)
        yield server


def test_the_answer_comes_while_the_mail_server_is_still_silent(client, held_smtp):
    UserFactory(username="grace", email="grace@example.com")

    response = client.post(RESET, {"email": "grace@example.com"})

    # Answered while the server has not said a word: nothing could be sent yet.
    assert (response.status_code, response["Location"]) == (302, DONE)
    assert held_smtp.messages.empty()
    held_smtp.release()
    mail = held_smtp.next_message(timeout=30)
    assert mail.recipients == ["grace@example.com"]
    assert 'the account "grace"' in mail.text
    assert re.search(r"http://testserver/accounts/reset/\S+/\S+/", mail.text)


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client, held_smtp):
    response = client.post(RESET, {"email": "nobody@example.com"})
    assert (response.status_code, response["Location"]) == (302, DONE)
    held_smtp.release()
    with pytest.raises(queue.Empty):
        held_smtp.next_message(timeout=1)
    assert held_smtp.connections == 0


def test_the_queue_is_bounded_and_failures_are_logged(caplog):
    gate = threading.Event()
    small = Outbox(workers=1, max_pending=2)
    ran = []
    assert small.submit(gate.wait, "the first") is True
    assert small.submit(lambda: ran.append("second"), "the second") is True
    # One being sent and one waiting fill its two: a third is dropped, not queued.
    assert small.submit(lambda: ran.append("third"), "the third") is False
    assert "Mail queue full: the third was not sent." in caplog.text
    gate.set()
    assert small.wait(timeout=30)
    assert ran == ["second"]
    # Slots free again once jobs are done; a failing job is logged, not raised.
    assert small.submit(lambda: 1 / 0, "a broken mail") is True
    assert small.wait(timeout=30)
    assert "Failed to send a broken mail." in caplog.text
    assert "ZeroDivisionError" in caplog.text


def test_a_process_sends_two_at_a_time_and_holds_fifty_in_all():
    """The site's figures (docs/accounts.md): two threads, 50 mails in hand."""
    gate = threading.Event()
    started = []
    box = Outbox()
    try:
        held = [box.submit(lambda: started.append(1) or gate.wait(30), "a mail") for _ in range(50)]
        assert held == [True] * 50
        assert box.submit(lambda: None, "the 51st") is False
        assert not box.wait(timeout=0.5)
        assert len(started) == 2
    finally:
        gate.set()
    assert box.wait(timeout=30)
    assert len(started) == 50


def reset_part(user) -> MailPart:
    """One account's part of a reset mail, with an HTML version."""
    context = {
        "email": user.email,
        "domain": "testserver",
        "site_name": "testserver",
        "uid": "MQ",
        "user": user,
        "token": "t",
        "protocol": "https",
    }
    template = "accounts/password_reset_email.txt"
    subject = "accounts/password_reset_subject.txt"
    return MailPart(subject, template, context, None, user.email, template)


def test_one_mail_carries_an_html_version_only_for_a_single_account():
    """Two HTML documents joined do not make one: a mail for several accounts is text."""
    first, second = UserFactory(email="lin@example.com"), UserFactory(email="lin@example.com")
    send_in_one_mail([reset_part(first)])
    send_in_one_mail([reset_part(first), reset_part(second)])
    single, both = sent.outbox[-2:]
    assert [kind for _, kind in single.alternatives] == ["text/html"]
    assert both.alternatives == []
    assert first.get_username() in both.body
    assert second.get_username() in both.body


def test_an_address_mail_cannot_reach_is_a_warning_and_no_mail(caplog):
    """Stored before the forms checked it: the mail cannot be written, and an error
    record would be a Sentry event on every reset request for it."""
    user = UserFactory(email="m@ex\ufffdample.com")
    part = reset_part(user)
    sent.outbox = []
    send_in_one_mail([part])
    assert sent.outbox == []
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("WARNING", f"No password reset email: mail cannot be sent to the address of [{user.pk}]")
    ]


@pytest.fixture
def under_a_prefix():
    """What Django's WSGI handler does for a site served under /shop/ (SCRIPT_NAME)."""
    set_script_prefix("/shop/")
    yield
    clear_script_prefix()


@pytest.mark.django_db
def test_the_mail_thread_builds_links_as_the_request_would(under_a_prefix, settings):
    """The reset mail is rendered on a mail thread, which had none of the request's
    script prefix, URLconf or language (each thread-local in Django): a site served
    under /shop/ mailed links to /accounts/reset/..., a 404."""
    UserFactory(username="ada", email="ada@example.com")
    answer = Client().post("/accounts/password_reset/", {"email": "ada@example.com"})
    assert answer["Location"].startswith("/shop/")
    assert outbox.wait(10)
    link = re.search(r"https?://\S+", sent.outbox[-1].body)[0]
    assert "/shop/accounts/reset/" in link


def test_a_job_runs_with_the_submitters_urlconf_and_language():
    from django.urls import get_script_prefix, get_urlconf, set_urlconf
    from django.utils import translation

    box, seen = Outbox(), []
    set_script_prefix("/shop/")
    set_urlconf("tests.config.urls_items")
    try:
        with translation.override("de"):
            box.submit(
                lambda: seen.append(
                    (get_script_prefix(), get_urlconf(), translation.get_language())
                ),
                "a probe",
            )
    finally:
        set_urlconf(None)
        clear_script_prefix()
    assert box.wait(10)
    assert seen == [("/shop/", "tests.config.urls_items", "de")]
    # And the mail thread keeps none of it for the next job.
    box.submit(lambda: seen.append((get_script_prefix(), get_urlconf())), "another")
    assert box.wait(10)
    assert seen[-1] == ("/", None)


# Where a reset link points: the host the request named (Django checked it against
# ALLOWED_HOSTS, without its port), on the port the site really answers on, never
# the port the request's Host header names. In development the server is reached
# straight, on the port it listens on (SERVER_PORT: 8000 for the demo); in
# production it sits behind Heroku's router, which serves the scheme's own port,
# and the dyno's $PORT (gunicorn's SERVER_PORT there, 31337 here) is never it.
# (development, host header, server port, https, links to)
LINKS = [
    (True, "localhost:99999", "8000", False, "http://localhost:8000"),
    (True, "localhost:8000", "8000", False, "http://localhost:8000"),
    (True, "localhost", "8000", False, "http://localhost:8000"),
    (True, "localhost:80", "8000", False, "http://localhost:8000"),
    (True, "LocalHost.:99999", "8000", False, "http://localhost:8000"),
    (True, "[::1]:99999", "8000", False, "http://[::1]:8000"),
    (True, "[::1]", "8000", False, "http://[::1]:8000"),
    (True, "testserver:99999", "80", False, "http://testserver"),
    (True, "testserver:80", "80", False, "http://testserver"),
    (True, "testserver:443", "443", True, "https://testserver"),
    (True, "testserver:99999", "443", True, "https://testserver"),
    (False, "app.herokuapp.com:99999", "31337", True, "https://app.herokuapp.com"),
    (False, "app.herokuapp.com:31337", "31337", True, "https://app.herokuapp.com"),
    (False, "app.herokuapp.com", "31337", True, "https://app.herokuapp.com"),
    (False, "app.herokuapp.com:443", "31337", True, "https://app.herokuapp.com"),
    (False, "app.herokuapp.com:80", "31337", True, "https://app.herokuapp.com"),
    (False, "[::1]:99999", "31337", True, "https://[::1]"),
]


def reset_mail_through(host: str, port: str, https: bool, **headers) -> str:
    """The reset mail a request with this Host, reaching the server on `port`, sends."""
    UserFactory(username="ada", email="ada@example.com")
    sent.outbox = []
    answer = Client().post(
        RESET,
        {"email": "ada@example.com"},
        secure=https,
        headers={"host": host, **headers},
        SERVER_PORT=port,
    )
    assert (answer.status_code, answer["Location"]) == (302, DONE)
    assert outbox.wait(10)
    [mail] = sent.outbox
    return f"{mail.subject}\n{mail.body}"


def link_of(mail: str) -> str:
    """The scheme, host and port of the mail's one reset link."""
    [link] = re.findall(r"(https?://\S*?)/accounts/reset/\S+/\S+/", mail)
    return link


@pytest.mark.parametrize(("development", "host", "port", "https", "links_to"), LINKS)
def test_a_link_names_where_the_site_is(settings, development, host, port, https, links_to):
    settings.DEVELOPMENT = settings.DEBUG = development
    settings.ALLOWED_HOSTS = ["localhost", "testserver", ".herokuapp.com", "[::1]"]
    mail = reset_mail_through(host, port, https)
    assert link_of(mail) == links_to
    # The mail's subject and text name the site as its link does.
    name = links_to.split("://")[1]
    assert f"Reset your password on {name}\n" in mail
    assert f'the account "ada" on {name}.' in mail


def test_in_development_a_link_has_the_scheme_of_the_connection(settings):
    """The demo speaks plain HTTP: a client's X-Forwarded-Proto made its links https."""
    mail = reset_mail_through("localhost:8000", "8000", False, x_forwarded_proto="https")
    assert link_of(mail) == "http://localhost:8000"


def test_a_forwarded_port_is_not_taken_either(settings):
    """X-Forwarded-Port is what a proxy says the client used; behind a proxy that
    passes the client's own header on, it is the client's choice again."""
    settings.DEVELOPMENT, settings.DEBUG = False, False
    settings.ALLOWED_HOSTS = [".herokuapp.com"]
    mail = reset_mail_through("app.herokuapp.com", "31337", True, x_forwarded_port="99999")
    assert link_of(mail) == "https://app.herokuapp.com"
