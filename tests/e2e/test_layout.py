"""Every page at a phone's width and a desktop's: nothing cut off, nothing split.

The checks are generic (tests/e2e/layout.js), run on every page of the site as a
visitor, a member and staff see it, and on the error pages:

- no element is wider than its box unless it is a scroll container showing the
  scroll cue (shadows at the edge that still has more to scroll);
- no number or identifier (`2,503.2`, `"catalog_feature"`, `product_id`, `restore()`)
  is split across lines;
- no two texts of a chart overlap;
- a figure's caption sits next to its own figure, not nearer another one.

With SCREENSHOTS=1 each view is saved as a screenshot in test-artifacts/screenshots/
(`<name>-<width>.png`).
"""

from pathlib import Path

import pytest

from tests.e2e import sitedata
from tests.e2e.conftest import DESKTOP, PHONE, screenshot
from tests.e2e.test_pages import PAGES

LAYOUT_CHECKS = (Path(__file__).parent / "layout.js").read_text()
# Pages that differ for staff (the S3 tour's demonstration form, the admin link),
# and the error pages a visitor can reach.
STAFF_PAGES = [
    ("home-staff", "/", "staff"),
    ("profile-staff", "/accounts/profile/", "staff"),
    ("tour-auth-backend-staff", "/tour/auth-backend/", "staff"),
    ("tour-s3-media-staff", "/tour/s3-media/", "staff"),
    # An admin page of this project's own (the admin's other pages are Django's).
    ("admin-media-versions", "/admin/media/versions/?name={image}", "staff"),
]
ERROR_PAGES = [("404", "/no-such-page/", None)]
ALL_PAGES = [*PAGES, *STAFF_PAGES, *ERROR_PAGES]
# 375: a long name the line could not hold broke at 375 where it did not at 360.
WIDTHS = {"360": PHONE, "375": {**PHONE, "width": 375}, "1280": DESKTOP}


def layout_problems(page) -> str:
    """What layout.js found, one problem a line ("" for none), with every <details> open
    as a visitor may open it (the footer's query log), once the page has loaded."""
    page.wait_for_load_state("load")
    page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
    return "\n".join(page.evaluate(LAYOUT_CHECKS))


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", [entry[0] for entry in ALL_PAGES])
def test_nothing_is_cut_off_split_or_overlapping(request, slugs, console_errors, name, width):
    _, path, who = next(entry for entry in ALL_PAGES if entry[0] == name)
    page = request.getfixturevalue({"user": "user_page", "staff": "staff_page"}.get(who, "page"))
    page.set_viewport_size(WIDTHS[width])
    if name == "404":
        console_errors.expect("404")
    response = page.goto(path.format(**slugs))
    assert response.status == (404 if name == "404" else 200)
    if name == "tour-s3-media-staff":
        # The page after a run: its steps and the versions table (ids, dates, sizes).
        page.get_by_role("button", name="Run the demonstration").click()
        page.wait_for_selector("table.media-versions")
    screenshot(page, f"{name}-{width}")
    if problems := layout_problems(page):
        pytest.fail(problems)


# What the checker's exemptions (screen-reader text, a text field's own value) must
# not pass over.
STILL_CUT = {
    "a button's label": '<input type="submit" style="width:120px" value="Save and continue '
    'editing this product">',
    "a rounded card": '<div style="width:200px;overflow:hidden;clip-path:inset(0 round 8px)">'
    '<span style="white-space:nowrap">A sentence much too long for this card</span></div>',
    "a text field past the edge": '<input type="text" style="width:500px">',
}


@pytest.mark.parametrize("case", STILL_CUT)
def test_the_checker_still_finds_what_is_cut_off(page, case):
    page.set_viewport_size(PHONE)
    page.set_content(f"<!doctype html><html><body>{STILL_CUT[case]}</body></html>")
    assert page.evaluate(LAYOUT_CHECKS) != []


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_admin_versions_tables_rows_let_its_scroll_cue_show(staff_page, slugs, scheme):
    """The cue is the box's background: the admin paints every row, which hid it
    beside the rows, and its dark shadow did not show on the dark theme."""
    staff_page.set_viewport_size(PHONE)
    staff_page.emulate_media(color_scheme=scheme)
    staff_page.goto(f"/admin/media/versions/?name={slugs['image']}")
    painted = staff_page.evaluate(
        "() => [...document.querySelectorAll('.media-versions-box tr, .media-versions-box th,"
        " .media-versions-box td')].map(el => getComputedStyle(el).backgroundColor)"
        ".filter(colour => colour !== 'rgba(0, 0, 0, 0)')"
    )
    assert painted == []
    shadow = staff_page.evaluate(
        "() => getComputedStyle(document.querySelector('.media-versions-box')).backgroundImage"
    )
    assert "rgba(128, 128, 128, 0.6)" in shadow


@pytest.mark.parametrize("width", WIDTHS)
def test_the_csrf_failure_page_fits_too(page, console_errors, width):
    """The page a visitor meets when a form's token is missing (cookies blocked, say)."""
    page.set_viewport_size(WIDTHS[width])
    console_errors.expect("403")
    page.goto("/accounts/login/")
    page.context.clear_cookies()
    page.get_by_label("Username").fill(sitedata.USER)
    page.get_by_label("Password").fill(sitedata.PASSWORD)
    # The navigation, not the response: the response arrives before the browser has
    # swapped in the page it carries, and a check run between the two finds no document.
    with page.expect_navigation(url="**/accounts/login/") as answer:
        page.locator("main").get_by_role("button", name="Log in").click()
    assert answer.value.status == 403
    screenshot(page, f"403-csrf-{width}")
    if problems := layout_problems(page):
        pytest.fail(problems)
