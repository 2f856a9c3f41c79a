"""Every page in a real browser: loads cleanly, is accessible, fits a phone, and is
keyboard-navigable; static assets are versioned and cached."""

import os
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.e2e.conftest import PHONE, screenshot

# (name, path, who): `{product}`, `{category}` and `{company}` are the seeded site's
# slugs (tests/e2e/sitedata.py); who is "user" for a page seen logged in.
PAGES = [
    ("home", "/", None),
    ("products", "/products/", None),
    ("products-page-2", "/products/?page=2", None),
    ("product", "/products/{product}/", None),
    ("category", "/categories/{category}/", None),
    ("company", "/companies/{company}/", None),
    ("login", "/accounts/login/", None),
    ("signup", "/accounts/signup/", None),
    ("password-reset", "/accounts/password_reset/", None),
    ("profile", "/accounts/profile/", "user"),
    ("profile-edit", "/accounts/profile/edit/", "user"),
    ("tour", "/tour/", None),
    ("tour-pipenv", "/tour/pipenv/", None),
    ("tour-static-versioning", "/tour/static-versioning/", None),
    ("tour-prefetch", "/tour/prefetch/", None),
    ("tour-auth-backend", "/tour/auth-backend/", None),
    ("tour-auth-backend-logged-in", "/tour/auth-backend/", "user"),
    ("tour-s3-media", "/tour/s3-media/", None),
]
MAIN_PAGES = ["home", "products", "product", "login", "signup", "profile-edit", "tour-prefetch"]
# What a keyboard user can reach; hidden inputs and closed <details> content excepted below.
FOCUSABLE = "a[href], button, input:not([type=hidden]), select, textarea, summary"


def visit(request, slugs, name: str):
    """A page of the browser (logged in when PAGES says so) showing the page `name`."""
    _, path, who = next(entry for entry in PAGES if entry[0] == name)
    page = request.getfixturevalue("user_page" if who else "page")
    return page, path.format(**slugs)


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def serious_violations(page) -> list[tuple[str, str, int]]:
    results = Axe().run(page)
    return [
        (violation["id"], violation["impact"], len(violation["nodes"]))
        for violation in results.response["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("name", [entry[0] for entry in PAGES])
def test_page_is_accessible_self_contained_and_fits_a_phone(request, slugs, site, name):
    page, path = visit(request, slugs, name)
    requested = []
    page.on("request", lambda req: requested.append(req.url))
    response = page.goto(path)
    assert response.status == 200
    screenshot(page, name)
    assert serious_violations(page) == []
    # No layout shift when images arrive: each one says its size up front.
    sizes = page.eval_on_selector_all(
        "img", "images => images.map(i => [i.getAttribute('width'), i.getAttribute('height')])"
    )
    assert all(w and h and w.isdigit() and h.isdigit() for w, h in sizes), sizes
    # No CDN, no font service, no analytics: only the site and its media bucket.
    assert {origin(url) for url in requested} <= {site.base_url, os.environ["AWS_S3_ENDPOINT_URL"]}
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, f"{name}-360")


def unreachable_by_tab(page) -> list[str]:
    """The visible links and form controls that pressing Tab never focuses."""
    page.evaluate("window.reachedByTab = new Set()")
    for _ in range(page.locator(FOCUSABLE).count() + 3):
        page.keyboard.press("Tab")
        page.evaluate("window.reachedByTab.add(document.activeElement)")
    return page.eval_on_selector_all(
        FOCUSABLE,
        """elements => elements
            .filter(element => element.checkVisibility() && !window.reachedByTab.has(element))
            .map(element => element.outerHTML)""",
    )


@pytest.mark.parametrize("name", MAIN_PAGES)
def test_keyboard_alone_reaches_every_link_and_form_control(request, slugs, name):
    page, path = visit(request, slugs, name)
    page.goto(path)
    assert page.locator(FOCUSABLE).count() > 5
    assert unreachable_by_tab(page) == []


def test_query_log_footer_expands_and_counts(page):
    page.goto("/tour/pipenv/")
    summary = page.locator(".query-log summary")
    assert "database quer" in summary.inner_text()
    details = page.locator("details.query-log")
    assert details.get_attribute("open") is None
    summary.click()
    assert details.get_attribute("open") is not None


def test_assets_carry_their_version_and_a_second_view_fetches_none(page, site):
    page.goto("/")
    assets = page.eval_on_selector_all(
        "link[rel=stylesheet], link[rel=icon], script[src]",
        "els => els.map(e => e.href || e.src)",
    )
    assert len(assets) == 3
    assert all("/static/" in url and "?v=" in url for url in assets), assets
    # Count once nothing has been requested for half a second: the icon may come
    # after "load", and the server logs a request after answering it.
    page.wait_for_load_state("networkidle")
    static_requests = site.output().count('"GET /static/')
    assert static_requests >= 3
    page.goto("/tour/")
    page.goto("/")
    page.wait_for_load_state("networkidle")
    # Hashed files are cached as immutable: the server sees no new static request.
    assert site.output().count('"GET /static/') == static_requests
