"""Every page in a real browser: loads cleanly, is accessible, and is keyboard-navigable."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.e2e.conftest import screenshot

PAGES = [
    ("home", "/"),
    ("tour", "/tour/"),
    ("products", "/products/"),
    ("tour-pipenv", "/tour/pipenv/"),
    ("tour-prefetch", "/tour/prefetch/"),
    ("tour-static-versioning", "/tour/static-versioning/"),
    ("tour-auth-backend", "/tour/auth-backend/"),
    ("tour-s3-media", "/tour/s3-media/"),
    ("signup", "/accounts/signup/"),
    ("login", "/accounts/login/"),
]


@pytest.mark.parametrize(("name", "path"), PAGES)
def test_page_loads_without_errors_and_has_no_serious_accessibility_violations(page, name, path):
    response = page.goto(path)
    assert response.status == 200
    screenshot(page, name)
    results = Axe().run(page)
    serious = [
        (violation["id"], violation["impact"], len(violation["nodes"]))
        for violation in results.response["violations"]
        if violation["impact"] in ("serious", "critical")
    ]
    assert serious == []


def test_query_log_footer_expands_and_counts(page):
    page.goto("/tour/pipenv/")
    summary = page.locator(".query-log summary")
    assert "database quer" in summary.inner_text()
    details = page.locator("details.query-log")
    assert details.get_attribute("open") is None
    summary.click()
    assert details.get_attribute("open") is not None


def test_keyboard_reaches_every_link(page):
    page.goto("/tour/")
    links = page.locator("a[href], button, input, select, textarea, summary").count()
    reached = set()
    for _ in range(links + 2):
        page.keyboard.press("Tab")
        reached.add(page.evaluate("document.activeElement.outerHTML"))
    focusable = page.eval_on_selector_all(
        "a[href], button, input, select, textarea, summary", "els => els.map(e => e.outerHTML)"
    )
    assert set(focusable) <= reached


def test_narrow_screen_has_no_horizontal_scroll(page):
    page.set_viewport_size({"width": 360, "height": 740})
    for _, path in PAGES:
        page.goto(path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, path


def test_assets_carry_their_version_and_a_second_view_fetches_none(page, site):
    page.goto("/")
    assets = page.eval_on_selector_all(
        "link[rel=stylesheet], link[rel=icon], script[src]",
        "els => els.map(e => e.href || e.src)",
    )
    assert len(assets) == 3
    assert all("/static/" in url and "?v=" in url for url in assets), assets
    static_requests = site.output().count('"GET /static/')
    assert static_requests >= 3
    page.goto("/tour/")
    page.goto("/")
    # Hashed files are cached as immutable: the server sees no new static request.
    assert site.output().count('"GET /static/') == static_requests
