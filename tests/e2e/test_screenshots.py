"""Screenshots are saved for a person to look at, only when asked (SCREENSHOTS=1)."""

from tests.e2e.conftest import SCREENSHOTS, screenshot

NAME = "screenshot-check"


def test_a_screenshot_is_saved_only_with_screenshots_1(page, monkeypatch):
    page.goto("/")
    saved = SCREENSHOTS / f"{NAME}.png"
    saved.unlink(missing_ok=True)

    monkeypatch.delenv("SCREENSHOTS", raising=False)
    assert screenshot(page, NAME) is None
    assert not saved.exists()

    monkeypatch.setenv("SCREENSHOTS", "1")
    assert screenshot(page, NAME) == saved
    assert saved.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    saved.unlink()
