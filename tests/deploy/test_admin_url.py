"""A custom ADMIN_URL stays secret from everyone who is not logged-in staff.

The Procfile's web line runs in production mode with ADMIN_URL=hidden-x7/ (and
the query log on, as in the demo deployment). An anonymous visitor and a
logged-in shopper crawl every page the site links to, then ask for every
staff-only URL (GET and POST, past the CSRF check) and a few that do not exist:
the admin's path must appear in no body and no header. Staff still find the
admin there.
"""

import re
from collections import deque
from html import unescape

import pytest

from tests.deploy.client import Reply, RouterClient, create_superuser
from tests.processes import manage, production_env, released_database, serving

ADMIN_PATH = "hidden-x7"
PASSWORD = "a passphrase for the admin-url test"
MAX_PAGES = 80
# Staff-only URLs outside the admin, and what a visitor might try.
STAFF_ONLY_GETS = ["/debug/sentry-check", "/admin/", "/no-such-page/", "/robots.txt"]
STAFF_ONLY_POSTS = ["/debug/sentry-check", "/tour/s3-media/"]
CSRF = "c" * 32


@pytest.fixture(scope="module")
def web():
    env = production_env(
        DATABASE_URL=released_database("admin_url"), ADMIN_URL=f"{ADMIN_PATH}/", QUERY_LOG="on"
    )
    create_superuser(env, "staff", PASSWORD)
    seeded = manage("seed_catalog", "--products", "3", "--features-per-product", "2", env=env)
    assert seeded.returncode == 0, seeded.stderr
    with serving(env) as process:
        yield process


def leaks(reply: Reply) -> list[str]:
    """Where the reply names the admin's path: its body or a header."""
    places = [f"header {name}" for name, value in reply.headers if ADMIN_PATH in value]
    return places + (["body"] if ADMIN_PATH in reply.text else [])


def links(reply: Reply) -> set[str]:
    """The site's own paths a page links to or posts to (static files left out)."""
    found = re.findall(r'(?:href|action)="(/[^"]*)"', reply.text)
    return {unescape(path) for path in found if not path.startswith(("/static/", "//"))}


def crawl(client: RouterClient) -> dict[str, list[str]]:
    """GET every page reachable from the home page (up to MAX_PAGES); the leaks by path."""
    seen, queue, found = {"/"}, deque(["/"]), {}
    while queue and len(seen) <= MAX_PAGES:
        path = queue.popleft()
        reply = client.get(path)
        if leaks(reply):
            found[path] = leaks(reply)
        for link in links(reply) - seen:
            seen.add(link)
            queue.append(link)
    # The crawl reached the catalog, every tour page and the account pages.
    assert {"/products/", "/tour/s3-media/", "/tour/prefetch/", "/tour/pipenv/"} <= seen, seen
    assert len(seen) >= 15, seen
    return found


def post(client: RouterClient, path: str) -> Reply:
    """A POST that passes the CSRF check, so the view itself answers."""
    client.cookies["csrftoken"] = CSRF
    return client.post_form(path, {"csrfmiddlewaretoken": CSRF})


@pytest.mark.parametrize("who", ["anonymous", "shopper"])
def test_the_admin_path_is_never_shown_to_anyone_but_staff(web, who):
    client = RouterClient(web.port)
    if who == "shopper":
        client.sign_up("shopper", PASSWORD)

    found = crawl(client)
    for path in STAFF_ONLY_GETS:
        reply = client.get(path)
        assert reply.status in (200, 404), (path, reply.status)
        found.update({f"GET {path}": leaks(reply)} if leaks(reply) else {})
    for path in STAFF_ONLY_POSTS:
        reply = post(client, path)
        assert reply.status == 404, (path, reply.status)  # not a redirect to the login
        found.update({f"POST {path}": leaks(reply)} if leaks(reply) else {})

    assert found == {}


def test_staff_still_find_the_admin_and_the_staff_pages(web):
    staff = RouterClient(web.port)
    staff.log_in_to_admin("staff", PASSWORD, admin_url=f"/{ADMIN_PATH}/")
    assert staff.get(f"/{ADMIN_PATH}/").status == 200
    assert staff.get("/debug/sentry-check").status == 200
