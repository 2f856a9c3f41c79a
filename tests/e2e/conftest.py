"""Browser tests: Playwright drives headless Chromium against the real web process.

Playwright cannot download its own browsers here, so it launches the system's
Chromium (Debian package `chromium`). Without it these tests skip with the reason,
unless REQUIRE_BROWSER=1 (set by CI) turns the skip into a failure.
"""

import os
import shutil
from pathlib import Path

import pytest

from tests.processes import BASE_DIR, fresh_database, production_env, run_procfile, start_web

ARTIFACTS = BASE_DIR / "test-artifacts" / "screenshots"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    return os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")


@pytest.fixture(scope="session")
def chromium():
    path = chromium_path()
    if path is None:
        reason = "Chromium not found: install Debian's `chromium` or set CHROMIUM_PATH"
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(reason + " (REQUIRE_BROWSER=1)")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def site():
    """The Procfile's web line in production mode, released on a fresh database.

    The browser talks to 127.0.0.1 directly, so the tests add the header Heroku's
    router adds (X-Forwarded-Proto) to every request of the browser context.
    """
    env = production_env(
        DATABASE_URL=fresh_database("e2e"),
        ALLOWED_HOSTS="127.0.0.1",
    )
    release = run_procfile("release", env)
    assert release.returncode == 0, release.stderr
    web = start_web(env)
    web.wait_until_serving()
    yield web
    web.stop()


@pytest.fixture
def page(chromium, site, request):
    """A fresh browser context; fails the test on any console error or page error."""
    context = chromium.new_context(
        base_url=site.base_url,
        extra_http_headers={"X-Forwarded-Proto": "https"},
        viewport={"width": 1280, "height": 800},
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert errors == [], f"console errors: {errors}"


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot as a test artifact."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
