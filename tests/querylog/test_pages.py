"""The log shows SQL with placeholders, never values (docs/query-log.md), on every page
a visitor reaches, for every role: the site's pages are crawled, following their own
links, redirects and GET forms, from typed addresses and a mailed reset link too,
and the SQL of every footer is read.

A value would be a string literal in the SQL (a username, an address, a session
key, a slug typed in a URL), or any of the visitor's own secrets: none may show.
"""

import re
from html import unescape
from urllib.parse import urljoin, urlsplit

import pytest
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.test import Client, override_settings
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.models import Company
from tests.factories import ProductFactory, UserFactory

pytestmark = pytest.mark.django_db

FOOTER = re.compile(r'<details class="query-log">.*?</details>', re.DOTALL)
FOOTER_SQL = re.compile(r'<li><code>([^<]*)</code> <span class="ms">')  # escaped: no "<"
LINK = re.compile(r'href="([^"#]*)"')
# A quoted literal: '...' (an identifier is double-quoted) or a dollar-quoted string.
LITERAL = re.compile(r"'[^']*'|\$\w*\$")
MOST_PAGES = 80  # the crawl stops there: a catalog's pages are alike past its first few


GET_FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.DOTALL | re.IGNORECASE)
FIELD = re.compile(r"<(?:input|select)\b[^>]*\bname=\"([^\"]+)\"[^>]*>", re.IGNORECASE)
FIELD_VALUE = re.compile(r'\bvalue="([^"]*)"')


def submitted_get_forms(path: str, page: str) -> list[str]:
    """Each GET form of the page (the prefetch tour's `n`, the list's page size),
    submitted as it stands, with a value in every field: the address it leads to."""
    found = []
    for attributes, body in GET_FORM.findall(page):
        if 'method="post"' in attributes.lower():
            continue
        action = re.search(r'action="([^"]*)"', attributes)
        fields = []
        for tag in re.finditer(r"<(?:input|select)\b[^>]*>", body):
            name = FIELD.match(tag[0])
            if name and 'type="submit"' not in tag[0]:
                value = FIELD_VALUE.search(tag[0])
                fields.append(f"{name[1]}={value[1] if value and value[1] else '5'}")
        found.append(f"{urljoin(path, unescape(action[1]) if action else path)}?{'&'.join(fields)}")
    return found


def same_site(path: str, href: str) -> str | None:
    """`href` on `path` as a path and query on this site, if the crawl follows it: not
    the admin's pages (they show no footer), a logout, or a static file."""
    target = urlsplit(urljoin(path, unescape(href)))
    if target.netloc or not target.path.startswith("/"):
        return None
    if target.path.startswith(("/static/", f"/{settings.ADMIN_URL}", "/accounts/logout")):
        return None
    return target.path + (f"?{target.query}" if target.query else "")


def crawl(client: Client, start: list[str]) -> dict[str, list[str]]:
    """Each page reached from `start` through the site's own links, redirects and GET
    forms: its footer's SQL statements."""
    seen: dict[str, list[str]] = {}
    queue = list(start)
    while queue and len(seen) < MOST_PAGES:
        path = queue.pop(0)
        if path in seen:
            continue
        response = client.get(path)
        page = response.content.decode()
        footer = FOOTER.search(page)
        seen[path] = [unescape(sql) for sql in FOOTER_SQL.findall(footer[0] if footer else "")]
        if response.has_header("Location") and (target := same_site(path, response["Location"])):
            queue.insert(0, target)
        if "text/html" not in response.get("Content-Type", ""):
            continue
        targets = [*submitted_get_forms(path, page), *LINK.findall(page)]
        queue += [found for href in targets if (found := same_site(path, href))]
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
        uid = urlsafe_base64_encode(force_bytes(user.pk))
        pages = crawl(
            client,
            [
                "/",
                "/tour/",
                "/products/?sort=-price",
                "/companies/initech/",
                "/accounts/profile/",
                # Slugs typed in the address bar, and a reset link as mailed.
                "/products/no-such-product/",
                "/categories/no-such-category/",
                "/companies/no-such-company/",
                f"/accounts/reset/{uid}/{default_token_generator.make_token(user)}/",
            ],
        )
    statements = [sql for sqls in pages.values() for sql in sqls]
    assert len(pages) >= 15, pages  # it saw the site
    assert len(statements) >= 30, pages
    # Its GET forms were sent: the prefetch tour's naive loop, a query per product.
    assert any(path.startswith("/tour/prefetch/?") for path in pages), sorted(pages)
    secrets = [user.username, user.email, user.password, company.slug]
    if "sessionid" in client.cookies:
        secrets.append(client.cookies["sessionid"].value)
    for path, sqls in pages.items():
        for sql in sqls:
            assert not LITERAL.search(sql), (path, sql)
            assert not [secret for secret in secrets if secret in sql], (path, sql)
