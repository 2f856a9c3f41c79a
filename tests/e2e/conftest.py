"""Browser tests: Playwright drives headless Chromium against the real web process.

Playwright cannot download its own browsers here, so it launches the system's:
CHROMIUM_PATH, else Debian's `chromium-headless-shell`, else Debian's `chromium`,
else `chrome` from Heroku CI's chrome-for-testing buildpack. The headless shell is
Chromium's engine without the desktop browser around it, the one Playwright
itself runs headless tests in: this folder's run took 64 s of CPU with it against
113 s with `chromium` (the tests, the site and the browser together), with the
same results. Without a browser these tests skip with the reason,
unless REQUIRE_BROWSER=1 (set by CI) turns the skip into a failure.

The site is the Procfile's web line in production mode, on a fresh database with
a small catalog and two users (tests/e2e/sitedata.py), media on the local S3
server, served over https as Heroku's router serves it (tests/e2e/tls.py).

The browser, the site and its data are package-scoped: started for the first
test of this folder and stopped after its last. Playwright's sync API leaves an
asyncio event loop running in the worker while it is open, and Django refuses
database access under one (SynchronousOnlyOperation); a worker that runs other
tests after these (pytest-xdist hands this folder out as one group) must not
inherit it.
"""

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e import sitedata, tls
from tests.processes import (
    BASE_DIR,
    manage,
    production_env,
    released_database,
    run_python,
    start_web,
)
from tests.required import required

ARTIFACTS = BASE_DIR / "test-artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
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
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}
# What Heroku's router adds to every request; the browser speaks TLS to gunicorn directly.
ROUTER_HEADERS = {"X-Forwarded-Proto": "https"}


# The browsers looked for on PATH, first found first (see the module's docstring).
BROWSERS = ("chromium-headless-shell", "chromium", "chrome")


def chromium_path() -> str | None:
    """CHROMIUM_PATH, else Debian's `chromium-headless-shell`, else Debian's
    `chromium`, else `chrome` (Heroku CI with the heroku-community/chrome-for-testing buildpack
    puts Chrome for Testing on PATH)."""
    return os.environ.get("CHROMIUM_PATH") or next(filter(None, map(shutil.which, BROWSERS)), None)


@pytest.fixture(scope="package")
def certificate(tmp_path_factory) -> tls.Certificate:
    return tls.make_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="package")
def chromium(certificate):
    path = chromium_path()
    if path is None:
        reason = (
            "Chromium not found: install Debian's `chromium-headless-shell` or "
            "`chromium`, put `chrome` on PATH or set CHROMIUM_PATH"
        )
        if required("REQUIRE_BROWSER"):
            pytest.fail(reason + " (REQUIRE_BROWSER is set)")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright.chromium, path, certificate)
        yield browser
        browser.close()


def launch(browser_type, path: str, certificate: tls.Certificate):
    """The browser at `path`, headless, trusting the site's certificate by its key."""
    trust = f"--ignore-certificate-errors-spki-list={certificate.spki_sha256}"
    return browser_type.launch(executable_path=path, args=[*CHROMIUM_FLAGS, trust])


@dataclass(frozen=True)
class Seeded:
    env: dict[str, str]
    slugs: dict[str, str]  # what tests/e2e/sitedata.py printed


@pytest.fixture(scope="package")
def seeded() -> Seeded:
    """A new database as the release phase leaves it, with the catalog and users the tests use."""
    # The query log on, as the demo deployment has it (app.json): the tests read the
    # footer and Server-Timing.
    env = production_env(
        DATABASE_URL=released_database("e2e"), ALLOWED_HOSTS="127.0.0.1", QUERY_LOG="on"
    )
    seed = manage("seed_catalog", "--products", "60", "--features-per-product", "4", env=env)
    assert seed.returncode == 0, seed.stderr
    data = run_python("from tests.e2e import sitedata; sitedata.main()", env)
    assert data.returncode == 0, data.stderr
    return Seeded(env, json.loads(data.stdout.strip().splitlines()[-1]))


@pytest.fixture(scope="package")
def slugs(seeded) -> dict[str, str]:
    return seeded.slugs


@pytest.fixture(scope="package")
def site(seeded, certificate):
    """The Procfile's web line in production mode, over https, on the seeded database."""
    env = seeded.env
    web = start_web(
        {**env, "GUNICORN_CMD_ARGS": certificate.gunicorn_args()},
        tls=certificate.client_context(),
    )
    web.wait_until_serving()
    yield web
    web.stop()


class ConsoleErrors(list):
    """Console and page errors of one context; `expect(text)` allows one that a test causes."""

    def __init__(self):
        super().__init__()
        self.expected: list[str] = []

    def expect(self, text: str) -> None:
        self.expected.append(text)

    def unexpected(self) -> list[str]:
        return [error for error in self if not any(text in error for text in self.expected)]


def new_page(chromium, site, errors: ConsoleErrors, **options):
    context = chromium.new_context(
        base_url=site.base_url,
        extra_http_headers=ROUTER_HEADERS,
        viewport=DESKTOP,
        **options,
    )
    page = context.new_page()
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return page


@pytest.fixture
def console_errors() -> ConsoleErrors:
    return ConsoleErrors()


@pytest.fixture
def page(chromium, site, console_errors):
    """A fresh browser context; fails the test on any console error or page error."""
    page = new_page(chromium, site, console_errors)
    yield page
    page.context.close()
    assert console_errors.unexpected() == [], f"console errors: {console_errors}"


def log_in(page, username: str, password: str = sitedata.PASSWORD) -> None:
    """Log in through the site's own form, as a visitor does."""
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.locator("main").get_by_role("button", name="Log in").click()
    page.wait_for_url("**/accounts/profile/")


def session_of(chromium, site, username: str) -> dict:
    """Cookies of a logged-in session of `username`, for contexts that start logged in."""
    errors = ConsoleErrors()
    page = new_page(chromium, site, errors)
    log_in(page, username)
    state = page.context.storage_state()
    page.context.close()
    assert errors == []
    return state


@pytest.fixture(scope="package")
def user_session(chromium, site) -> dict:
    return session_of(chromium, site, sitedata.USER)


@pytest.fixture(scope="package")
def staff_session(chromium, site) -> dict:
    return session_of(chromium, site, sitedata.STAFF)


def logged_in_page(chromium, site, state: dict, console_errors: ConsoleErrors):
    page = new_page(chromium, site, console_errors, storage_state=state)
    yield page
    page.context.close()
    assert console_errors.unexpected() == [], f"console errors: {console_errors}"


@pytest.fixture
def user_page(chromium, site, user_session, console_errors):
    """Like `page`, logged in as the normal user (a company member)."""
    yield from logged_in_page(chromium, site, user_session, console_errors)


@pytest.fixture
def staff_page(chromium, site, staff_session, console_errors):
    """Like `page`, logged in as the staff user (a superuser)."""
    yield from logged_in_page(chromium, site, staff_session, console_errors)


def screenshot(page, name: str) -> Path | None:
    """Save a full-page screenshot as a test artifact when SCREENSHOTS=1.

    Only then: encoding full pages as PNG took a sixth of test_layout.py's CPU,
    and no test reads the pictures back; they are for a person looking at the pages.
    """
    if os.environ.get("SCREENSHOTS") != "1":
        return None
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
