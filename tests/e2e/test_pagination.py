"""The pager and the product page in a real browser, on a phone and a desktop:
nothing wider than the screen, the pager usable by its labels, the product's
image beside its details on a wide screen."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP, PHONE, screenshot

VIEWPORTS = {"360": PHONE, "1280": DESKTOP}
# Visible elements reaching past the right edge of the viewport, or wider than it.
TOO_WIDE = """() => [...document.querySelectorAll("body *")]
    .filter(element => element.checkVisibility())
    .filter(element => {
        const box = element.getBoundingClientRect();
        return box.width > innerWidth || box.right > innerWidth + 0.5;
    })
    .map(element => element.outerHTML.slice(0, 120))"""


@pytest.mark.parametrize("width", VIEWPORTS)
def test_the_pager_fits_and_is_labelled(page, width):
    page.set_viewport_size(VIEWPORTS[width])
    # About 60 seeded products, one a page: every kind of pager link shows.
    page.goto("/products/?per_page=1&sort=price&page=30")
    pager = page.get_by_role("navigation", name="Pages")
    for name in ("First page", "Previous page", "Next page"):
        expect(pager.get_by_role("link", name=name, exact=True)).to_be_visible()
    last = pager.get_by_role("link", name=re.compile(r"^Last page, \d+$"))
    expect(last).to_be_visible()
    pages = last.get_attribute("aria-label").removeprefix("Last page, ")
    for number in range(28, 33):
        expect(pager.get_by_role("link", name=f"Page {number}", exact=True)).to_be_visible()
    expect(pager.locator('[aria-current="page"]')).to_have_text("30")
    assert page.evaluate(TOO_WIDE) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORTS[width]["width"]
    screenshot(page, f"pager-{width}")

    last.click()
    page.wait_for_url(f"**page={pages}")
    assert "sort=price" in page.url
    assert "per_page=1" in page.url
    expect(
        page.get_by_role("navigation", name="Pages").locator('[aria-current="page"]')
    ).to_have_text(pages)


@pytest.mark.parametrize("width", VIEWPORTS)
def test_the_product_page_fits_with_its_image_beside_the_details(page, slugs, width):
    page.set_viewport_size(VIEWPORTS[width])
    page.goto(f"/products/{slugs['product']}/")
    expect(page.get_by_role("navigation", name="Breadcrumb")).to_be_visible()
    more = page.locator(".more-in-category")
    expect(more.get_by_role("heading", level=2)).to_have_text(
        f"More in {page.locator('.breadcrumb a').nth(1).inner_text()}"
    )
    # Up to four others of the category (a small seeded category may have fewer).
    assert 1 <= more.locator(".product-card").count() <= 4
    assert page.evaluate(TOO_WIDE) == []
    image = page.locator(".product-detail > img").bounding_box()
    details = page.locator(".product-detail .product-info").bounding_box()
    if width == "1280":
        # Side by side: the details start right of the image, on the same row.
        assert details["x"] >= image["x"] + image["width"]
        assert abs(details["y"] - image["y"]) < 5
    else:
        # A phone stacks them: the details under the image.
        assert details["y"] >= image["y"] + image["height"]
    screenshot(page, f"product-{width}")
