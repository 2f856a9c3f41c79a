"""The tour page of the versioned S3 media technique, live against the local S3 server."""

import datetime
import http.client
import re
import socket
import struct
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import import_module
from urllib.parse import urlsplit

import pytest
from botocore.config import Config
from django.conf import settings
from django.core.cache import caches
from django.core.files.storage import default_storage
from django.db import connection
from django.test import Client

from config.local import s3 as locals3
from config.media import tour, versions
from config.media.tour import (
    DEMO_NAME,
    READ_KEY,
    READ_SECONDS,
    UNREADABLE_KEY,
    UNREADABLE_SECONDS,
)
from config.security import throttle
from tests.conftest import storages_on
from tests.factories import UserFactory
from tests.processes import SilentServer
from tests.threads import meanwhile


def logged_in_superusers(django_user_model, count: int = 1) -> list[Client]:
    """Clients of one superuser, each logged in with a session of its own."""
    admin = django_user_model.objects.create_superuser("root", "root@example.com", "x")
    clients = [Client() for _ in range(count)]
    for client in clients:
        client.force_login(admin)
    return clients


@pytest.mark.django_db
def test_tour_page_shows_the_problem_the_code_and_the_bucket(client, fresh_s3):
    response = client.get("/tour/s3-media/")
    assert response.status_code == 200
    content = response.content.decode()
    assert "one bad <code>DELETE</code>" in content
    assert "def media_storage" in content  # read live from config/media/storage.py
    assert "copy_object" in content  # read live from config/media/versions.py
    assert "on_copied()" in content  # the copy shown whole, to where it is counted
    assert "Versioning: <strong>Enabled (MFA delete: Disabled)</strong>" in content
    assert "No versions of <code>tour/s3-media-demo.txt</code> yet" in content


@pytest.mark.django_db
def test_demonstration_deletes_and_restores_the_demo_object(admin_client, fresh_s3):
    client = admin_client
    response = client.post("/tour/s3-media/", follow=True)
    assert response.status_code == 200
    content = response.content.decode()
    assert "Download its presigned URL: HTTP 200" in content
    assert "Download the same URL again: HTTP 404." in content
    assert "bytes identical to the saved ones: yes" in content

    found = versions.list_versions(DEMO_NAME)
    # Newest first: the restored copy, the delete marker, the saved version.
    assert [v.is_delete_marker for v in found] == [False, True, False]
    assert content.count("<td>delete marker</td>") == 1
    # Run again: one more save, delete and restore of the same key. The first run's
    # entries, all below the current one now, keep their order: S3 gives times to the
    # second, and within one a marker is listed above the versions.
    client.post("/tour/s3-media/", follow=True)
    again = versions.list_versions(DEMO_NAME)
    assert [v.is_delete_marker for v in again] == [False, True, False] * 2
    assert [v.version_id for v in again[3:]] == [v.version_id for v in found]


def saved_version(page: str) -> str:
    """The version id a demonstration's page says its run saved."""
    return re.search(r"Save the file: version (\S+),", page)[1]


@pytest.mark.django_db
def test_reloading_the_result_shows_it_again_without_running_again(admin_client, fresh_s3):
    """Post, redirect, get: the result is a page of its own, so a reload (or the
    back button, or a HEAD) asks nothing of the bucket's versions, nor of the
    hourly count."""
    ran = admin_client.post("/tour/s3-media/")
    assert ran.status_code == 303
    assert re.fullmatch(r"/tour/s3-media/\?ran=[A-Za-z0-9]{12}", ran["Location"])
    assert admin_client.head(ran["Location"]).status_code == 200
    shown = admin_client.get(ran["Location"]).content.decode()
    assert "bytes identical to the saved ones: yes" in shown
    written = versions.list_versions(DEMO_NAME)
    assert len(written) == 3
    again = admin_client.get(ran["Location"]).content.decode()
    assert saved_version(again) == saved_version(shown)
    plain = admin_client.get("/tour/s3-media/").content.decode()
    assert "bytes identical to the saved ones" not in plain  # a run's page alone shows it
    assert "<td>delete marker</td>" in plain  # the bucket's history stays
    assert versions.list_versions(DEMO_NAME) == written


