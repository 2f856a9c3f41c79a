"""What a login leaves in the database, and the two commands docs/production.md
("What grows with every login") schedules to remove it."""

import io
from datetime import timedelta

import pytest
from axes.models import AccessAttempt, AccessLog
from django.contrib.sessions.models import Session
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

PASSWORD = "correct horse battery staple"


def log_in(client, username):
    response = client.post("/accounts/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.content[:500]


@pytest.mark.django_db
def test_each_login_keeps_a_session_and_an_access_log_row_until_the_scheduled_commands(
    django_user_model,
):
    django_user_model.objects.create_user("casey", password=PASSWORD)
    # Failed attempts past the 15-minute cool-off: axes removes them at the next login.
    stale = AccessAttempt.objects.create(
        username="casey", ip_address="192.0.2.1", user_agent="x", failures_since_start=4
    )
    AccessAttempt.objects.filter(pk=stale.pk).update(
        attempt_time=timezone.now() - timedelta(minutes=16)
    )
    old, current = Client(), Client()
    log_in(old, "casey")
    log_in(current, "casey")
    assert not AccessAttempt.objects.exists()
    # A session lasts two weeks (Django's default), and nothing removes either
    # row on its own: both logins are still there.
    lasts = Session.objects.get(session_key=current.cookies["sessionid"].value).expire_date
    assert timedelta(days=14) - timedelta(minutes=1) < lasts - timezone.now() <= timedelta(days=14)
    assert Session.objects.count() == 2
    assert AccessLog.objects.filter(username="casey").count() == 2

    # The first login's session has expired and its access record is 31 days old.
    old_key = old.cookies["sessionid"].value
    Session.objects.filter(session_key=old_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    first = AccessLog.objects.filter(username="casey").earliest("attempt_time")
    AccessLog.objects.filter(pk=first.pk).update(attempt_time=timezone.now() - timedelta(days=31))

    call_command("clearsessions")
    call_command("axes_reset_logs", "--age", "30", stdout=io.StringIO())

    assert not Session.objects.filter(session_key=old_key).exists()
    assert Session.objects.count() == 1
    assert AccessLog.objects.filter(username="casey").count() == 1
    assert not AccessLog.objects.filter(pk=first.pk).exists()
    # The login that is still current stays logged in.
    assert current.get("/accounts/profile/").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("command", ["axes_reset_logs", "axes_reset_failure_logs"])
@pytest.mark.parametrize(
    ("age", "said"),
    [
        ("-1", "--age is a number of days, 0 or more"),  # removed every record, the newest too
        ("99999999999", "--age 99999999999 reaches back before the year 1"),  # OverflowError
        ("800000", "--age 800000 reaches back before the year 1"),
        # A number of 4,300 digits was repeated whole in the one line.
        ("9" * 4300, r"^--age '9{40}'\.\.\. \(4300 characters\) reaches back before"),
        ("-" + "9" * 4300, r"0 or more \(0 removes every record\): got '-9{39}'\.\.\. \(4301 "),
    ],
)
def test_axes_reset_logs_refuses_an_age_it_cannot_take_in_one_line(
    django_user_model, command, age, said
):
    django_user_model.objects.create_user("casey", password=PASSWORD)
    log_in(Client(), "casey")
    with pytest.raises(CommandError, match=said):
        call_command(command, "--age", age, stdout=io.StringIO())
    assert AccessLog.objects.count() == 1
    call_command("axes_reset_logs", "--age", "0", stdout=io.StringIO())  # every record, as axes'
    assert AccessLog.objects.count() == 0
