"""Where the browser tests look for a browser: Debian's `chromium` on a developer's
machine and in .ci/run, `chrome` on Heroku CI (the chrome-for-testing buildpack)."""

import pytest

from tests.e2e.conftest import chromium_path


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


def test_debian_chromium_comes_first(bare_path):
    executable(bare_path, "chrome")
    chromium = executable(bare_path, "chromium")
    assert chromium_path() == chromium


def test_chromium_path_overrides_both(bare_path, monkeypatch):
    executable(bare_path, "chromium")
    monkeypatch.setenv("CHROMIUM_PATH", "/opt/browser/chrome")
    assert chromium_path() == "/opt/browser/chrome"


def test_no_browser_is_none(bare_path):
    assert chromium_path() is None