@pytest.mark.django_db
@pytest.mark.django_db
def test_a_run_on_a_slow_bucket_stops_before_deleting_the_file(admin_client, fresh_s3, monkeypatch):
    """A run sends S3 about 16 requests in a row, each bounded on its own: at 1.5 s
    each (an S3 slow to answer) a run took 23 s, at 2.5 s 38 s, past the router's
    30 s, holding the turn other runs wait 10 s for. Its first three, saving the file
    and downloading it, now measure the bucket: slower than SAVE_SECONDS, the run
    stops there, the file saved and not deleted, and says why."""
    monkeypatch.setattr(tour, "SAVE_SECONDS", 0)
    ran = admin_client.post("/tour/s3-media/", follow=True)
    assert ran.status_code == 503
    page = ran.content.decode()
    assert "S3 answered slowly" in page
    assert "stopped before deleting it" in page
    found = versions.list_versions(DEMO_NAME)
    assert [entry.is_delete_marker for entry in found] == [False]


def test_two_runs_in_one_session_each_show_their_own_steps(admin_client, fresh_s3):
    """Two tabs of one staff session: each redirect shows its own run, not the last."""
    first = admin_client.post("/tour/s3-media/")["Location"]
    second = admin_client.post("/tour/s3-media/")["Location"]
    assert first != second
    shown = [saved_version(admin_client.get(url).content.decode()) for url in (first, second)]
    saves = [v.version_id for v in versions.list_versions(DEMO_NAME) if not v.is_delete_marker]
    # Newest first: the second run's restored copy and save, then the first's.
    assert shown == [saves[3], saves[1]]


@pytest.mark.django_db
def test_a_run_that_failed_after_writing_is_not_run_again_by_a_reload(
    admin_client, fresh_s3, monkeypatch
):
    """It saved and deleted before the restore failed: a reload of its 503 page
    (the browser's "resend") ran it again, two more versions and the file left
    deleted."""

    def fails(*args, **kwargs):
        raise versions.MediaError("The restore failed on purpose.")

    monkeypatch.setattr(versions, "restore", fails)
    ran = admin_client.post("/tour/s3-media/")
    assert ran.status_code == 303
    written = versions.list_versions(DEMO_NAME)
    assert len(written) == 2  # saved, then deleted
    for _ in range(2):
        failed = admin_client.get(ran["Location"])
        assert failed.status_code == 503
        assert "The restore failed on purpose." in failed.content.decode()
    assert versions.list_versions(DEMO_NAME) == written


def test_the_bucket_servers_clock_is_read_from_its_date(fresh_s3):
    assert versions.server_time().tzinfo is not None


def test_a_bucket_whose_clock_cannot_be_read_leaves_this_machines(broken_s3):
    """The tour's wait then goes by this machine's clock, and the run goes on."""
    assert versions.server_time() is None


@pytest.mark.django_db(transaction=True)
def test_two_tabs_running_at_once_each_keep_their_result(fresh_s3, django_user_model):
    """Both requests read the session before their turn; the last to save it wrote
    back its own copy, and the other tab's result was gone from its page."""
    [first] = logged_in_superusers(django_user_model)
    second = Client()
    second.cookies = first.cookies  # one browser, two tabs
    together = threading.Barrier(2)

    def run(client):
        together.wait()
        try:
            return client.post("/tour/s3-media/")["Location"]
        finally:
            connection.close()  # this thread's

    with ThreadPoolExecutor(2) as pool:
        pages = list(pool.map(run, [first, second]))
    shown = [saved_version(first.get(page).content.decode()) for page in pages]
    assert len(set(shown)) == 2, shown


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("elsewhere", ["logged out", "logged in anew"])
def test_a_session_ended_in_another_tab_during_a_run_is_no_500_and_the_run_counts(
    fresh_s3, django_user_model, monkeypatch, elsewhere
):
    """Saving the run's result found no session row (UpdateError): a 500, and the
    turn's transaction rolled the hour's count back, though the run wrote to S3."""
    [client] = logged_in_superusers(django_user_model)
    key = client.cookies["sessionid"].value
    store = import_module(settings.SESSION_ENGINE).SessionStore
    demonstrate = tour.demonstrate

    def ended_meanwhile():
        steps = demonstrate()
        if elsewhere == "logged out":
            store(key).delete()
        else:
            moved = store(key)
            moved.cycle_key()
        return steps

    monkeypatch.setattr(tour, "demonstrate", ended_meanwhile)
    answer = client.post("/tour/s3-media/")
    connection.close()
    assert answer.status_code in (303, 400), answer.status_code
    account = str(django_user_model.objects.get().pk)
    assert throttle.reached("s3-demonstration-account", account, limit=1, window=tour.HOUR)


