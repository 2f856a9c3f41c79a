"""The log shows SQL with placeholders, never values (docs/query-log.md), on every page
a visitor reaches, for every role: the site's pages are crawled, following their own
links, and the SQL of every footer is read.

A value would be a string literal in the SQL (a username, an address, a session
key, a slug typed in a URL), or any of the visitor's own secrets: none may show.
"""

import re
from html import unescape
from urllib.parse import urljoin, urlsplit

import pytest
from django.conf import settings
from django.test import Client, override_settings

from accounts.models import Company
from tests.factories import ProductFactory, UserFactory

pytestmark = pytest.mark.django_db

FOOTER = re.compile(r'<details class="query-log">.*?</details>', re.DOTALL)
FOOTER_SQL = re.compile(r'<li><code>([^<]*)</code> <span class="ms">')  # escaped: no "<"
LINK = re.compile(r'href="([^"#]*)"')
# A quoted literal: '...' (an identifier is double-quoted) or a dollar-quoted string.
LITERAL = re.compile(r"'[^']*'|\$\w*\$")
MOST_PAGES = 80  # the crawl stops there: a catalog's pages are alike past its first few


def crawl(client: Client, start: list[str]) -> dict[str, list[str]]:
    """Each page reached from `start` through the site's own links (GET), not the
    admin's (it shows no footer) nor a logout: its footer's SQL statements."""
    seen: dict[str, list[str]] = {}
    queue = list(start)
    while queue and len(seen) < MOST_PAGES:
        path = queue.pop(0)
        if path in seen:
            continue
        response = client.get(path)
        footer = FOOTER.search(response.content.decode())
        seen[path] = [unescape(sql) for sql in FOOTER_SQL.findall(footer[0] if footer else "")]
        if "text/html" not in response.get("Content-Type", ""):
            continue
        for href in LINK.findall(response.content.decode()):
            target = urlsplit(urljoin(path, unescape(href)))
            if target.netloc or not target.path.startswith("/"):
                continue
            if target.path.startswith(("/static/", f"/{settings.ADMIN_URL}", "/accounts/logout")):
                continue
            queue.append(target.path + (f"?{target.query}" if target.query else ""))
    return seen


@pytest.mark.parametrize("role", ["anonymous", "member", "staff", "superuser"])
def test_no_footer_on_any_page_shows_a_value(role):
    ProductFactory.create_batch(3)
    company = Company.objects.create(name="Initech", slug="initech")
    user = UserFactory(
        username="visitor-own-name",
        email="visitor-own-address@example.com",
        is_staff=role in ("staff", "superuser"),
        is_superuser=role == "superuser",
    )
    user.profile.company = company
    user.profile.save()
    with override_settings(QUERY_LOG=True):
        client = Client(raise_request_exception=False)
        if role != "anonymous":
            client.force_login(user)
        pages = crawl(
            client,
            ["/", "/tour/", "/products/?sort=-price", "/companies/initech/", "/accounts/profile/"],
        )
    statements = [sql for sqls in pages.values() for sql in sqls]
    assert len(pages) >= 15, pages  # it saw the site
    assert len(statements) >= 30, pages
    secrets = [user.username, user.email, user.password, company.slug]
    if "sessionid" in client.cookies:
        secrets.append(client.cookies["sessionid"].value)
    for path, sqls in pages.items():
        for sql in sqls:
            assert not LITERAL.search(sql), (path, sql)
            assert not [secret for secret in secrets if secret in sql], (path, sql)
