"""The bad-input corpus against the running web process: refused cleanly, nothing written.

The Procfile's web line runs in production mode on a fresh database that went
through the release phase; every probe of tests/deploy/corpus/ is sent as
Heroku's router would forward it (or as raw bytes), and must be answered with a
3xx or 4xx. Afterwards every table holds exactly the rows it held before.
"""

import re

import psycopg2
import pytest

from tests.deploy.client import RouterClient, create_superuser, send_raw
from tests.deploy.corpus import CORPUS, CSRF_SECRET, Probe
from tests.processes import BASE_DIR, manage, production_env, released_database, serving

STAFF_PASSWORD = "staff-passphrase-for-the-corpus"
# The company whose member list the corpus pages through (`?page=`).
CREATE_COMPANY = (
    "from accounts.models import Company; Company.objects.create(name='Acme', slug='acme')"
)


def row_counts(database_url: str) -> dict[str, int]:
    """Rows in every table of the public schema."""
    with psycopg2.connect(database_url) as connection, connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
        )
        tables = sorted(row[0] for row in cursor.fetchall())
        counts = {}
        for table in tables:
            cursor.execute(f'SELECT count(*) FROM "{table}"')  # noqa: S608 (names from the catalog)
            counts[table] = cursor.fetchone()[0]
    connection.close()
    return counts


def earlier_fields(database_url: str) -> set[str]:
    """The fields the earlier files recorded belonged to."""
    with psycopg2.connect(database_url) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT DISTINCT field_name FROM media_earlierfile")
        fields = {row[0] for row in cursor.fetchall()}
    connection.close()
    return fields


@pytest.fixture(scope="module")
def site():
    database_url = released_database("bad_input")
    env = production_env(DATABASE_URL=database_url)
    create_superuser(env, "staff", STAFF_PASSWORD)
    # More products than the prefetch tour's clamp, so its form shows the clamped n.
    seeded = manage("seed_catalog", "--products", "30", "--features-per-product", "2", env=env)
    assert seeded.returncode == 0, seeded.stderr
    company = manage("shell", "--no-imports", "-c", CREATE_COMPANY, env=env)
    assert company.returncode == 0, company.stderr
    with serving(env) as web:
        staff = RouterClient(web.port)
        staff.log_in_to_admin("staff", STAFF_PASSWORD)
        yield web, staff, database_url


def send(probe: Probe, port: int, staff: RouterClient) -> tuple[int, str, str]:
    """The status, the response head (status line and headers) and the body of one probe."""
    if probe.raw is not None:
        head, _, body = send_raw(port, probe.raw).decode("latin-1").partition("\r\n\r\n")
        match = re.match(r"HTTP/1\.[01] (\d{3})", head)
        return (int(match.group(1)) if match else 0), head, body
    # A staff probe's POST carries CSRF_SECRET as its token, so the cookie holds it
    # too; a probe's own cookies (a CSRF cookie) join the session's.
    cookies = {**staff.cookies, "csrftoken": CSRF_SECRET} if probe.staff else {}
    headers = dict(probe.headers)
    if probe.staff and "Cookie" in headers:
        cookies.update(pair.split("=", 1) for pair in headers.pop("Cookie").split("; "))
    client = RouterClient(port, cookies=cookies)
    reply = client.request(probe.method, probe.path, probe.body, headers)
    head = "\n".join(f"{name}: {value}" for name, value in reply.headers)
    return reply.status, f"{reply.status}\n{head}", reply.text


def as_expected(probe: Probe, status: int, head: str, body: str) -> bool:
    if probe.expect == "form error":
        return status == 200 and ("errorlist" in body or "errornote" in body)
    if probe.expect == "saved":
        # Redirected onwards, not to the login page: the session was there.
        return status == 302 and "/login/" not in head
    if (probe.raw is None or probe.expect != "refused") and (
        "x-content-type-options: nosniff" not in head.lower()
    ):
        # Not the site's answer but gunicorn's own page, without the site's headers:
        # a request the router forwards must reach the app (malformed bytes aside).
        return False
    if probe.expect == "served":
        return status == 200
    if probe.expect == "to https":
        return status == 301 and "\nlocation: https://" in head.lower()
    if probe.expect == "clamped":
        # The page, showing the value the clamp chose in its form: 1 to the maximum.
        name, maximum = probe.clamp
        chosen = re.search(rf'id="{name}" name="{name}" [^>]*value="(\d+)"', body)
        return status == 200 and chosen is not None and 1 <= int(chosen[1]) <= maximum
    return 300 <= status < 500


def test_corpus_is_large_and_unique():
    assert len(CORPUS) >= 100
    names = [probe.name for probe in CORPUS]
    assert len(set(names)) == len(names)


def test_every_malformed_request_is_refused_cleanly_and_writes_nothing(site):
    web, staff, database_url = site
    before = row_counts(database_url)

    answers = {probe.name: send(probe, web.port, staff) for probe in CORPUS}

    wrong = {
        probe.name: answers[probe.name][0]
        for probe in CORPUS
        if not as_expected(probe, *answers[probe.name])
    }
    assert wrong == {}, "\n".join(f"{status} {name}" for name, status in wrong.items())
    assert not any(status >= 500 for status, _, _ in answers.values())
    injected = [name for name, (_, head, _) in answers.items() if "injected" in head.lower()]
    assert injected == []
    after = row_counts(database_url)
    # The avatars the "saved" probes store each replace the one before, which the
    # profile records as an earlier file (config/media/forms.py): one row each, but
    # the first's, which replaced none.
    saved = sum(probe.expect == "saved" for probe in CORPUS)
    earlier = after.pop("media_earlierfile") - before.pop("media_earlierfile")
    assert earlier == saved - 1
    assert earlier_fields(database_url) == {"avatar"}
    assert after == before
    # Django logs refused suspicious requests with a traceback under django.security;
    # an unhandled error would be logged as "Internal Server Error" with a 5xx.
    log = web.output()
    assert "Internal Server Error" not in log
    assert not re.search(r'HTTP/1\.[01]" 5\d\d ', log)


def test_the_docs_give_the_corpus_size_as_it_is():
    claim = f"{len(CORPUS)} malformed requests"
    assert claim in (BASE_DIR / "README.md").read_text()
    docs = (BASE_DIR / "docs" / "production.md").read_text()
    assert claim in docs
    assert f"Result: {len(CORPUS)} of {len(CORPUS)}, no row" in docs