@pytest.mark.django_db(transaction=True)
def test_demonstrations_run_at_once_take_turns(fresh_s3, django_user_model):
    """Every run saves, deletes and restores the same object: three staff running it
    at once downloaded another run's delete marker right after saving, or found a
    marker where their copy should be, as a 503 blaming the bucket."""
    clients = logged_in_superusers(django_user_model, 3)
    together = threading.Barrier(len(clients))

    def run(client):
        together.wait()
        try:
            return client.post("/tour/s3-media/", follow=True)
        finally:
            connection.close()  # this thread's

    with ThreadPoolExecutor(len(clients)) as pool:
        answers = list(pool.map(run, clients))

    for answer in answers:
        content = answer.content.decode()
        assert answer.status_code == 200, content
        assert "Download its presigned URL: HTTP 200" in content
        assert "Download the same URL again: HTTP 404." in content
        assert "bytes identical to the saved ones: yes" in content
    found = versions.list_versions(DEMO_NAME)
    assert (len(found), sum(v.is_delete_marker for v in found)) == (9, 3)
    assert (found[0].is_latest, found[0].is_delete_marker) == (True, False)


@pytest.mark.django_db(transaction=True)
def test_a_run_kept_waiting_for_its_turn_writes_nothing_and_is_not_counted(
    fresh_s3, django_user_model, monkeypatch
):
    monkeypatch.setattr(tour, "TURN_WAIT", "200ms")
    monkeypatch.setattr(tour, "DEMONSTRATIONS_PER_HOUR", 1)
    [client] = logged_in_superusers(django_user_model)
    held, release = threading.Event(), threading.Event()

    def another_run():
        with tour.in_turn():
            held.set()
            release.wait(10)

    with meanwhile(another_run, held, release):
        answer = client.post("/tour/s3-media/", follow=True)

    assert answer.status_code == 503
    assert answer["Retry-After"] == "5"
    assert "Other demonstrations are running on the same file" in answer.content.decode()
    assert versions.list_versions(DEMO_NAME) == []
    assert (
        client.post("/tour/s3-media/", follow=True).status_code == 200
    )  # the first of its 1 an hour


def test_an_account_runs_the_demonstration_a_bounded_number_of_times_an_hour(
    admin_client, fresh_s3, monkeypatch, throttle_clock
):
    """Each run writes two versions and a delete marker the app's keys cannot delete,
    and the demo's staff login is shared by its visitors: one of them in a loop
    filled the bucket."""
    monkeypatch.setattr(tour, "DEMONSTRATIONS_PER_HOUR", 2)
    for _ in range(2):
        assert admin_client.post("/tour/s3-media/", follow=True).status_code == 200
    refused = admin_client.post("/tour/s3-media/", follow=True)
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) == 1770  # the rest of the clock's hour
    assert "2 demonstrations an hour" in refused.content.decode()
    assert len(versions.list_versions(DEMO_NAME)) == 6  # nothing more written
    throttle_clock.now += 1800  # the next hour
    assert admin_client.post("/tour/s3-media/", follow=True).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_a_run_that_fails_on_s3_is_counted_too(fresh_s3, django_user_model, monkeypatch):
    """The counts live in the database without Redis, inside the run's turn: a
    failed run rolled them back, and a run failing half-way (saved, then refused)
    could be repeated without end."""
    monkeypatch.setattr(tour, "DEMONSTRATIONS_PER_HOUR", 1)
    [client] = logged_in_superusers(django_user_model)
    bucket = fresh_s3.client()
    bucket.put_bucket_versioning(
        Bucket=locals3.MEDIA_BUCKET, VersioningConfiguration={"Status": "Suspended"}
    )
    failed = client.post("/tour/s3-media/", follow=True)
    assert failed.status_code == 503
    assert "not versioned" in failed.content.decode()
    bucket.put_bucket_versioning(
        Bucket=locals3.MEDIA_BUCKET, VersioningConfiguration={"Status": "Enabled"}
    )
    assert client.post("/tour/s3-media/", follow=True).status_code == 429


