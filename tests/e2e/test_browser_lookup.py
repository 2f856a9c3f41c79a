"""Where the browser tests look for a browser: CHROMIUM_PATH, else Debian's
`chromium-headless-shell`, else Debian's `chromium` (a developer's machine, .ci/run),
else `chrome` (Heroku CI's chrome-for-testing buildpack)."""

import shutil

import pytest

from tests.e2e.conftest import BROWSERS, ROUTER_HEADERS, chromium_path, launch
from tests.required import required


def executable(folder, name: str) -> str:
    path = folder / name
    path.write_text("#!/bin/sh\n")
    path.chmod(0o755)
    return str(path)


@pytest.fixture
def bare_path(tmp_path, monkeypatch):
    monkeypatch.delenv("CHROMIUM_PATH", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    return tmp_path


def test_chrome_for_testing_on_path_is_found(bare_path):
    chrome = executable(bare_path, "chrome")
    assert chromium_path() == chrome


def test_debian_chromium_comes_before_chrome(bare_path):
    executable(bare_path, "chrome")
    chromium = executable(bare_path, "chromium")
    assert chromium_path() == chromium


def test_the_headless_shell_comes_first(bare_path):
    executable(bare_path, "chrome")
    executable(bare_path, "chromium")
    shell = executable(bare_path, "chromium-headless-shell")
    assert chromium_path() == shell


def test_chromium_path_overrides_both(bare_path, monkeypatch):
    executable(bare_path, "chromium")
    monkeypatch.setenv("CHROMIUM_PATH", "/opt/browser/chrome")
    assert chromium_path() == "/opt/browser/chrome"


def test_no_browser_is_none(bare_path):
    assert chromium_path() is None


def test_the_browser_in_use_and_under_ci_every_one_installed_shows_the_site(
    chromium, site, certificate
):
    """The suite runs in `chromium_path()`'s browser. Under CI (REQUIRE_BROWSER=1),
    where .ci/run installs both Debian packages, also in every other browser on
    PATH: what a machine without the first would use. On a developer's machine
    another browser on PATH may be one Playwright cannot start (Ubuntu's snap
    `chromium`) without the suite using it, so only the one in use is shown."""
    in_use = chromium_path()
    others = []
    if required("REQUIRE_BROWSER"):
        others = [path for name in BROWSERS if (path := shutil.which(name)) not in (None, in_use)]
    shown = {in_use: products_page(chromium, site)}
    for path in others:
        browser = launch(chromium.browser_type, path, certificate)
        try:
            shown[path] = products_page(browser, site)
        finally:
            browser.close()
    assert shown == dict.fromkeys([in_use, *others], (200, "Products"))


def products_page(browser, site) -> tuple[int, str]:
    """The product list's status and heading, in a new context of `browser`."""
    context = browser.new_context(base_url=site.base_url, extra_http_headers=ROUTER_HEADERS)
    try:
        page = context.new_page()
        response = page.goto("/products/")
        return response.status, page.locator("h1").inner_text()
    finally:
        context.close()
