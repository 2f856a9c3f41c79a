"""Two web processes, as `heroku ps:scale web=2` runs them: shared database and S3, no local state.

Two copies of the Procfile's web line listen on different ports, on one database
(through the release phase) and the local S3 server. One browser, one cookie
jar, talks to both, as Heroku's router sends each request to any dyno:

1. signing up through one and going on through the other: the session lives in
   the database; the CSRF cookie, a form's token and the one-time message
   cookie are signed with the shared secret key, so either process accepts
   what the other handed out;
2. an avatar uploaded through one is on the other's profile page, and the
   presigned URL there downloads the same bytes;
3. five wrong passwords spread over both lock the user out of both: django-axes
   counts attempts in the database, never in a per-process cache;
   signups spread over both are limited as one: the throttles count in the
   database cache's table;
4. nothing is written to local disk: the repository, which is the processes'
   working directory, is unchanged (the database's folder, files collected at
   build, caches and coverage data left aside), MEDIA_ROOT gains nothing, and
   the temporary directory each process is given stays empty.
"""

import os
import re
from pathlib import Path

import pytest
from django.conf import settings

from config import gunicorn as web_config
from config.local import s3 as locals3
from tests.deploy.client import RouterClient, download, sign_ups_across
from tests.factories import image_bytes, stored_as
from tests.processes import BASE_DIR, built_and_released, disk_state, fetch_all, start_web

PASSWORD = "a passphrase for two dynos"
# The router's X-Forwarded-For: the last entry is the client's address.
CLIENT = {"X-Forwarded-For": "203.0.113.9"}


@pytest.fixture
def two_dynos(fresh_s3, tmp_path):
    """Two web processes on one released database, each with a temporary directory of its own."""
    env = built_and_released("scale_out")
    before = disk_state(BASE_DIR)
    # Absent in a clean checkout; `manage.py` without S3 in development keeps uploads there.
    media = Path(settings.MEDIA_ROOT)
    media_before = sorted(media.rglob("*"))
    temporary = [tmp_path / "web1", tmp_path / "web2"]
    webs = []
    for folder in temporary:
        folder.mkdir()
        webs.append(start_web({**env, "TMPDIR": str(folder)}))
    try:
        for web in webs:
            web.wait_until_serving()
        yield webs, env["DATABASE_URL"], fresh_s3
        # Each thread of each worker keeps its own connection (CONN_MAX_AGE).
        connections = fetch_all(
            env["DATABASE_URL"],
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()",
        )[0][0]
        assert 2 <= connections <= len(webs) * web_config.workers * web_config.threads
        for web in webs:
            assert Path(os.readlink(f"/proc/{web.process.pid}/cwd")) == BASE_DIR
        assert disk_state(BASE_DIR) == before
        assert [list(folder.iterdir()) for folder in temporary] == [[], []]
    finally:
        for web in webs:
            web.stop()
    for web in webs:
        assert "Internal Server Error" not in web.output()
    assert [list(folder.iterdir()) for folder in temporary] == [[], []]
    assert sorted(media.rglob("*")) == media_before
    requests = [len(re.findall(r'"(?:GET|POST) ', web.output())) for web in webs]
    print(
        f"\nTwo web processes: {' and '.join(map(str, requests))} requests, "
        f"{connections} database connections held; "
        f"{len(before)} files and folders of the repository unchanged, "
        "MEDIA_ROOT and both temporary directories empty"
    )


def test_a_visitor_moves_between_two_web_processes(two_dynos):
    (web1, web2), database_url, s3 = two_dynos
    cookies = {}  # one browser
    one, two = RouterClient(web1.port, cookies=cookies), RouterClient(web2.port, cookies=cookies)

    one.sign_up("ada", PASSWORD)
    profile = two.get("/accounts/profile/")
    assert profile.status == 200
    assert "<h1>ada</h1>" in profile.text
    assert "Welcome! Your account is ready." in profile.text  # the message set by the other

    # Log out through one with a token from the other's page, log in through one
    # with the form the other served.
    logout = one.post_form("/accounts/logout/", {"csrfmiddlewaretoken": profile.form_token()})
    assert logout.status == 302
    assert two.get("/accounts/profile/").status == 302  # to the login page
    token = two.get("/accounts/login/").form_token()
    fields = {"csrfmiddlewaretoken": token, "username": "ada", "password": PASSWORD}
    assert one.post_form("/accounts/login/", fields).header("Location") == "/accounts/profile/"
    assert "<h1>ada</h1>" in two.get("/accounts/profile/").text

    # An avatar uploaded through one, shown through the other.
    portrait = image_bytes("PNG", (24, 24))
    fields = {"display_name": "Ada L.", "bio": ""}
    saved = one.submit("/accounts/profile/edit/", fields, files={"avatar": ("ada.png", portrait)})
    assert saved.status == 302
    page = two.get("/accounts/profile/")
    assert "<h1>Ada L.</h1>" in page.text
    url = page.avatar_url()
    (key,) = re.findall(rf"^{re.escape(s3.endpoint_url)}/{locals3.MEDIA_BUCKET}/([^?]+)\?", url)
    assert stored_as(key, "avatars/", ".png")
    assert download(url) == portrait
    # The browser may load it: the bucket's origin is in the page's img-src.
    img_src = re.search(r"img-src ([^;]+)", page.header("Content-Security-Policy")).group(1)
    assert s3.endpoint_url in img_src.split()
    stored = s3.client().list_objects_v2(Bucket=locals3.MEDIA_BUCKET, Prefix="avatars/")
    assert [item["Key"] for item in stored["Contents"]] == [key]

    sessions = fetch_all(database_url, "SELECT count(*) FROM django_session")
    assert sessions == [(1,)]  # the one logged-in session, found by both processes


def test_login_lockout_counts_attempts_on_both_processes(two_dynos):
    (web1, web2), database_url, _ = two_dynos
    RouterClient(web1.port).sign_up("lin", PASSWORD)
    dynos = [RouterClient(web1.port), RouterClient(web2.port)]

    answers = [dynos[n % 2].log_in("lin", "wrong", CLIENT) for n in range(5)]
    assert [reply.status for reply in answers] == [200, 200, 200, 200, 429]
    assert all("Please enter a correct username and password" in r.text for r in answers[:4])
    attempts = fetch_all(
        database_url,
        "SELECT username, ip_address, failures_since_start FROM axes_accessattempt",
    )
    assert attempts == [("lin", "203.0.113.9", 5)]

    # Locked out everywhere, even with the right password.
    for dyno in dynos:
        refused = dyno.log_in("lin", PASSWORD, CLIENT)
        assert refused.status == 429
        # Fifteen minutes from the fifth failure, less what the requests since took.
        assert 870 <= int(refused.header("Retry-After")) <= 900
        assert "sessionid" not in dyno.cookies


def test_the_signup_limit_counts_on_both_processes(two_dynos):
    (web1, web2), database_url, _ = two_dynos
    password = "a long passphrase for a new account"
    answers = sign_ups_across((web1, web2), 11, "user", password, CLIENT)
    assert [reply.status for reply in answers] == [302] * 10 + [429]
    assert "Too many new accounts" in answers[-1].text
    assert fetch_all(database_url, "SELECT count(*) FROM auth_user") == [(10,)]
    # One count, in the table the release phase created, under a hashed key.
    [(key,)] = fetch_all(database_url, "SELECT cache_key FROM throttle_cache")
    assert "203.0.113.9" not in key