@pytest.mark.django_db(transaction=True)
def test_a_run_that_ends_in_an_error_of_its_own_is_counted_too(
    fresh_s3, django_user_model, monkeypatch
):
    """Any other error left the turn with its transaction rolled back, the count
    with it: a download cut short (http.client.IncompleteRead, no OSError) let a
    run that wrote a version be repeated without end."""
    monkeypatch.setattr(tour, "DEMONSTRATIONS_PER_HOUR", 1)
    [client] = logged_in_superusers(django_user_model)
    client.raise_request_exception = False

    def cut_short(url):
        raise http.client.IncompleteRead(b"partial", 10)

    monkeypatch.setattr(tour, "fetch", cut_short)
    assert client.post("/tour/s3-media/", follow=True).status_code == 500
    assert client.post("/tour/s3-media/", follow=True).status_code == 429
    assert len(versions.list_versions(DEMO_NAME)) == 1


@pytest.mark.django_db(transaction=True)
def test_a_run_waiting_for_its_turn_is_held_to_the_count_the_run_before_left(
    fresh_s3, django_user_model, monkeypatch
):
    """The count was read before the wait, and the run before had not yet written
    its own: a second run of an account at its limit waited, then ran."""
    monkeypatch.setattr(tour, "DEMONSTRATIONS_PER_HOUR", 1)
    first, second = logged_in_superusers(django_user_model, 2)
    running, finish = threading.Event(), threading.Event()
    demonstrate = tour.demonstrate

    def slow_demonstration():
        running.set()
        assert finish.wait(10)
        return demonstrate()

    monkeypatch.setattr(tour, "demonstrate", slow_demonstration)
    answers = {}

    def run_first():
        answers["first"] = first.post("/tour/s3-media/", follow=True).status_code

    with meanwhile(run_first, running, finish):
        threading.Timer(0.5, finish.set).start()  # while the second waits for its turn
        answers["second"] = second.post("/tour/s3-media/", follow=True).status_code
    assert answers == {"first": 200, "second": 429}
    assert len(versions.list_versions(DEMO_NAME)) == 3


def test_an_account_from_many_clients_is_bounded_too(admin_client, fresh_s3, monkeypatch):
    """Per account and client alone, a visitor with many addresses ran it unbounded."""
    monkeypatch.setattr(tour, "DEMONSTRATIONS_PER_HOUR", 2)
    monkeypatch.setattr(tour, "DEMONSTRATIONS_PER_ACCOUNT_PER_HOUR", 3)
    answers = [
        admin_client.post("/tour/s3-media/", follow=True, HTTP_X_FORWARDED_FOR=f"2001:db8:{n:x}::1")
        for n in range(4)
    ]
    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    assert len(versions.list_versions(DEMO_NAME)) == 9


@pytest.mark.django_db
def test_visitors_cannot_run_the_demonstration(client, fresh_s3):
    response = client.post("/tour/s3-media/", follow=True)
    assert response.status_code == 404  # not a redirect to the admin's login
    assert versions.list_versions(DEMO_NAME) == []
    assert "Run the demonstration" not in client.get("/tour/s3-media/").content.decode()


@pytest.mark.django_db
def test_demonstration_needs_csrf(fresh_s3):
    assert Client(enforce_csrf_checks=True).post("/tour/s3-media/", follow=True).status_code == 403
    assert versions.list_versions(DEMO_NAME) == []


