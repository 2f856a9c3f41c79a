"""Where the browser tests look for a browser: CHROMIUM_PATH, else Debian's
`chromium-headless-shell`, else Debian's `chromium` (a developer's machine, .ci/run),
else `chrome` (Heroku CI's chrome-for-testing buildpack)."""

import os
import shutil

import pytest

from tests.e2e.conftest import BROWSERS, CHROMIUM_FLAGS, ROUTER_HEADERS, chromium_path


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
    found = [chromium_path()]
    if os.environ.get("REQUIRE_BROWSER") == "1":
        for name in BROWSERS:
            path = shutil.which(name)
            if path and path not in found:
                found.append(path)
    trust = f"--ignore-certificate-errors-spki-list={certificate.spki_sha256}"
    shown = {}
    for path in found:
        browser = chromium.browser_type.launch(executable_path=path, args=[*CHROMIUM_FLAGS, trust])
        try:
            page = browser.new_page(base_url=site.base_url, extra_http_headers=ROUTER_HEADERS)
            response = page.goto("/products/")
            shown[path] = (response.status, page.locator("h1").inner_text())
        finally:
            browser.close()
    assert shown == dict.fromkeys(found, (200, "Products"))