@pytest.mark.django_db
def test_tour_on_local_disk_explains_instead_of_failing(admin_client, settings):
    client = admin_client
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    for response in (client.get("/tour/s3-media/"), client.post("/tour/s3-media/", follow=True)):
        assert response.status_code == 503
        assert "FileSystemStorage, not S3" in response.content.decode()


@pytest.mark.django_db
def test_demonstration_refuses_an_unversioned_bucket(admin_client, fresh_s3):
    versions.set_versioning(False)
    response = admin_client.post("/tour/s3-media/", follow=True)
    assert response.status_code == 503
    assert "not versioned" in response.content.decode()
    assert versions.list_versions(DEMO_NAME) == []  # refused before writing anything


def next_step(content: str) -> str:
    """The text telling a visitor who cannot run the demonstration what to do, unwrapped."""
    found = re.search(r'<div class="next-step" data-visitor="(\w+)">(.*?)</div>', content, re.S)
    if found is None:
        return ""
    return found[1] + ": " + " ".join(re.sub(r"<[^>]+>", "", found[2]).split())


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "says"),
    [
        (None, "anonymous: "),
        ({}, "member: "),
        ({"is_staff": True}, "staff: "),
    ],
    ids=["anonymous", "member", "staff-without-permission"],
)
def test_each_visitor_who_cannot_run_it_is_told_how(client, fresh_s3, who, says):
    if who is not None:
        client.force_login(UserFactory(**who))
    content = client.get("/tour/s3-media/").content.decode()
    assert "Run the demonstration" not in content
    told = next_step(content)
    assert told.startswith(says), told
    if who is None or not who:
        assert "log in with the staff account the demo printed at start (pipenv run demo;" in told
        assert "seed_demo_accounts --random-passwords makes it" in told
        assert "give a staff user the media.restore_media permission" in told
        assert (
            "your account is not staff: log out (the button at the top of the page), then" in told
        ) == (who == {})
        # The login page sends a member straight back here: a link would go nowhere.
        block = content.split('<div class="next-step"')[1].split("</div>")[0]
        assert ('href="/accounts/login/?next=/tour/s3-media/"' in block) == (who is None)
    else:
        assert "your staff account lacks the media.restore_media permission" in told
        assert "log in with the staff account pipenv run demo printed at start" in told
        assert "seed_demo_accounts --random-passwords makes it" in told


@pytest.mark.django_db
def test_staff_holding_the_permission_get_the_button_and_no_instructions(admin_client, fresh_s3):
    content = admin_client.get("/tour/s3-media/").content.decode()
    assert "Run the demonstration" in content
    assert next_step(content) == ""


@pytest.fixture
def hanging_s3(settings, fresh_s3):
    """The media storage pointed at a port that accepts and never answers, with a
    short read timeout so the test waits 2 x 0.3 s instead of production's 2 x 5 s."""
    server = SilentServer()
    quick = Config(
        signature_version="s3v4",
        connect_timeout=1,
        read_timeout=0.3,
        retries={"mode": "standard", "total_max_attempts": 2},
    )
    settings.STORAGES = storages_on(
        fresh_s3, endpoint_url=f"http://127.0.0.1:{server.port}", client_config=quick
    )
    yield server
    server.close()


@pytest.mark.django_db
def test_a_hanging_bucket_holds_one_request_a_minute_not_every_visitors(client, hanging_s3):
    """Each read waits out the client's timeouts (10 s in production) in a web
    thread: with every anonymous visit asking S3, a dyno's 10 threads were all
    waiting at one visit a second."""
    first = client.get("/tour/s3-media/")
    assert first.status_code == 503
    asked = hanging_s3.accepted
    assert asked >= 1
    for _ in range(3):
        again = client.get("/tour/s3-media/")
        assert again.status_code == 503
        assert "The media bucket could not be read just now" in again.content.decode()
    assert hanging_s3.accepted == asked  # answered from the remembered failure

    assert UNREADABLE_SECONDS == 60  # "a minute" (docs/production.md)
    caches["default"].delete(tour.storage_key(UNREADABLE_KEY))  # a minute later
    assert client.get("/tour/s3-media/").status_code == 503
    assert hanging_s3.accepted > asked


@pytest.mark.django_db
def test_the_page_lists_the_demo_objects_newest_10_versions(client, fresh_s3):
    """docs/s3-media.md: every demonstration adds versions the app cannot delete, so
    the public page shows the newest 10, however many there are."""
    s3 = fresh_s3.client()
    for n in range(12):
        s3.put_object(Bucket="media", Key=DEMO_NAME, Body=f"version {n}".encode())
    newest = [v.version_id for v in versions.list_versions(DEMO_NAME)][:10]
    content = client.get("/tour/s3-media/").content.decode()
    shown = re.findall(r"<tr>\s*<td>([^<]+)</td>", content)
    assert shown == newest


@pytest.mark.django_db
def test_visitors_share_one_read_of_the_bucket_a_minute(client, admin_client, fresh_s3):
    """Each visit, anonymous ones too, sent S3 two requests, one a LIST of every
    version of the demonstration's file (billed, and a thread held meanwhile): a
    loop of visits was a loop of S3 requests. A read is remembered for a minute
    in each process; a staff member's demonstration reads again at once."""
    sent = []
    events = default_storage.connection.meta.client.meta.events
    events.register("before-send.s3", lambda request, **kwargs: sent.append(request.method))
    assert client.get("/tour/s3-media/").status_code == 200
    asked = len(sent)
    assert asked >= 2
    for _ in range(3):
        assert client.get("/tour/s3-media/").status_code == 200
    assert len(sent) == asked

    assert READ_SECONDS == 60  # "a minute" (docs/production.md)
    # What another process kept may be older: the page says when it was read.
    first = read_at(client.get("/tour/s3-media/").content.decode())
    assert read_at(client.get("/tour/s3-media/").content.decode()) == first
    ran = admin_client.post("/tour/s3-media/", follow=True)
    assert ran.status_code == 200
    content = ran.content.decode()
    assert len(re.findall(r"<tr>\s*<td>([^<]+)</td>", content)) >= 2  # the run's versions
    assert read_at(content) > first
    assert client.get("/tour/s3-media/").content.decode().count("<tr>") >= 2


@pytest.mark.django_db
def test_a_runs_page_shows_its_versions_whatever_read_another_process_kept(
    client, admin_client, fresh_s3
):
    """The POST clears the read its own process kept; the page it redirects to may be
    served by another process, whose read from before the run listed none of its
    versions ("No versions ... yet" under the run's steps). A run's page reads
    again when the read it finds is older than the run; a plain visit does not."""
    assert "No versions of" in client.get("/tour/s3-media/").content.decode()
    key = tour.storage_key(tour.READ_KEY)
    before_the_run = caches["default"].get(key)
    ran = admin_client.post("/tour/s3-media/")
    assert ran.status_code == 303
    caches["default"].set(key, before_the_run, READ_SECONDS)  # the other process's
    shown = admin_client.get(ran["Location"]).content.decode()
    assert "bytes identical to the saved ones: yes" in shown
    assert "No versions of" not in shown
    assert saved_version(shown) in shown.partition("</ol>")[2]  # in the versions table
    assert read_at(shown) > before_the_run["read_at"]
    # That read is kept: the next visitor's page shows the run's versions too.
    assert saved_version(shown) in client.get("/tour/s3-media/").content.decode()

    caches["default"].set(key, before_the_run, READ_SECONDS)
    sent = []
    events = default_storage.connection.meta.client.meta.events
    events.register("before-send.s3", lambda request, **kwargs: sent.append(request.method))
    assert "No versions of" in client.get("/tour/s3-media/").content.decode()
    assert "No versions of" in admin_client.get("/tour/s3-media/?ran=unknown").content.decode()
    assert sent == []  # no run of theirs: the kept read


@pytest.mark.django_db
def test_a_read_is_stamped_with_when_it_started(client, fresh_s3, monkeypatch):
    """A read under way in one process while a run wrote, and done after it, was
    stamped after the run: the run's page took it for a read that saw the run."""
    from django.utils import timezone

    listing = []
    list_versions = versions.list_versions

    def listed_from(*args, **kwargs):
        listing.append(timezone.now())
        return list_versions(*args, **kwargs)

    monkeypatch.setattr(versions, "list_versions", listed_from)
    assert client.get("/tour/s3-media/").status_code == 200
    [started] = listing
    assert caches["default"].get(tour.storage_key(tour.READ_KEY))["read_at"] <= started


def read_at(content: str) -> datetime.datetime:
    """When the page says it read the bucket, to the second ("... at 06:31:05 UTC")."""
    found = re.search(
        r'Read from the bucket at <time datetime="([^"]+)">\d\d:\d\d:\d\d UTC</time>; each '
        r"web process reads it again at most once a minute, so a reload may show an "
        r"earlier read",
        " ".join(content.split()),
    )
    assert found, "no time of reading"
    return datetime.datetime.fromisoformat(found[1])


@contextmanager
def answering(raw: bytes, reset: bool = False):
    """A port of 127.0.0.1 that answers every connection with `raw`, then closes it
    (with `reset`, abruptly: a TCP reset)."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.2)
    closing = threading.Event()

    def serve():
        while not closing.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            with conn:
                conn.recv(65536)
                conn.sendall(raw)
                if reset:
                    time.sleep(0.2)  # the client reads the headers first
                    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}/object"
    finally:
        closing.set()
        thread.join(5)
        server.close()


@pytest.mark.parametrize(
    ("raw", "said"),
    [
        (b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this", "IncompleteRead"),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "IncompleteRead"),
        (b"SSH-2.0-OpenSSH\r\n", "BadStatusLine"),
        (b"", "RemoteDisconnected"),
        (b"HTTP/1.1 200 OK\r\nX: " + b"a" * 70000 + b"\r\n\r\n", "LineTooLong"),
        (
            b"HTTP/1.1 302 Found\r\nLocation: http://[::1/x\r\nContent-Length: 0\r\n\r\n",
            "ValueError",
        ),
        (b"HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:abc/\r\n\r\n", "InvalidURL"),
        (
            b"HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:99999999999999999999/x\r\n\r\n",
            "OverflowError",
        ),
    ],
    ids=[
        "cut short",
        "bad chunk",
        "not HTTP",
        "closed at once",
        "overlong header",
        "redirect to a bad address",
        "redirect to a bad port",
        "redirect to a port past any integer",
    ],
)
def test_a_download_that_is_not_valid_http_is_the_steps_result(raw, said):
    """http.client's errors are not OSErrors: one escaped the page as a 500."""
    with answering(raw) as url:
        status, body = tour.fetch(url)
    assert status == f"no valid HTTP answer ({said})"
    assert body == b""


def test_a_download_cut_short_mid_demonstration_is_reported_and_the_run_completes(
    settings, admin_client, fresh_s3
):
    """S3 behind a proxy that announces 100 bytes more than it sends on downloads."""
    upstream = urlsplit(fresh_s3.endpoint_url)

    class CuttingProxy(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def forward(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            s3 = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=10)
            s3.request(self.command, self.path, body=body, headers=dict(self.headers.items()))
            answer = s3.getresponse()
            data = answer.read()
            download = self.command == "GET" and "X-Amz-Signature" in self.path
            self.send_response(answer.status)
            for name, value in answer.getheaders():
                if name.lower() not in ("transfer-encoding", "connection", "content-length"):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(data) + (100 if download else 0)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(data)
            self.close_connection = True

        do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = forward

    proxy = ThreadingHTTPServer(("127.0.0.1", 0), CuttingProxy)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    try:
        endpoint = f"http://127.0.0.1:{proxy.server_address[1]}"
        settings.STORAGES = storages_on(fresh_s3, endpoint_url=endpoint)
        response = admin_client.post("/tour/s3-media/", follow=True)
        # Restored all the same: the newest version is the restored copy.
        found = versions.list_versions(DEMO_NAME)
    finally:
        proxy.shutdown()
        proxy.server_close()
    assert response.status_code == 200
    content = response.content.decode()
    assert "Download its presigned URL: no valid HTTP answer (IncompleteRead)" in content
    assert [v.is_delete_marker for v in found] == [False, True, False]


@pytest.mark.django_db
def test_the_page_and_a_demonstration_read_a_bounded_part_of_the_history(
    client, admin_client, fresh_s3
):
    """Each run adds three entries the app's keys cannot delete, for 30 days: the
    page listed every one of them, 1,000 a request, and so did each run, four times."""
    s3 = fresh_s3.client()
    for n in range(25):
        s3.put_object(Bucket="media", Key=DEMO_NAME, Body=f"version {n}".encode())
    asked = []
    events = default_storage.connection.meta.client.meta.events

    def listing(params, **kwargs):
        asked.append(params.get("MaxKeys"))

    events.register("provide-client-params.s3.ListObjectVersions", listing)
    assert client.get("/tour/s3-media/").status_code == 200
    assert asked == [tour.SHOWN_VERSIONS]
    asked.clear()
    assert admin_client.post("/tour/s3-media/", follow=True).status_code == 200
    # The saved version, the marker, the version to copy, the copy read back, the
    # page's rows: a page of a few entries each.
    assert sorted(asked) == sorted([1, 1, versions.RECENT, versions.RECENT, tour.SHOWN_VERSIONS])


def test_a_connection_reset_mid_download_is_the_steps_result():
    """A reset after the headers is an OSError, which the page showed as the 503 and
    which, on the second download, left the demo object deleted."""
    raw = b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nonly part"
    with answering(raw, reset=True) as url:
        status, body = tour.fetch(url)
    assert status == "no valid HTTP answer (ConnectionResetError)"
    assert body == b""


@pytest.mark.django_db
def test_the_time_of_the_read_is_in_utc_whatever_the_time_zone(client, fresh_s3, settings):
    """The page says UTC: the date filter shows the current time zone's, which a
    fork may set."""
    settings.TIME_ZONE = "America/New_York"
    caches["default"].delete(tour.storage_key(READ_KEY))
    content = client.get("/tour/s3-media/").content.decode()
    shown = re.search(r'<time datetime="([^"]+)">(\d\d:\d\d:\d\d) UTC</time>', content)
    read = datetime.datetime.fromisoformat(shown[1])
    assert read.utcoffset() == datetime.timedelta(0)
    assert shown[2] == read.strftime("%H:%M:%S")


@pytest.mark.django_db
def test_the_remembered_read_is_of_the_storage_the_page_is_on(client, settings, fresh_s3, tmp_path):
    """The bucket read kept for a minute was kept under one key: after STORAGES changed
    in a running process (another bucket, or no S3 at all), the page went on showing
    the old bucket's name and versioning."""
    assert "<code>media</code>" in client.get("/tour/s3-media/").content.decode()
    settings.STORAGES = storages_on(fresh_s3, bucket=locals3.STATIC_BUCKET)
    assert "<code>static</code>" in client.get("/tour/s3-media/").content.decode()
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    off_s3 = client.get("/tour/s3-media/").content.decode()
    assert "Versioning: <strong>Enabled" not in off_s3
    assert "<code>media</code>" not in off_s3


@pytest.mark.django_db
def test_a_storage_remembered_unreadable_does_not_hold_back_another(
    client, settings, fresh_s3, refusing_port
):
    settings.STORAGES = storages_on(fresh_s3, endpoint_url=f"http://127.0.0.1:{refusing_port}")
    assert client.get("/tour/s3-media/").status_code == 503
    settings.STORAGES = storages_on(fresh_s3)  # mended
    assert client.get("/tour/s3-media/").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    "kept",
    [
        [1],
        "x",
        {"abc": [1]},
        {"abc": {"steps": [1, None]}},
        {"abc": {"steps": [["a", "b", "c"], "ab"], "at": "x"}},
        {"abc": {"error": 7}},
    ],
    ids=repr,
)
def test_a_kept_result_of_another_shape_is_no_result_not_a_500(client, fresh_s3, kept):
    """The results a session keeps are read back as the run wrote them, or not at
    all: a session row written otherwise made this page a 500 for its visitor."""
    client.get("/")
    session = client.session
    session[tour.RAN_KEY] = kept
    session.save()
    response = client.get("/tour/s3-media/?ran=abc")
    assert response.status_code == 200
    assert "No versions of" in response.content.decode()
